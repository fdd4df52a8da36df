"""Who may evaluate what: hard constraints, affinity, and the prepared instance.

Both solvers, the greedy baseline, the capacity check and `replace` read the
same rules from here, so a pair is never feasible for one and not another.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache

from models.assignment.specs import (
    CANDIDATES,
    DEFAULT_WEIGHTS,
    PROJECTS,
    DossierSpec,
    EvaluatorSpec,
    Weights,
)
from models.roster import normalise_key


@lru_cache(maxsize=65536)
def norm(value: str | None) -> str | None:
    """The roster's comparison key (accents, case, punctuation ignored); None for blank.

    Cached: the solvers and their explanations ask for the same few organisations
    hundreds of thousands of times.
    """
    if value is None:
        return None
    return normalise_key(value) or None


@dataclass(frozen=True)
class _EvKey:
    """An evaluator's conflict data, normalised once (the pair loop runs millions of times)."""

    email: str
    org: str | None
    ministry: str | None
    conflict_orgs: frozenset[str | None]
    conflict_dossiers: frozenset[int]
    conflict_people: frozenset[str | None]


@dataclass(frozen=True)
class _DKey:
    number: int
    projects: bool
    org: str | None
    ministry: str | None
    employer: str | None
    names: frozenset[str]
    people: frozenset[str | None]


def _ev_key(e: EvaluatorSpec) -> _EvKey:
    return _EvKey(
        e.email,
        norm(e.organisation),
        norm(e.ministry),
        frozenset(norm(o) for o in e.conflict_organisations) - {None},
        e.conflict_dossiers,
        frozenset(norm(p) for p in e.conflict_people) - {None},
    )


def _d_key(d: DossierSpec) -> _DKey:
    names = frozenset(n for n in (norm(d.organisation), norm(d.ministry), norm(d.employer)) if n)
    return _DKey(
        d.number,
        d.track == PROJECTS,
        norm(d.organisation),
        norm(d.ministry),
        norm(d.employer),
        names,
        frozenset(norm(p) for p in d.people) - {None},
    )


def conflict_reason(e: EvaluatorSpec, d: DossierSpec) -> str | None:
    """Why `e` may not evaluate `d` for a conflict of interest (None: no conflict)."""
    return _conflict(_ev_key(e), _d_key(d))


def _conflict(e: _EvKey, d: _DKey) -> str | None:
    if d.projects:
        if e.org is not None and e.org == d.org:
            return "même organisation"
        if e.ministry is not None and e.ministry == d.ministry:
            return "même ministère"
    if e.conflict_orgs and not e.conflict_orgs.isdisjoint(d.names):
        return "organisation déclarée en conflit"
    if d.employer is not None and d.employer == e.org:
        return "employeur du candidat"
    if d.number in e.conflict_dossiers:
        return "dossier déclaré en conflit"
    if d.people and (norm(e.email) in d.people or not e.conflict_people.isdisjoint(d.people)):
        return "personne déclarée en conflit"
    return None


def pair_feasible(e: EvaluatorSpec, d: DossierSpec) -> bool:
    """Every pairwise hard rule except capacity and the team rules (organisation, mix)."""
    return (
        e.available
        and d.track in e.tracks
        and e.email not in d.assigned
        and e.email not in d.former
        and conflict_reason(e, d) is None
    )


def affinity(e: EvaluatorSpec, d: DossierSpec, weights: Weights = DEFAULT_WEIGHTS) -> int:
    """Small deterministic score: theme expertise, ministry expertise, specialty match.

    Same rules as `affinity_matches`, without building the explanation (hot loop).
    """
    score = 0
    if d.theme is not None and d.theme in e.themes:
        score += weights.theme
    if d.ministry is not None and d.ministry in e.ministries:
        score += weights.ministry
    if d.specialty_family is not None and d.specialty_family in e.profiles:
        score += weights.profile
    return score


def affinity_matches(
    e: EvaluatorSpec, d: DossierSpec, weights: Weights = DEFAULT_WEIGHTS
) -> list[tuple[int, str]]:
    """The affinity points with their explanation, so a score is never a bare number."""
    found: list[tuple[int, str]] = []
    if d.theme is not None and d.theme in e.themes:
        found.append((weights.theme, f"thème {d.theme}"))
    if d.ministry is not None and d.ministry in e.ministries:
        found.append((weights.ministry, f"ministère {d.ministry}"))
    if d.specialty_family is not None and d.specialty_family in e.profiles:
        found.append((weights.profile, f"profil {d.specialty_family}"))
    return found


def mix_label(d: DossierSpec) -> str | None:
    """The profile a dossier's team must include, or None when it has no mix rule."""
    if d.track == PROJECTS:
        return "senior"
    if d.track == CANDIDATES and d.specialty_family is not None:
        return f"spécialité {d.specialty_family}"
    return None


def mix_match(e: EvaluatorSpec, d: DossierSpec) -> bool:
    """Whether `e` alone satisfies the dossier's mix rule."""
    if d.track == PROJECTS:
        return e.senior
    if d.specialty_family is None:
        return True
    return d.specialty_family in e.profiles


def marginal_cost(load_before: int, weights: Weights = DEFAULT_WEIGHTS) -> int:
    """Cost of one more assignment for someone who already has `load_before` (convex)."""
    return weights.load_step * load_before


@dataclass(frozen=True)
class Candidate:
    email: str
    affinity: int
    matches_mix: bool


@dataclass
class Instance:
    """Sorted inputs with every feasible pair precomputed (the solvers' common ground)."""

    dossiers: list[DossierSpec]  # with needed > 0, by number
    evaluators: dict[str, EvaluatorSpec]  # by email, insertion-sorted
    feasible: dict[int, list[Candidate]]  # best affinity first, then email
    base_load: dict[str, int]  # load already carried (convex cost starts there)
    mix_binds: dict[int, bool]  # the mix rule can still reject a team for this dossier
    fixed_mix: dict[int, bool]  # the fixed evaluators already satisfy the mix rule
    weights: Weights


def prepare(
    dossiers: Iterable[DossierSpec],
    evaluators: Iterable[EvaluatorSpec],
    *,
    mix: bool,
    weights: Weights = DEFAULT_WEIGHTS,
    current_load: Mapping[str, int] | None = None,
) -> Instance:
    """Sort inputs and enumerate feasible pairs once; order of the inputs never matters."""
    evs = _unique_evaluators(evaluators)
    ds = _unique_dossiers(dossiers)
    base = dict(current_load) if current_load is not None else _fixed_load(ds)
    inst = Instance(
        dossiers=[d for d in ds if d.needed > 0],
        evaluators=evs,
        feasible={},
        base_load={email: int(base.get(email, 0)) for email in evs},
        mix_binds={},
        fixed_mix={},
        weights=weights,
    )
    by_track = _by_track(evs.values())
    for d in inst.dossiers:
        cands = _candidates(d, by_track.get(d.track, []), evs, weights)
        inst.feasible[d.number] = cands
        fixed_ok = any(mix_match(evs[a], d) for a in d.assigned if a in evs)
        inst.fixed_mix[d.number] = fixed_ok or mix_label(d) is None
        inst.mix_binds[d.number] = (
            mix and not inst.fixed_mix[d.number] and not all(c.matches_mix for c in cands)
        )
    return inst


def _unique_evaluators(evaluators: Iterable[EvaluatorSpec]) -> dict[str, EvaluatorSpec]:
    out: dict[str, EvaluatorSpec] = {}
    for e in sorted(evaluators, key=lambda e: e.email):
        if e.email in out:
            raise ValueError(f"duplicate evaluator {e.email}")
        out[e.email] = e
    return out


def _unique_dossiers(dossiers: Iterable[DossierSpec]) -> list[DossierSpec]:
    out = sorted(dossiers, key=lambda d: d.number)
    for a, b in zip(out, out[1:], strict=False):
        if a.number == b.number:
            raise ValueError(f"duplicate dossier {a.number}")
    return out


def _fixed_load(dossiers: Sequence[DossierSpec]) -> dict[str, int]:
    """Default starting load: the fixed assignments visible in this batch."""
    load: dict[str, int] = defaultdict(int)
    for d in dossiers:
        for email in d.assigned:
            load[email] += 1
    return load


def _by_track(
    evaluators: Iterable[EvaluatorSpec],
) -> dict[str, list[tuple[EvaluatorSpec, _EvKey]]]:
    out: dict[str, list[tuple[EvaluatorSpec, _EvKey]]] = defaultdict(list)
    for e in evaluators:
        if e.available and e.capacity > 0:
            key = _ev_key(e)
            for track in sorted(e.tracks):
                out[track].append((e, key))
    return out


def _candidates(
    d: DossierSpec,
    pool: Sequence[tuple[EvaluatorSpec, _EvKey]],
    evs: Mapping[str, EvaluatorSpec],
    weights: Weights,
) -> list[Candidate]:
    fixed_orgs = {norm(evs[a].organisation) for a in d.assigned if a in evs}
    dk = _d_key(d)
    out = [
        Candidate(e.email, affinity(e, d, weights), mix_match(e, d))
        for e, ek in pool
        if ek.org not in fixed_orgs and e.email not in d.assigned and _conflict(ek, dk) is None
    ]
    out.sort(key=lambda c: (-c.affinity, c.email))
    return out


def input_hash(
    dossiers: Iterable[DossierSpec],
    evaluators: Iterable[EvaluatorSpec],
    **params: object,
) -> str:
    """sha256 of a canonical serialisation: the same inputs always give the same hash."""
    payload = {
        "dossiers": [_canonical(asdict(d)) for d in sorted(dossiers, key=lambda d: d.number)],
        "evaluators": [_canonical(asdict(e)) for e in sorted(evaluators, key=lambda e: e.email)],
        "params": _canonical(params),
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _canonical(value: object) -> object:
    if isinstance(value, (set, frozenset)):
        return sorted((_canonical(v) for v in value), key=repr)
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value
