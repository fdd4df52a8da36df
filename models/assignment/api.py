"""Public entry points: solve, greedy, replace, check_capacity."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Mapping

from models.assignment.eligibility import (
    Instance,
    affinity,
    input_hash,
    marginal_cost,
    mix_label,
    mix_match,
    norm,
    pair_feasible,
    prepare,
)
from models.assignment.explain import Solution, build_result
from models.assignment.flow import solve_flow
from models.assignment.milp import solve_exact
from models.assignment.specs import (
    CANDIDATES,
    DEFAULT_WEIGHTS,
    PROJECTS,
    AssignmentResult,
    DossierSpec,
    EvaluatorSpec,
    Weights,
)


def solve(
    dossiers: Iterable[DossierSpec],
    evaluators: Iterable[EvaluatorSpec],
    *,
    mix: bool = True,
    seed: int = 0,
    time_limit_s: float = 30.0,
    weights: Weights = DEFAULT_WEIGHTS,
    current_load: Mapping[str, int] | None = None,
) -> AssignmentResult:
    """Optimal assignment: max seats filled, then max affinity minus convex load cost.

    Min-cost flow (exact, fast) when no mix rule can reject a team; otherwise an exact
    MILP (HiGHS) started from a two-stage flow, within `time_limit_s` wall-clock seconds
    (the flow's solution when HiGHS cannot improve it in time; see `AssignmentResult`'s
    status, bound and gap). `current_load` is the load the convex cost starts from
    (default: the fixed assignments in this batch); capacity is the spec's slots left.
    """
    started = time.perf_counter()
    dossiers, evaluators = list(dossiers), list(evaluators)
    inst = prepare(dossiers, evaluators, mix=mix, weights=weights, current_load=current_load)
    digest = input_hash(
        dossiers,
        evaluators,
        mix=mix,
        seed=seed,
        weights=weights.__dict__,
        current_load=dict(sorted(inst.base_load.items())),
        time_limit_s=time_limit_s,
    )
    if not any(inst.mix_binds.values()):
        chosen, status = solve_flow(inst)
        result = build_result(inst, chosen, solver="min_cost_flow", status=status, digest=digest,
                              seed=seed)
        result.bound, result.gap = result.objective, 0.0
        return result
    exact = solve_exact(inst, seed=seed, time_limit_s=time_limit_s, started=started)
    result = build_result(inst, exact.chosen, solver=exact.solver, status=exact.status,
                          digest=digest, seed=seed)
    result.bound, result.gap = exact.bound, exact.gap
    if exact.status in ("OPTIMAL", "GAP_OK"):
        return result
    # Not proven: never return worse than the greedy baseline (more seats, then objective).
    fallback = build_result(inst, _greedy_solution(inst), solver="greedy", status="HEURISTIC",
                            digest=digest, seed=seed)
    if exact.bound is not None:
        fallback.bound = exact.bound
        fallback.gap = max(0.0, exact.bound - fallback.objective) / max(
            1.0, abs(fallback.objective))

    def quality(r: AssignmentResult) -> tuple[int, float]:
        return (len(r.assignments), r.objective)

    return fallback if quality(fallback) > quality(result) else result


def greedy(
    dossiers: Iterable[DossierSpec],
    evaluators: Iterable[EvaluatorSpec],
    *,
    mix: bool = True,
    weights: Weights = DEFAULT_WEIGHTS,
) -> AssignmentResult:
    """Baseline: dossiers in number order, each takes its best-scoring evaluators now."""
    dossiers, evaluators = list(dossiers), list(evaluators)
    inst = prepare(dossiers, evaluators, mix=mix, weights=weights)
    digest = input_hash(dossiers, evaluators, mix=mix, solver="greedy", weights=weights.__dict__)
    return build_result(inst, _greedy_solution(inst), solver="greedy", status="HEURISTIC",
                        digest=digest, seed=0)


def _greedy_solution(inst: Instance) -> Solution:
    load = dict(inst.base_load)
    used: dict[str, int] = defaultdict(int)
    chosen: Solution = {}
    for d in inst.dossiers:
        team = _greedy_team(inst, d, load, used)
        for email in team:
            load[email] += 1
            used[email] += 1
        if team:
            chosen[d.number] = sorted(team)
    return chosen


def _greedy_team(
    inst: Instance, d: DossierSpec, load: dict[str, int], used: dict[str, int]
) -> list[str]:
    open_ = [
        c for c in inst.feasible[d.number] if used[c.email] < inst.evaluators[c.email].capacity
    ]
    open_.sort(key=lambda c: (-(c.affinity - marginal_cost(load[c.email], inst.weights)), c.email))
    team: list[str] = []
    orgs: set[str | None] = set()
    if inst.mix_binds[d.number]:
        first = next((c for c in open_ if c.matches_mix), None)
        if first is None:
            return []
        team.append(first.email)
        orgs.add(norm(inst.evaluators[first.email].organisation))
    for c in open_:
        org = norm(inst.evaluators[c.email].organisation)
        if len(team) < d.needed and c.email not in team and org not in orgs:
            team.append(c.email)
            orgs.add(org)
    return team


def replace(
    dossier: DossierSpec,
    leaving: str,
    evaluators: Mapping[str, EvaluatorSpec],
    alternates: list[str],
    current_load: Mapping[str, int],
    *,
    mix: bool = True,
    weights: Weights = DEFAULT_WEIGHTS,
) -> str | None:
    """Best alternate for an evaluator who drops out, keeping every hard rule.

    `dossier.assigned` is the current team (it may include `leaving`);
    `current_load[e]` counts assignments taken since `capacity` was measured,
    so room left is `capacity - current_load[e]`. Best = affinity, then lower
    load, then the alternates' own order. Pass all evaluators' emails as
    `alternates` for a wider search.
    """
    team = [evaluators[e] for e in sorted(dossier.assigned - {leaving}) if e in evaluators]
    team_orgs = {norm(e.organisation) for e in team}
    needs_mix = (
        mix and mix_label(dossier) is not None and not any(mix_match(e, dossier) for e in team)
    )
    best: tuple[tuple[int, int, int], str] | None = None
    for position, email in enumerate(alternates):
        e = evaluators.get(email)
        if e is None or email == leaving or email in dossier.assigned:
            continue
        load = current_load.get(email, 0)
        if load >= e.capacity or norm(e.organisation) in team_orgs:
            continue
        if needs_mix and not mix_match(e, dossier):
            continue
        if not pair_feasible(e, dossier):
            continue
        key = (-affinity(e, dossier, weights), load, position)
        if best is None or key < best[0]:
            best = (key, email)
    return None if best is None else best[1]


def check_capacity(
    dossiers: Iterable[DossierSpec],
    evaluators: Iterable[EvaluatorSpec],
    *,
    mix: bool = True,
) -> list[str]:
    """Binding constraints before solving, as sentences an operator can act on.

    Aggregates are necessary conditions (slots per track, per specialty family,
    seniors); then dossiers short of eligible evaluators, by number.
    """
    inst = prepare(dossiers, evaluators, mix=mix)
    ready = [e for e in inst.evaluators.values() if e.available and e.capacity > 0]
    messages = _track_messages(inst, ready)
    if mix:
        messages += _mix_messages(inst, ready)
    messages += _dossier_messages(inst, mix)
    return messages


def _track_messages(inst: Instance, ready: list[EvaluatorSpec]) -> list[str]:
    out = []
    for track in (PROJECTS, CANDIDATES):
        needed = sum(d.needed for d in inst.dossiers if d.track == track)
        slots = sum(e.capacity for e in ready if track in e.tracks)
        if needed > slots:
            out.append(f"{track}: {slots} slots, {needed} needed")
    needed = sum(d.needed for d in inst.dossiers)
    slots = sum(e.capacity for e in ready)
    if needed > slots:
        out.append(f"all tracks: {slots} slots, {needed} needed")
    return out


def _mix_messages(inst: Instance, ready: list[EvaluatorSpec]) -> list[str]:
    """Each dossier whose fixed team lacks the profile needs one matching slot."""
    lacking: dict[tuple[str, str | None], int] = defaultdict(int)
    for d in inst.dossiers:
        if not inst.fixed_mix[d.number]:
            lacking[d.track, d.specialty_family if d.track == CANDIDATES else None] += 1
    out = []
    for (track, family), n in sorted(lacking.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        if track == PROJECTS:
            slots = sum(e.capacity for e in ready if PROJECTS in e.tracks and e.senior)
            what = f"{n} projects need a senior evaluator"
        else:
            slots = sum(e.capacity for e in ready if track in e.tracks and family in e.profiles)
            what = f"{n} candidates need a {family} evaluator"
        if n > slots:
            out.append(f"{what}: {slots} slots, {n} needed")
    return out


def _dossier_messages(inst: Instance, mix: bool) -> list[str]:
    out = []
    for d in inst.dossiers:
        cands = inst.feasible[d.number]
        orgs = {norm(inst.evaluators[c.email].organisation) for c in cands}
        if len(orgs) < d.needed:
            out.append(
                f"dossier {d.number} ({d.track}): {len(orgs)} eligible evaluator(s) "
                f"from distinct organisations, {d.needed} needed"
            )
        if mix and not inst.fixed_mix[d.number] and not any(c.matches_mix for c in cands):
            out.append(f"dossier {d.number} ({d.track}): no eligible evaluator with {mix_label(d)}")
    return out
