"""Populate a sandbox with synthetic dossiers, seeded and reproducible.

Only compact records are created here (number, seed, state, dates, evaluated
dossier); champ contents derive from each record's seed when requested (content.py).
The same seed on a fresh state gives the same dossiers, numbers and contents.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ds_sandbox.demarches import CANDIDATS, EVALUATIONS, PROJETS
from ds_sandbox.state import DossierRecord, SandboxState
from ds_sandbox.timeutil import to_us

_DAY_US = 86_400 * 1_000_000
_STATES = ("en_construction", "en_instruction", "accepte", "refuse", "sans_suite")
_STATE_WEIGHTS = {
    "projets": (40, 40, 12, 7, 1),
    "candidats": (45, 38, 10, 6, 1),
    "evaluations": (85, 15, 0, 0, 0),
}


@dataclass(frozen=True, slots=True)
class Counts:
    projets: int
    candidats: int
    evaluations: int

    @property
    def total(self) -> int:
        return self.projets + self.candidats + self.evaluations


def split(total: int) -> Counts:
    """30 % projets, 60 % candidats, 10 % evaluations; at least one each from 3 dossiers."""
    if total < 0:
        raise ValueError("the number of dossiers cannot be negative")
    if total < 3:
        return Counts(total, 0, 0)
    projets = max(1, round(total * 0.3))
    evaluations = max(1, round(total * 0.1))
    return Counts(projets, total - projets - evaluations, evaluations)


@dataclass(slots=True)
class _Draft:
    kind: str
    demarche: int
    depot: int
    ref_index: int | None = None  # index of the evaluated draft


def generate(
    state: SandboxState,
    dossiers: int = 100,
    seed: int = 0,
    *,
    projets: int | None = None,
    candidats: int | None = None,
    evaluations: int | None = None,
    months: int = 6,
) -> list[int]:
    """Add dossiers to the three démarches; returns their numbers, by deposit date.

    ``dossiers`` is split across the démarches unless per-démarche counts are given
    (then a missing count is 0). Dates spread over the last ``months`` months before
    ``state.now()``; numbers increase with the deposit date, as in DS.
    """
    if projets is None and candidats is None and evaluations is None:
        counts = split(dossiers)
    else:
        counts = Counts(projets or 0, candidats or 0, evaluations or 0)
    rng = random.Random(seed)
    now = to_us(state.now())
    start = now - months * 30 * _DAY_US
    latest = now - 60 * 1_000_000  # nothing in the last minute: live writes come later

    drafts = [_Draft("projets", PROJETS.number, rng.randint(start, latest))
              for _ in range(counts.projets)]
    drafts += [_Draft("candidats", CANDIDATS.number, rng.randint(start, latest))
               for _ in range(counts.candidats)]
    evaluated = len(drafts)
    for _ in range(counts.evaluations):
        ref = rng.randrange(evaluated) if evaluated else None
        after = drafts[ref].depot if ref is not None else start
        depot = min(latest, after + rng.randint(_DAY_US // 24, 30 * _DAY_US))
        drafts.append(_Draft("evaluations", EVALUATIONS.number, depot, ref))

    order = sorted(range(len(drafts)), key=lambda i: (drafts[i].depot, i))
    with state.lock:
        first_number = state.allocate_number()
        number_of = {index: first_number + rank for rank, index in enumerate(order)}
        records = [_record(drafts, index, number_of, rng, latest) for index in order]
        state.load_sorted(records)
        state.generation_seed = seed
    return [record.number for record in records]


def _record(drafts: list[_Draft], index: int, number_of: dict[int, int],
            rng: random.Random, latest: int) -> DossierRecord:
    draft = drafts[index]
    state = rng.choices(_STATES, weights=_STATE_WEIGHTS[draft.kind])[0]
    span = max(0, latest - draft.depot)
    updated = draft.depot + int(span * rng.random() ** 2)
    en_instruction = traite = None
    if state != "en_construction":
        en_instruction = draft.depot + int((updated - draft.depot) * rng.random())
        if state != "en_instruction":
            traite = updated
    ref = ref_track = None
    if draft.ref_index is not None:
        ref = number_of[draft.ref_index]
        ref_track = drafts[draft.ref_index].kind
    return DossierRecord(
        number=number_of[index],
        demarche=draft.demarche,
        seed=rng.getrandbits(48),
        state=state,
        date_depot=draft.depot,
        updated_at=updated,
        champs_at=updated,
        en_instruction_at=en_instruction,
        traite_at=traite,
        ref=ref,
        ref_track=ref_track,
    )
