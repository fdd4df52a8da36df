"""The inputs of the scoring: a track's rules and the valid evaluations it ranks.

Rules are checked when built, so a wrong configuration (an unknown tie-break, a
threshold off the scale) fails when it is loaded, not in the middle of a ranking.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

CRITERION_PREFIX = "criterion:"
TIE_BREAK_KEYS = (
    "total", "calibrated_total", "min_criterion", "median_total", "date_depot", "number",
)
EPSILON = 1e-9  # float slack when a mean or total is compared with a mark or another total


@dataclass(frozen=True)
class CriterionRule:
    key: str
    label: str
    weight: float = 1.0
    threshold: float | None = None  # pass mark on the criterion's mean (e.g. 3 on 0–5)


@dataclass(frozen=True)
class ScoringRules:
    criteria: tuple[CriterionRule, ...]
    scale_min: int = 0
    scale_max: int = 5
    overall_threshold: float | None = None  # pass mark on the weighted total
    quorum: int = 3  # k valid evaluations
    spread_flag: float = 2.0  # max - min on a criterion >= this: flagged
    cut_rank: int | None = None  # above the cut: the first N of those passing thresholds...
    cut_threshold: float | None = None  # ...and/or a minimum total (both None: all who pass)
    tie_breaks: tuple[str, ...] = ("total", "min_criterion", "median_total", "date_depot",
                                   "number")
    calibration_strength: float = 1.0  # ridge λ on the evaluator offsets

    def __post_init__(self) -> None:
        keys = [c.key for c in self.criteria]
        if not keys:
            raise ValueError("scoring rules need at least one criterion")
        if len(set(keys)) != len(keys):
            raise ValueError(f"duplicate criterion keys: {sorted(keys)}")
        if self.scale_min >= self.scale_max:
            raise ValueError(f"empty scale {self.scale_min}..{self.scale_max}")
        for c in self.criteria:
            if c.weight < 0:
                raise ValueError(f"criterion {c.key!r}: negative weight {c.weight}")
            if c.threshold is not None and not self.scale_min <= c.threshold <= self.scale_max:
                raise ValueError(f"criterion {c.key!r}: threshold {c.threshold} off the scale "
                                 f"{self.scale_min}..{self.scale_max}")
        if self.quorum < 1:
            raise ValueError(f"quorum must be at least 1, not {self.quorum}")
        if self.spread_flag <= 0:
            raise ValueError(f"spread_flag must be positive, not {self.spread_flag}")
        if self.cut_rank is not None and self.cut_rank < 1:
            raise ValueError(f"cut_rank must be at least 1, not {self.cut_rank}")
        if self.calibration_strength < 0:
            raise ValueError(f"calibration_strength must be >= 0, not "
                             f"{self.calibration_strength}")
        check_tie_breaks(self.tie_breaks, keys)

    @property
    def has_cut_line(self) -> bool:
        return self.cut_rank is not None or self.cut_threshold is not None

    def chain(self) -> tuple[str, ...]:
        """The tie-break chain, ending with ``number`` so every order is strict."""
        return self.tie_breaks if "number" in self.tie_breaks else (*self.tie_breaks, "number")

    def criterion(self, key: str) -> CriterionRule:
        return next(c for c in self.criteria if c.key == key)


@dataclass(frozen=True)
class EvaluationScores:
    dossier: int
    evaluator: str
    scores: Mapping[str, int]  # criterion key → score (every criterion present)
    submitted_at: datetime


@dataclass(frozen=True)
class DossierInfo:
    number: int
    date_depot: datetime | None = None
    reduced_quorum: bool = False  # k−1 allowed: a replacement failed (logged upstream)


def check_tie_breaks(keys: tuple[str, ...], criteria: list[str]) -> None:
    allowed = [*TIE_BREAK_KEYS, *(CRITERION_PREFIX + c for c in criteria)]
    if not keys:
        raise ValueError(f"empty tie-break chain; allowed keys: {', '.join(allowed)}")
    for key in keys:
        if key not in allowed:
            raise ValueError(f"unknown tie-break key {key!r}; allowed keys: {', '.join(allowed)}")


def passes(value: float, threshold: float | None) -> bool:
    return threshold is None or value >= threshold - EPSILON
