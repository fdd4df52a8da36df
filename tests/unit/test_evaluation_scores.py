"""An evaluation's scores: every criterion within the scale, the comment when required;
which forms count (the latest per task, the first k); what is written back to DS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models.evaluation_forms import CountedForm, check_scores, settle
from models.score_publication import (
    DISCUSS,
    FAVORABLE,
    UNFAVORABLE,
    annotation_values,
    publication,
)
from models.scoring import CriterionRule, DossierInfo, EvaluationScores, ScoringRules, score_track

CRITERIA = {"a": "Critère A", "b": "Critère B"}
T0 = datetime(2026, 12, 1, tzinfo=UTC)


def test_complete_scores_pass():
    check = check_scores({"note_a": 3, "note_b": "5", "commentaire": " ok "}, CRITERIA, 0, 5,
                         True)
    assert check.valid and check.scores == {"a": 3, "b": 5} and check.comment == "ok"


@pytest.mark.parametrize("fields, field, words", [
    ({"note_b": 2}, "note_a", "« Critère A » est absente"),
    ({"note_a": "", "note_b": 2}, "note_a", "absente"),
    ({"note_a": 2.5, "note_b": 2}, "note_a", "n'est pas un nombre entier"),
    ({"note_a": "trois", "note_b": 2}, "note_a", "n'est pas un nombre entier"),
    ({"note_a": 6, "note_b": 2}, "note_a", "hors de l'échelle 0–5"),
    ({"note_a": -1, "note_b": 2}, "note_a", "hors de l'échelle 0–5"),
])
def test_each_score_problem_names_its_field_and_rule(fields, field, words):
    check = check_scores(fields | {"commentaire": "c"}, CRITERIA, 0, 5, True)
    assert not check.valid and check.problems[0][0] == field and words in check.problems[0][1]


def test_every_problem_is_reported_at_once_and_the_comment_rule_is_configurable():
    check = check_scores({}, CRITERIA, 0, 5, True)
    assert [f for f, _ in check.problems] == ["note_a", "note_b", "commentaire"]
    assert check_scores({"note_a": 1, "note_b": 1}, CRITERIA, 0, 5, False).valid


def test_the_latest_form_of_a_task_counts_and_only_the_first_k_tasks():
    forms = [CountedForm(1, 10, T0), CountedForm(2, 11, T0 + timedelta(hours=1)),
             CountedForm(3, 10, T0 + timedelta(hours=2)),  # task 10 again: supersedes 1
             CountedForm(4, 12, T0 + timedelta(hours=3)),
             CountedForm(5, 13, T0 + timedelta(hours=4))]  # a fourth task: beyond k = 3
    assert settle(forms, 3) == {1: "superseded", 2: "valid", 3: "valid", 4: "valid",
                                5: "extra"}


def rules(**changes) -> ScoringRules:
    return ScoringRules(criteria=(CriterionRule("a", "A", 1, 3), CriterionRule("b", "B", 1, 3)),
                        quorum=3, cut_rank=1, **changes)


def evaluations(number: int, *pairs: tuple[int, int]) -> list[EvaluationScores]:
    return [EvaluationScores(number, f"e{i}", {"a": a, "b": b}, T0 + timedelta(minutes=i))
            for i, (a, b) in enumerate(pairs)]


def test_labels_follow_the_cut_and_the_flags():
    given = (evaluations(1, (5, 5), (5, 5), (4, 5)) + evaluations(2, (4, 4), (4, 4), (4, 4))
             + evaluations(3, (5, 4), (1, 4), (4, 4)))
    scores = score_track(given, [DossierInfo(n) for n in (1, 2, 3, 4)], rules())
    by_number = {d.number: d for d in scores.dossiers}
    assert publication(by_number[1]).label == FAVORABLE
    assert publication(by_number[2]).label == UNFAVORABLE  # below the cut (rank 2)
    assert publication(by_number[3]).label == DISCUSS  # spread 4 on criterion a
    assert publication(by_number[4]) is None  # no evaluation yet: nothing written
    values = publication(by_number[1]).values
    assert values["note_totale"] == 9.67 and values["rang"] == 1  # (5+5+4)/3 + 5, rounded
    assert values["nombre_evaluations"] == 3


def test_annotation_values_use_the_configured_ids_and_kinds():
    mapping = {"note_totale": ("Q1", "decimal_number"), "rang": ("Q2", "integer_number")}
    assert annotation_values({"note_totale": 9.5, "rang": 2, "alertes": "x"}, mapping) == [
        {"annotation_id": "Q1", "kind": "decimalNumber", "value": 9.5},
        {"annotation_id": "Q2", "kind": "integerNumber", "value": 2}]
