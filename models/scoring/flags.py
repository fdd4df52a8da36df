"""What the committee should look at before trusting a dossier's rank.

Each flag names the evaluators and their scores, so the discussion can start from it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from models.french import nombre_fr
from models.scoring.rules import EPSILON, CriterionRule, EvaluationScores, ScoringRules

SPREAD = "spread"
SPLIT_THRESHOLD = "split_threshold"
CALIBRATION_CROSSES_CUT = "calibration_crosses_cut"
FLAG_LABELS = {SPREAD: "écart entre évaluateurs", SPLIT_THRESHOLD: "avis partagés sur le seuil",
               CALIBRATION_CROSSES_CUT: "barre franchie une fois calibré"}
"""What a ranking's reader sees of each flag (CLI, artifact, CSV)."""


@dataclass(frozen=True)
class Flag:
    kind: str  # SPREAD, SPLIT_THRESHOLD or CALIBRATION_CROSSES_CUT
    criterion: str | None
    detail: str  # French, for the committee


def fr_number(value: float, signed: bool = False) -> str:
    """3 → "3", 2.456 → "2,46", signed: 0.8 → "+0,8" (the one French format)."""
    return nombre_fr(value, signe=signed)


def criterion_flags(evaluations: Sequence[EvaluationScores], rules: ScoringRules
                    ) -> tuple[Flag, ...]:
    """Spread and split-threshold flags of one dossier, criterion by criterion."""
    out: list[Flag] = []
    for rule in rules.criteria:
        scores = [(e.evaluator, e.scores[rule.key]) for e in evaluations]
        flags = (spread_flag(rule, scores, rules.spread_flag), split_threshold_flag(rule, scores))
        out.extend(f for f in flags if f is not None)
    return tuple(out)


def spread_flag(rule: CriterionRule, scores: Sequence[tuple[str, int]], limit: float
                ) -> Flag | None:
    """Evaluators disagree: max − min on the criterion reaches ``limit``."""
    if len(scores) < 2:
        return None
    values = [s for _, s in scores]
    spread = max(values) - min(values)
    if spread < limit - EPSILON:
        return None
    return Flag(SPREAD, rule.key, f"écart de {fr_number(spread)} sur « {rule.label} » : "
                                  f"{_listing(scores)}")


def split_threshold_flag(rule: CriterionRule, scores: Sequence[tuple[str, int]]) -> Flag | None:
    """One evaluator alone below the criterion's threshold while all the others pass it."""
    if rule.threshold is None or len(scores) < 2:
        return None
    below = [(ev, s) for ev, s in scores if s < rule.threshold - EPSILON]
    if len(below) != 1:
        return None
    evaluator, score = below[0]
    others = [(ev, s) for ev, s in scores if ev != evaluator]
    return Flag(SPLIT_THRESHOLD, rule.key,
                f"{evaluator} note {fr_number(score)} sur « {rule.label} », sous le seuil de "
                f"{fr_number(rule.threshold)}, alors que les autres l'atteignent : "
                f"{_listing(others)}")


@dataclass(frozen=True)
class CutPosition:
    above: bool
    rank: int
    total: float


def cut_crossing_flag(raw: CutPosition, calibrated: CutPosition, calibrated_stderr: float | None,
                      offsets: Mapping[str, float]) -> Flag | None:
    """Raw and calibrated positions on different sides of the cut line."""
    if raw.above == calibrated.above:
        return None
    side = {True: "au-dessus", False: "en dessous"}
    stderr = "" if calibrated_stderr is None else f" ± {fr_number(calibrated_stderr)}"
    listing = " ; ".join(f"{ev} {fr_number(b, signed=True)}" for ev, b in offsets.items())
    return Flag(CALIBRATION_CROSSES_CUT, None,
                f"{side[raw.above]} de la ligne de coupe en brut (rang {raw.rank}, total "
                f"{fr_number(raw.total)}) mais {side[calibrated.above]} après calibration (rang "
                f"{calibrated.rank}, total calibré {fr_number(calibrated.total)}{stderr}) ; "
                f"décalages des évaluateurs : {listing}")


def _listing(scores: Sequence[tuple[str, int]]) -> str:
    return " ; ".join(f"{ev} {fr_number(s)}" for ev, s in scores)
