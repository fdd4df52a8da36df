"""Flags: each triggers on a crafted case and stays quiet on its near miss."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from models.scoring import (
    CALIBRATION_CROSSES_CUT,
    SPLIT_THRESHOLD,
    SPREAD,
    CriterionRule,
    DossierInfo,
    EvaluationScores,
    ScoringRules,
    score_track,
)
from models.scoring.flags import criterion_flags, fr_number

T0 = datetime(2026, 1, 5, 9, 0)
ONE = ScoringRules(criteria=(CriterionRule("impact", "Impact", threshold=3),))


def one_criterion(*scores: int) -> list[EvaluationScores]:
    return [EvaluationScores(1, f"e{i}", {"impact": s}, T0) for i, s in enumerate(scores, 1)]


def kinds(scores: tuple[int, ...], rules: ScoringRules = ONE) -> list[str]:
    return [f.kind for f in criterion_flags(one_criterion(*scores), rules)]


def test_spread_two_triggers_one_does_not() -> None:
    flags = criterion_flags(one_criterion(3, 5, 4), ONE)
    assert [(f.kind, f.criterion) for f in flags] == [(SPREAD, "impact")]
    assert flags[0].detail == "écart de 2 sur « Impact » : e1 3 ; e2 5 ; e3 4"
    assert kinds((4, 5, 4)) == []


def test_split_threshold_one_below_the_others_passing() -> None:
    flags = criterion_flags(one_criterion(2, 3, 3), ONE)
    assert [(f.kind, f.criterion) for f in flags] == [(SPLIT_THRESHOLD, "impact")]
    assert flags[0].detail == ("e1 note 2 sur « Impact », sous le seuil de 3, alors que les "
                               "autres l'atteignent : e2 3 ; e3 3")
    assert kinds((2, 2, 3)) == []  # two below, one passing
    assert kinds((3, 4, 3)) == []  # all pass
    no_threshold = ScoringRules(criteria=(CriterionRule("impact", "Impact"),))
    assert kinds((2, 3, 3), no_threshold) == []


def test_flags_can_combine() -> None:
    assert kinds((1, 4, 3)) == [SPREAD, SPLIT_THRESHOLD]


def test_french_numbers() -> None:
    assert fr_number(3.0) == "3"
    assert fr_number(2.456) == "2,46"
    assert fr_number(-0.8, signed=True) == "-0,8"
    assert fr_number(0.8, signed=True) == "+0,8" and fr_number(-0.001, signed=True) == "0"


# Two criteria of weight 1 (evaluation totals 0–10). "h" is 2 points harsher than everyone
# else on every dossier it scores; dossier 1 has h and sits just below dossier 2 raw
# (19/3 ≈ 6.33 against 20/3 ≈ 6.67), but above it once h's offset is taken out.
HARSH = {
    1: {"h": (2, 3), "a": (4, 3), "b": (3, 4)},
    2: {"a": (4, 3), "b": (4, 3), "c": (3, 3)},
    3: {"h": (1, 1), "a": (2, 2), "c": (2, 2)},
    4: {"h": (1, 2), "b": (2, 3), "d": (3, 2)},
    5: {"h": (1, 1), "c": (2, 2), "d": (2, 2)},
    6: {"a": (2, 2), "c": (2, 2), "d": (2, 2)},
    7: {"b": (3, 2), "c": (2, 3), "d": (3, 2)},
}
TWO = ScoringRules(criteria=(CriterionRule("x", "X"), CriterionRule("y", "Y")), cut_rank=1,
                   spread_flag=3)  # only the crossing flag here


def harsh_track(rules: ScoringRules, table: dict[int, dict[str, tuple[int, int]]] = HARSH
                ) -> dict[int, object]:
    evaluations = [EvaluationScores(d, e, {"x": x, "y": y}, T0)
                   for d, scores in table.items() for e, (x, y) in scores.items()]
    track = score_track(evaluations, [DossierInfo(d) for d in table], rules)
    return {d.number: d for d in track.dossiers}


def test_calibration_crossing_the_cut() -> None:
    scores = harsh_track(TWO)
    one, two = scores[1], scores[2]
    assert (two.rank, one.rank) == (1, 2) and two.above_cut and not one.above_cut
    assert (one.calibrated_rank, two.calibrated_rank) == (1, 2)
    assert [f.kind for f in one.flags] == [CALIBRATION_CROSSES_CUT]
    assert one.flags[0].detail.startswith(
        "en dessous de la ligne de coupe en brut (rang 2, total 6,33) mais au-dessus après "
        "calibration (rang 1, total calibré ")
    assert "h -" in one.flags[0].detail and "a +" in one.flags[0].detail
    assert [f.kind for f in two.flags] == [CALIBRATION_CROSSES_CUT]
    assert all(not scores[d].flags for d in (3, 4, 5, 6, 7))


def test_no_crossing_when_the_cut_is_not_between_them() -> None:
    scores = harsh_track(replace(TWO, cut_rank=2))  # both above, raw and calibrated
    assert all(not s.flags for s in scores.values())
    scores = harsh_track(replace(TWO, cut_rank=None))  # no cut line at all
    assert all(not s.flags for s in scores.values())


def test_no_crossing_without_a_harsh_evaluator() -> None:
    fair = {**HARSH, 1: {**HARSH[1], "h": (3, 3)}}  # h now agrees on dossier 1: 20/3 both
    scores = harsh_track(TWO, fair)
    assert not any(f.kind == CALIBRATION_CROSSES_CUT for s in scores.values() for f in s.flags)
