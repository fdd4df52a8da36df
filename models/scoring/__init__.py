"""Scoring: valid evaluations → criterion statistics, totals, calibration, flags, ranking.

Pure domain logic (pandas for the aggregation, numpy for the calibration, no I/O):
the flow builds `EvaluationScores` and `DossierInfo` from the store, calls
`score_track` with the track's `ScoringRules`, and records or exports the result.
"""

from models.scoring.aggregate import CriterionStats, DossierAggregate, aggregate
from models.scoring.calibration import Calibration, EvaluatorOffset, Observation, calibrate
from models.scoring.flags import CALIBRATION_CROSSES_CUT, SPLIT_THRESHOLD, SPREAD, Flag
from models.scoring.ranking import RankedDossier, TrackScores, score_track
from models.scoring.rules import (
    TIE_BREAK_KEYS,
    CriterionRule,
    DossierInfo,
    EvaluationScores,
    ScoringRules,
)

__all__ = [
    "CALIBRATION_CROSSES_CUT",
    "SPLIT_THRESHOLD",
    "SPREAD",
    "TIE_BREAK_KEYS",
    "Calibration",
    "CriterionRule",
    "CriterionStats",
    "DossierAggregate",
    "DossierInfo",
    "RankedDossier",
    "EvaluationScores",
    "EvaluatorOffset",
    "Flag",
    "Observation",
    "ScoringRules",
    "TrackScores",
    "aggregate",
    "calibrate",
    "score_track",
]
