"""Aggregation: criterion statistics and weighted totals against hand-computed values; quorum."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from models.scoring import (
    CriterionRule,
    CriterionStats,
    DossierInfo,
    EvaluationScores,
    ScoringRules,
    aggregate,
    score_track,
)

T0 = datetime(2026, 1, 5, 9, 0)
RULES = ScoringRules(
    criteria=(
        CriterionRule("a", "Critère A", weight=1, threshold=3),
        CriterionRule("b", "Critère B", weight=2, threshold=4),
        CriterionRule("c", "Critère C", weight=1, threshold=3),
    ),
    overall_threshold=14.5,
)


def ev(dossier: int, evaluator: str, a: int, b: int, c: int, minute: int = 0) -> EvaluationScores:
    return EvaluationScores(dossier, evaluator, {"a": a, "b": b, "c": c},
                            T0 + timedelta(minutes=minute))


def test_statistics_and_totals_by_hand() -> None:
    evaluations = [ev(1, "e1", 4, 3, 2), ev(1, "e2", 2, 5, 1), ev(1, "e3", 3, 4, 5)]
    d = aggregate(evaluations, [DossierInfo(1)], RULES)[1]
    # a: 4, 2, 3 → mean 9/3 = 3, median 3, min 2, max 4; passes (3 >= 3, at the mark)
    # b: 3, 5, 4 → mean 12/3 = 4, median 4, min 3, max 5; passes (4 >= 4)
    # c: 2, 1, 5 → mean 8/3 ≈ 2.667, median 2, min 1, max 5; fails (< 3)
    assert d.criteria == {
        "a": CriterionStats(mean=3.0, median=3.0, min=2, max=4, n=3, passes=True),
        "b": CriterionStats(mean=4.0, median=4.0, min=3, max=5, n=3, passes=True),
        "c": CriterionStats(mean=pytest.approx(8 / 3), median=2.0, min=1, max=5, n=3,
                            passes=False),
    }
    # total = 1×3 + 2×4 + 1×8/3 = 41/3 ≈ 13.667
    assert d.total == pytest.approx(41 / 3)
    # evaluation totals: e1 = 4 + 2×3 + 2 = 12, e2 = 2 + 2×5 + 1 = 13, e3 = 3 + 2×4 + 5 = 16
    assert d.evaluation_totals == {"e1": 12.0, "e2": 13.0, "e3": 16.0}
    assert d.median_total == 13.0  # median of 12, 13, 16
    assert d.quorum == "k" and d.n_evaluations == 3
    assert d.min_criterion == pytest.approx(8 / 3)
    assert d.passes_thresholds is False  # c fails, although 13.667 is not the reason


def test_overall_threshold() -> None:
    evaluations = [
        # dossier 2: all 4 → total 4 + 8 + 4 = 16 >= 14.5, every criterion passes
        *(ev(2, e, 4, 4, 4) for e in ("e1", "e2", "e3")),
        # dossier 3: a 3, b 4, c 3 → every criterion at its mark, total 3 + 8 + 3 = 14 < 14.5
        *(ev(3, e, 3, 4, 3) for e in ("e1", "e2", "e3")),
    ]
    out = aggregate(evaluations, [DossierInfo(2), DossierInfo(3)], RULES)
    assert out[2].total == 16.0 and out[2].passes_thresholds
    assert all(s.passes for s in out[3].criteria.values())
    assert out[3].total == 14.0 and not out[3].passes_thresholds


def test_quorum_k_k_minus_one_pending_and_empty() -> None:
    three = [ev(1, e, 4, 4, 4) for e in ("e1", "e2", "e3")]
    two = [ev(n, e, 4, 4, 4) for n in (2, 3) for e in ("e1", "e2")]
    one = [ev(5, "e1", 4, 4, 4)]
    dossiers = [DossierInfo(1), DossierInfo(2, reduced_quorum=True), DossierInfo(3),
                DossierInfo(4), DossierInfo(5, reduced_quorum=True)]
    out = aggregate([*three, *two, *one], dossiers, RULES)
    assert out[1].quorum == "k" and out[1].notes == ()
    assert out[2].quorum == "k-1"
    assert out[2].notes == ("quorum réduit : remplacement impossible",)
    assert out[3].quorum == "pending"  # k−1 without a failed replacement
    assert out[3].total == 16.0  # listed with what it has
    assert out[4].quorum == "pending" and out[4].n_evaluations == 0
    assert out[4].total is None and out[4].median_total is None and out[4].criteria == {}
    assert not out[4].passes_thresholds
    assert out[5].quorum == "pending"  # reduced quorum is k−1, not k−2

    track = score_track([*three, *two, *one], dossiers, RULES)
    ranked = {d.number: d for d in track.dossiers}
    assert [d.number for d in track.dossiers] == [1, 2, 3, 4, 5]  # ranked (by rank), then pending
    assert ranked[1].rank == 1 and ranked[2].rank == 2
    for number in (3, 4, 5):
        assert ranked[number].rank is None and ranked[number].calibrated_rank is None
        assert ranked[number].above_cut is False and ranked[number].calibrated_total is None
    assert ranked[4].notes == ("en attente : 0 évaluation(s) sur 3",)


def test_only_the_first_k_evaluations_count() -> None:
    evaluations = [ev(1, "e1", 4, 4, 4, minute=1), ev(1, "late", 0, 0, 0, minute=9),
                   ev(1, "e2", 4, 4, 4, minute=2), ev(1, "e3", 4, 4, 4, minute=3)]
    d = aggregate(evaluations, [DossierInfo(1)], RULES)[1]
    assert [e.evaluator for e in d.evaluations] == ["e1", "e2", "e3"]
    assert d.total == 16.0
    assert d.notes == ("évaluation de late (reçue le lundi 5 janvier 2026) non comptée : "
                       "les 3 premières font le quorum",)


@pytest.mark.parametrize(("evaluations", "message"), [
    ([ev(9, "e1", 4, 4, 4)], "not among the dossiers"),
    ([ev(1, "e1", 4, 4, 4), ev(1, "e1", 3, 3, 3)], "given twice"),
    ([EvaluationScores(1, "e1", {"a": 4, "b": 4}, T0)], "no score for criterion 'c'"),
    ([ev(1, "e1", 6, 4, 4)], "off the scale"),
    ([EvaluationScores(1, "e1", {"a": 3.5, "b": 4, "c": 4}, T0)], "not whole"),
])
def test_invalid_evaluations_raise(evaluations: list[EvaluationScores], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        aggregate(evaluations, [DossierInfo(1)], RULES)


def test_rules_are_checked_when_built() -> None:
    with pytest.raises(ValueError, match="off the scale"):
        ScoringRules(criteria=(CriterionRule("a", "A", threshold=7),))
    with pytest.raises(ValueError, match="duplicate"):
        ScoringRules(criteria=(CriterionRule("a", "A"), CriterionRule("a", "A bis")))
