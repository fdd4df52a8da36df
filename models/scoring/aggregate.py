"""Per dossier: the evaluations that count, each criterion's statistics, totals, quorum.

Only the first k valid evaluations of a dossier count (by submission time): an
evaluator replaced for lateness may still answer, and their evaluation is then
noted but left out, so every dossier is judged by the same number of people.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from statistics import median

import pandas as pd

from models.french import date_fr
from models.scoring.rules import DossierInfo, EvaluationScores, ScoringRules, passes

FULL, REDUCED, PENDING = "k", "k-1", "pending"
REDUCED_NOTE = "quorum réduit : remplacement impossible"


@dataclass(frozen=True)
class CriterionStats:
    mean: float
    median: float
    min: int
    max: int
    n: int
    passes: bool  # mean >= the criterion's threshold (True without one)


@dataclass(frozen=True)
class DossierAggregate:
    number: int
    quorum: str  # FULL, REDUCED or PENDING
    evaluations: tuple[EvaluationScores, ...]  # the counted ones, by submission
    evaluation_totals: Mapping[str, float]  # evaluator → their weighted total
    criteria: Mapping[str, CriterionStats]  # empty without evaluations
    total: float | None  # Σ weight × criterion mean
    median_total: float | None  # median of the evaluation totals
    passes_thresholds: bool
    notes: tuple[str, ...]

    @property
    def n_evaluations(self) -> int:
        return len(self.evaluations)

    @property
    def has_quorum(self) -> bool:
        return self.quorum != PENDING

    @property
    def min_criterion(self) -> float | None:
        return min((s.mean for s in self.criteria.values()), default=None)


def quorum_status(n: int, quorum: int, reduced_quorum: bool) -> str:
    if n >= quorum:
        return FULL
    if reduced_quorum and n == quorum - 1 and n >= 1:
        return REDUCED
    return PENDING


def aggregate(
    evaluations: Sequence[EvaluationScores], dossiers: Sequence[DossierInfo], rules: ScoringRules
) -> dict[int, DossierAggregate]:
    """Every dossier of ``dossiers`` (with or without evaluations), keyed by number."""
    infos = _index(dossiers)
    _check(evaluations, infos, rules)
    counted, notes = _first_k(evaluations, rules.quorum)
    frame = long_frame([e for evs in counted.values() for e in evs], rules)
    stats = _criterion_stats(frame, rules)
    totals = _evaluation_totals(frame)
    out: dict[int, DossierAggregate] = {}
    for number, info in infos.items():
        evs = tuple(counted.get(number, ()))
        crit = stats.get(number, {})
        ev_totals = totals.get(number, {})
        total = (sum(rules.criterion(k).weight * s.mean for k, s in crit.items())
                 if crit else None)
        median_total = median(ev_totals.values()) if evs else None
        quorum = quorum_status(len(evs), rules.quorum, info.reduced_quorum)
        dossier_notes = list(notes.get(number, ()))
        if quorum == REDUCED:
            dossier_notes.insert(0, REDUCED_NOTE)
        elif quorum == PENDING:
            dossier_notes.insert(0, f"en attente : {len(evs)} évaluation(s) sur {rules.quorum}")
        out[number] = DossierAggregate(
            number=number, quorum=quorum, evaluations=evs, evaluation_totals=ev_totals,
            criteria=crit, total=total, median_total=median_total,
            passes_thresholds=(total is not None and all(s.passes for s in crit.values())
                               and passes(total, rules.overall_threshold)),
            notes=tuple(dossier_notes),
        )
    return out


def long_frame(evaluations: Sequence[EvaluationScores], rules: ScoringRules) -> pd.DataFrame:
    """One row per evaluation × criterion: dossier, evaluator, criterion, score, weighted."""
    rows = [(e.dossier, e.evaluator, c.key, float(e.scores[c.key]), c.weight * e.scores[c.key])
            for e in evaluations for c in rules.criteria]
    return pd.DataFrame(rows, columns=["dossier", "evaluator", "criterion", "score", "weighted"])


def _index(dossiers: Sequence[DossierInfo]) -> dict[int, DossierInfo]:
    infos = {d.number: d for d in dossiers}
    if len(infos) != len(dossiers):
        raise ValueError("a dossier is listed twice")
    return infos


def _check(evaluations: Sequence[EvaluationScores], infos: Mapping[int, DossierInfo],
           rules: ScoringRules) -> None:
    seen: set[tuple[int, str]] = set()
    for e in evaluations:
        where = f"evaluation of dossier {e.dossier} by {e.evaluator}"
        if e.dossier not in infos:
            raise ValueError(f"{where}: the dossier is not among the dossiers scored")
        if (e.dossier, e.evaluator) in seen:
            raise ValueError(f"{where}: given twice (one valid evaluation per assignment)")
        seen.add((e.dossier, e.evaluator))
        for c in rules.criteria:
            if c.key not in e.scores:
                raise ValueError(f"{where}: no score for criterion {c.key!r}")
            if not float(e.scores[c.key]).is_integer():
                raise ValueError(f"{where}: score {e.scores[c.key]} for {c.key!r} is not whole")
            if not rules.scale_min <= e.scores[c.key] <= rules.scale_max:
                raise ValueError(f"{where}: score {e.scores[c.key]} for {c.key!r} off the "
                                 f"scale {rules.scale_min}..{rules.scale_max}")


def _first_k(evaluations: Sequence[EvaluationScores], k: int
             ) -> tuple[dict[int, list[EvaluationScores]], dict[int, list[str]]]:
    counted: dict[int, list[EvaluationScores]] = defaultdict(list)
    notes: dict[int, list[str]] = defaultdict(list)
    for e in sorted(evaluations, key=lambda e: (e.submitted_at, e.evaluator)):
        if len(counted[e.dossier]) < k:
            counted[e.dossier].append(e)
        else:
            notes[e.dossier].append(
                f"évaluation de {e.evaluator} (reçue le {_day(e.submitted_at)}) non comptée : "
                f"les {k} premières font le quorum")
    return counted, notes


def _criterion_stats(frame: pd.DataFrame, rules: ScoringRules
                     ) -> dict[int, dict[str, CriterionStats]]:
    out: dict[int, dict[str, CriterionStats]] = defaultdict(dict)
    if frame.empty:
        return out
    grouped = frame.groupby(["dossier", "criterion"], sort=False)["score"].agg(
        ["mean", "median", "min", "max", "count"])
    order = {c.key: i for i, c in enumerate(rules.criteria)}
    for (number, key), row in sorted(grouped.iterrows(), key=lambda r: (r[0][0], order[r[0][1]])):
        mean = float(row["mean"])
        out[int(number)][str(key)] = CriterionStats(
            mean=mean, median=float(row["median"]), min=int(row["min"]), max=int(row["max"]),
            n=int(row["count"]), passes=passes(mean, rules.criterion(str(key)).threshold))
    return out


def _evaluation_totals(frame: pd.DataFrame) -> dict[int, dict[str, float]]:
    out: dict[int, dict[str, float]] = defaultdict(dict)
    if frame.empty:
        return out
    sums = frame.groupby(["dossier", "evaluator"], sort=False)["weighted"].sum()
    for (number, evaluator), total in sums.items():
        out[int(number)][str(evaluator)] = float(total)
    return out


def _day(at: datetime) -> str:
    """The day in Paris; a naive instant is UTC (as the store keeps it)."""
    return date_fr(at if at.tzinfo else at.replace(tzinfo=UTC))
