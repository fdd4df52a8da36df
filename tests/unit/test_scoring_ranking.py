"""Ranking: the tie-break chain in order with the deciding key, the cut line, the tables."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pandas as pd
import pytest

from models.scoring import (
    CriterionRule,
    DossierInfo,
    EvaluationScores,
    RankedDossier,
    ScoringRules,
    score_track,
)

T0 = datetime(2026, 1, 5, 9, 0)
RULES = ScoringRules(criteria=(CriterionRule("x", "X"), CriterionRule("y", "Y")))

# Two criteria of weight 1, three evaluators each (scores as (x, y) per evaluator).
TIES = {
    6: [(4, 3), (4, 3), (4, 3)],  # total 7: first on total alone
    2: [(3, 3), (3, 3), (3, 3)],  # total 6, lowest criterion 3, median total 6, deposited day 1
    3: [(3, 3), (3, 3), (3, 3)],  # same as 2, deposited day 2 → after 2 by the deposit date
    4: [(3, 3), (3, 3), (3, 3)],  # same, no deposit date → after the known dates
    7: [(3, 3), (3, 3), (3, 3)],  # same as 4 → after it by number
    5: [(2, 3), (2, 3), (5, 3)],  # x 3, y 3: total 6, min 3, totals 5, 5, 8 → median 5
    1: [(4, 2), (4, 2), (4, 2)],  # total 6, lowest criterion 2
}
DATES = {2: T0, 3: T0 + timedelta(days=1), 6: T0, 5: T0, 1: T0}


def track(table: dict[int, list[tuple[int, int]]], rules: ScoringRules = RULES,
          dates: dict[int, datetime] | None = None) -> dict[int, RankedDossier]:
    evaluations = [EvaluationScores(d, f"e{i}", {"x": x, "y": y}, T0)
                   for d, scores in table.items() for i, (x, y) in enumerate(scores, 1)]
    infos = [DossierInfo(d, date_depot=(dates or {}).get(d)) for d in table]
    out = score_track(evaluations, infos, rules).dossiers
    assert [d.rank for d in out] == list(range(1, len(out) + 1))
    return {d.number: d for d in out}


def test_tie_break_chain_in_order_with_the_deciding_key() -> None:
    scores = track(TIES, dates=DATES)
    assert sorted(scores, key=lambda n: scores[n].rank or 0) == [6, 2, 3, 4, 7, 5, 1]
    assert {n: s.tie_break for n, s in scores.items()} == {
        6: None,
        2: None,  # decided by the total (the chain's first key): nothing to say
        3: "départagé du dossier n°2 par : date de dépôt",
        4: "départagé du dossier n°3 par : date de dépôt",
        7: "départagé du dossier n°4 par : numéro de dossier",
        5: "départagé du dossier n°7 par : total médian",
        1: "départagé du dossier n°5 par : critère le plus faible",
    }


def test_criterion_tie_break_and_number_always_last() -> None:
    rules = replace(RULES, tie_breaks=("total", "criterion:x"))
    scores = track({2: TIES[2], 1: TIES[1], 9: TIES[2]}, rules)
    # 1 (x = 4) before 2 and 9 (x = 3); 2 before 9 by number, appended to the chain
    assert (scores[1].rank, scores[2].rank, scores[9].rank) == (1, 2, 3)
    assert scores[2].tie_break == "départagé du dossier n°1 par : critère x"
    assert scores[9].tie_break == "départagé du dossier n°2 par : numéro de dossier"


def test_unknown_tie_break_raises_naming_allowed_keys() -> None:
    with pytest.raises(ValueError, match="'moyenne'.*total, calibrated_total.*criterion:x"):
        replace(RULES, tie_breaks=("total", "moyenne"))
    with pytest.raises(ValueError, match="'criterion:z'"):
        replace(RULES, tie_breaks=("criterion:z",))


def test_failing_thresholds_rank_after_and_below_the_cut() -> None:
    rules = ScoringRules(criteria=(CriterionRule("x", "X", threshold=3), CriterionRule("y", "Y")))
    scores = track({1: [(2, 5)] * 3, 2: [(3, 3)] * 3, 3: [(3, 2)] * 3}, rules)
    # 1 has the best total (7) but fails x: after 2 and 3 (6 and 5), which pass
    assert [scores[n].rank for n in (2, 3, 1)] == [1, 2, 3]
    assert [scores[n].above_cut for n in (2, 3, 1)] == [True, True, False]
    assert scores[1].tie_break is None


def test_cut_rank_and_cut_threshold() -> None:
    table = {n: [(n, 3)] * 3 for n in range(1, 6)}  # totals 4..8, dossier 5 first
    by_rank = track(table, replace(RULES, cut_rank=2))
    assert {n for n, s in by_rank.items() if s.above_cut} == {5, 4}
    by_total = track(table, replace(RULES, cut_threshold=6))
    assert {n for n, s in by_total.items() if s.above_cut} == {5, 4, 3}
    both = track(table, replace(RULES, cut_rank=4, cut_threshold=7))
    assert {n for n, s in both.items() if s.above_cut} == {5, 4}
    everyone = track(table)
    assert all(s.above_cut for s in everyone.values())


def test_tables() -> None:
    evaluations = [EvaluationScores(1, f"e{i}", {"x": x, "y": 3}, T0)
                   for i, x in enumerate((3, 4, 4), 1)]
    result = score_track(evaluations, [DossierInfo(1), DossierInfo(2)], RULES)
    table = result.table()
    assert list(table["number"]) == [1, 2]
    first = table.iloc[0]
    assert first["rank"] == 1 and first["total"] == 6.67 and first["n"] == 3  # 11/3 + 3
    assert first["quorum"] == "k" and bool(first["above_cut"])
    assert table["rank"].isna().tolist() == [False, True]
    assert table.iloc[1]["quorum"] == "pending" and table.iloc[1]["n"] == 0
    assert result.calibration_note is not None  # one dossier, three evaluators: too few data
    assert first["calibrated_total"] == 6.67
    assert pd.isna(first["calibrated_stderr"])  # no standard error without calibration
    long = result.criterion_table()
    assert list(long.columns) == ["number", "criterion", "mean", "median", "min", "max", "n",
                                  "passes"]
    assert long.to_dict("records")[0] == {"number": 1, "criterion": "x", "mean": 3.67,
                                          "median": 4.0, "min": 3, "max": 4, "n": 3,
                                          "passes": True}
    assert len(long) == 2  # the pending dossier has no criterion rows yet
    empty = score_track([], [], RULES)
    assert empty.table().empty and list(empty.table().columns)[:3] == ["rank",
                                                                      "calibrated_rank", "number"]
    assert empty.criterion_table().empty
