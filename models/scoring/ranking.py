"""The ranking: tie-break chain, cut line, and the track's scores side by side with calibration.

Dossiers with quorum that pass the thresholds are ranked first, those that fail
after them (ranked too, always below the cut); pending dossiers are listed with
what they have but not ranked. The raw rank decides; the calibrated rank is
shown beside it, and a flag says when the two fall on different sides of the cut.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import pandas as pd

from models.scoring.aggregate import CriterionStats, DossierAggregate, aggregate
from models.scoring.calibration import Calibration, EvaluatorOffset, Observation, calibrate
from models.scoring.flags import (
    FLAG_LABELS,
    CutPosition,
    Flag,
    criterion_flags,
    cut_crossing_flag,
)
from models.scoring.rules import (
    CRITERION_PREFIX,
    DossierInfo,
    EvaluationScores,
    ScoringRules,
    passes,
)

KEY_LABELS = {
    "total": "total pondéré",
    "calibrated_total": "total calibré",
    "min_criterion": "critère le plus faible",
    "median_total": "total médian",
    "date_depot": "date de dépôt",
    "number": "numéro de dossier",
}
TABLE_COLUMNS = [
    "rank", "calibrated_rank", "number", "total", "median_total", "calibrated_total",
    "calibrated_stderr", "n", "quorum", "passes_thresholds", "above_cut", "tie_break", "flags",
    "flag_details", "notes",
]
HEADERS_FR = {
    "track": "parcours", "rank": "rang", "calibrated_rank": "rang calibré",
    "number": "dossier", "total": "note totale", "median_total": "total des médianes",
    "calibrated_total": "total calibré", "calibrated_stderr": "écart-type calibré",
    "n": "évaluations", "quorum": "quorum", "passes_thresholds": "seuils atteints",
    "above_cut": "au-dessus de la barre", "tie_break": "départage", "flags": "alertes",
    "flag_details": "détail des alertes", "notes": "remarques",
}
"""The ranking table's columns as a French reader (spreadsheet) sees them."""
QUORUM_FR = {"k": "atteint", "k-1": "réduit", "pending": "en attente"}
YES_NO = ("passes_thresholds", "above_cut")


def french_values(row: dict) -> dict:
    """A ranking row's values as people read them: the quorum in words, « oui »/« non »
    (the CSV export and the run's artifact)."""
    out = dict(row)
    if "quorum" in out:
        out["quorum"] = QUORUM_FR.get(out["quorum"], out["quorum"])
    for column in YES_NO:
        if isinstance(out.get(column), bool):
            out[column] = "oui" if out[column] else "non"
    return out
DIGITS = 9  # totals equal to this many decimals are tied (float sums of weighted means)


@dataclass(frozen=True)
class Candidate:
    """What the tie-break chain reads of a dossier with quorum."""

    number: int
    total: float
    calibrated_total: float
    median_total: float
    criterion_means: Mapping[str, float]
    date_depot: datetime | None
    passes: bool  # ranked among those passing the thresholds (before the others)


def key_label(key: str) -> str:
    if key.startswith(CRITERION_PREFIX):
        return f"critère {key.removeprefix(CRITERION_PREFIX)}"
    return KEY_LABELS[key]


def sort_value(c: Candidate, key: str) -> tuple[int, float]:
    """Ascending sort value: higher scores first, earlier deposit first, lower number first."""
    if key == "number":
        return (0, c.number)
    if key == "date_depot":  # unknown dates after known ones
        return (1, 0.0) if c.date_depot is None else (0, c.date_depot.timestamp())
    if key.startswith(CRITERION_PREFIX):
        value = c.criterion_means[key.removeprefix(CRITERION_PREFIX)]
    elif key == "min_criterion":
        value = min(c.criterion_means.values())
    else:
        value = getattr(c, key)
    return (0, -round(value, DIGITS))


def order(candidates: Sequence[Candidate], chain: Sequence[str]) -> list[tuple[int, str | None]]:
    """Dossier numbers best first, each with the key that put it after the previous one
    when that key is not the chain's first (None otherwise, and across the pass/fail line)."""
    def values(c: Candidate) -> tuple[tuple[int, float], ...]:
        return tuple(sort_value(c, k) for k in chain)

    ranked = sorted(candidates, key=lambda c: (not c.passes, values(c)))
    out: list[tuple[int, str | None]] = []
    for prev, cur in zip([None, *ranked], ranked, strict=False):
        decider = None
        if prev is not None and prev.passes == cur.passes:
            decider = next((k for k, a, b in zip(chain, values(prev), values(cur), strict=True)
                            if a != b), None)
        out.append((cur.number, decider if decider != chain[0] else None))
    return out


def above_cut(rank: int, total: float, passes_thresholds: bool, rules: ScoringRules) -> bool:
    return (passes_thresholds
            and (rules.cut_rank is None or rank <= rules.cut_rank)
            and passes(total, rules.cut_threshold))


@dataclass(frozen=True)
class RankedDossier:
    number: int
    n_evaluations: int
    quorum: str  # "k", "k-1", "pending"
    criteria: Mapping[str, CriterionStats]
    total: float | None
    median_total: float | None
    passes_thresholds: bool
    calibrated_total: float | None
    calibrated_stderr: float | None
    rank: int | None
    calibrated_rank: int | None
    above_cut: bool
    flags: tuple[Flag, ...]
    tie_break: str | None  # French: which key put it after the previous dossier
    notes: tuple[str, ...]


@dataclass(frozen=True)
class TrackScores:
    dossiers: tuple[RankedDossier, ...]  # ranked ones by rank, then pending ones by number
    offsets: tuple[EvaluatorOffset, ...]
    calibration_note: str | None

    def table(self) -> pd.DataFrame:
        """One row per dossier, rounded for display (CSV export, the run's artifact)."""
        rows = [{
            "rank": d.rank, "calibrated_rank": d.calibrated_rank, "number": d.number,
            "total": d.total, "median_total": d.median_total,
            "calibrated_total": d.calibrated_total, "calibrated_stderr": d.calibrated_stderr,
            "n": d.n_evaluations, "quorum": d.quorum, "passes_thresholds": d.passes_thresholds,
            "above_cut": d.above_cut, "tie_break": d.tie_break,
            "flags": ", ".join(FLAG_LABELS[f.kind] if f.criterion is None
                               else f"{FLAG_LABELS[f.kind]} ({f.criterion.replace('_', ' ')})"
                               for f in d.flags),
            "flag_details": " | ".join(f.detail for f in d.flags),
            "notes": " | ".join(d.notes),
        } for d in self.dossiers]
        table = pd.DataFrame(rows, columns=TABLE_COLUMNS)
        for col in ("rank", "calibrated_rank"):
            table[col] = table[col].astype("Int64")
        for col in ("total", "median_total", "calibrated_total", "calibrated_stderr"):
            table[col] = table[col].astype(float).round(2)
        return table

    def criterion_table(self) -> pd.DataFrame:
        """Long form: one row per dossier × criterion it has scores for."""
        rows = [{"number": d.number, "criterion": key, "mean": s.mean, "median": s.median,
                 "min": s.min, "max": s.max, "n": s.n, "passes": s.passes}
                for d in self.dossiers for key, s in d.criteria.items()]
        table = pd.DataFrame(rows, columns=["number", "criterion", "mean", "median", "min",
                                            "max", "n", "passes"])
        return table.round({"mean": 2, "median": 2})


def score_track(
    evaluations: Sequence[EvaluationScores], dossiers: Sequence[DossierInfo], rules: ScoringRules
) -> TrackScores:
    """Aggregate, calibrate over the dossiers with quorum, rank raw and calibrated, flag.

    Raises ValueError on an evaluation of a dossier not in ``dossiers``, a duplicate
    evaluator on a dossier, a missing or off-scale score.
    """
    aggregates = aggregate(evaluations, dossiers, rules)
    with_quorum = [a for a in aggregates.values() if a.has_quorum]
    observations = [Observation(ev, a.number, y)
                    for a in with_quorum for ev, y in a.evaluation_totals.items()]
    calibration = calibrate(observations, rules.calibration_strength)
    dates = {d.number: d.date_depot for d in dossiers}
    raw = [_candidate(a, dates[a.number], calibration) for a in with_quorum]
    criteria_pass = {a.number: all(s.passes for s in a.criteria.values()) for a in with_quorum}
    cal = [replace(c, passes=criteria_pass[c.number]
                   and passes(c.calibrated_total, rules.overall_threshold)) for c in raw]
    cal_chain = tuple("calibrated_total" if k == "total" else k for k in rules.chain())
    raw_order = order(raw, rules.chain())
    cal_rank = {num: i for i, (num, _) in enumerate(order(cal, cal_chain), start=1)}
    by_number = {c.number: c for c in cal}
    offsets = {o.evaluator: o.offset for o in calibration.offsets}

    scores: list[RankedDossier] = []
    for rank, (number, decider) in enumerate(raw_order, start=1):
        a, c = aggregates[number], by_number[number]
        raw_pos = CutPosition(above_cut(rank, c.total, a.passes_thresholds, rules), rank, c.total)
        cal_pos = CutPosition(above_cut(cal_rank[number], c.calibrated_total, c.passes, rules),
                              cal_rank[number], c.calibrated_total)
        crossing = None
        if calibration.available and rules.has_cut_line:
            crossing = cut_crossing_flag(raw_pos, cal_pos, calibration.stderrs[number],
                                         {e.evaluator: offsets[e.evaluator] for e in a.evaluations})
        tie_break = None
        if decider is not None:
            previous = raw_order[rank - 2][0]
            tie_break = f"départagé du dossier n°{previous} par : {key_label(decider)}"
        scores.append(_score(
            a, rules, calibrated=(c.calibrated_total, calibration.stderrs.get(number)),
            ranks=(rank, cal_rank[number]), above=raw_pos.above,
            extra_flags=() if crossing is None else (crossing,), tie_break=tie_break))
    for a in sorted((a for a in aggregates.values() if not a.has_quorum), key=lambda a: a.number):
        scores.append(_score(a, rules))
    return TrackScores(tuple(scores), calibration.offsets, calibration.note)


def _candidate(a: DossierAggregate, date_depot: datetime | None, calibration: Calibration
               ) -> Candidate:
    assert a.total is not None and a.median_total is not None  # a dossier with quorum
    return Candidate(
        number=a.number, total=a.total,
        calibrated_total=calibration.totals[a.number] if calibration.available else a.total,
        median_total=a.median_total,
        criterion_means={k: s.mean for k, s in a.criteria.items()},
        date_depot=date_depot, passes=a.passes_thresholds)


def _score(a: DossierAggregate, rules: ScoringRules, *,
           calibrated: tuple[float | None, float | None] = (None, None),
           ranks: tuple[int | None, int | None] = (None, None), above: bool = False,
           extra_flags: tuple[Flag, ...] = (), tie_break: str | None = None) -> RankedDossier:
    return RankedDossier(
        number=a.number, n_evaluations=a.n_evaluations, quorum=a.quorum, criteria=a.criteria,
        total=a.total, median_total=a.median_total, passes_thresholds=a.passes_thresholds,
        calibrated_total=calibrated[0], calibrated_stderr=calibrated[1],
        rank=ranks[0], calibrated_rank=ranks[1], above_cut=above,
        flags=(*criterion_flags(a.evaluations, rules), *extra_flags),
        tie_break=tie_break, notes=a.notes)
