"""The jury's CSV exports: scores checked like evaluation forms, availability windows in
Paris time; every bad line named with its line, dossier, field and rule."""

from __future__ import annotations

from datetime import UTC, date, datetime

from models.hearing_outcome import (
    check_against_juries,
    hearing_notes,
    parse_jury_scores,
    scores_grid,
)
from models.jury_availability import parse_windows
from models.scoring.aggregate import aggregate
from models.scoring.rules import (
    CriterionRule,
    DossierInfo,
    EvaluationScores,
    ScoringRules,
)

CRITERIA = {"clarte": "Clarté", "impact": "Impact"}
RULES = ScoringRules(criteria=(CriterionRule("clarte", "Clarté", threshold=3),
                               CriterionRule("impact", "Impact", threshold=3)), quorum=2)


def parse(text: str):
    return parse_jury_scores(text, CRITERIA, 0, 5, comment_required=True)


def test_good_rows_are_kept_and_bad_ones_named():
    rows, problems = parse(
        "dossier;courriel;note_clarte;note_impact;commentaire\n"
        "42;A@jury.fr;4;5;Clair\n"
        "42;b@jury.fr;4;7;Trop\n"
        "x;c@jury.fr;1;1;Non\n"
        "43;pas-une-adresse;1;1;Non\n"
        "43;d@jury.fr;2;;\n")
    assert [(r.dossier, r.juror, dict(r.scores)) for r in rows] == [
        (42, "a@jury.fr", {"clarte": 4, "impact": 5})]
    assert [str(p) for p in problems] == [
        "ligne 3, dossier 42, champ note_impact : la note « Impact » (7) est hors de "
        "l'échelle 0–5",
        "ligne 4, champ dossier : 'x' n'est pas un numéro",
        "ligne 5, dossier 43, champ courriel : adresse du membre du jury absente ou invalide",
        "ligne 6, dossier 43, champ note_impact : la note « Impact » est absente",
        "ligne 6, dossier 43, champ commentaire : le commentaire est obligatoire"]


def test_a_missing_column_is_reported_and_nothing_read():
    rows, problems = parse("dossier,courriel,note_clarte\n42,a@jury.fr,4\n")
    assert rows == [] and [(p.field, p.rule) for p in problems] == [
        ("note_impact", "colonne absente")]


def test_only_the_jury_of_a_held_hearing_counts_and_the_last_row_wins():
    rows, _ = parse("dossier;courriel;note_clarte;note_impact;commentaire\n"
                    "42;a@jury.fr;1;1;premier\n42;a@jury.fr;4;4;corrigé\n"
                    "42;z@jury.fr;3;3;intrus\n44;a@jury.fr;3;3;pas d'audition\n"
                    "45;a@jury.fr;3;3;trop tôt\n")
    kept, problems = check_against_juries(rows, {42: {"a@jury.fr"}}, upcoming={45})
    assert [(r.juror, r.comment) for r in kept] == [("a@jury.fr", "corrigé")]
    assert [(p.dossier, p.field) for p in problems] == [
        (42, "courriel"), (44, "dossier"), (45, "dossier")]
    assert "pas encore eu lieu" in str(problems[2])


def test_hearing_notes_use_the_evaluations_aggregation():
    when = datetime(2026, 12, 8, 9, tzinfo=UTC)
    result = aggregate([EvaluationScores(42, "a", {"clarte": 4, "impact": 2}, when),
                        EvaluationScores(42, "b", {"clarte": 5, "impact": 2}, when)],
                       [DossierInfo(42)], RULES)[42]
    notes = hearing_notes("Soutenance", date(2026, 12, 8), result, 10, ["Bien", " "],
                          labels=CRITERIA)
    assert notes == ("Soutenance du mardi 8 décembre 2026 : 6,5/10 (2 membres du jury) ; sous le "
                     "seuil : Impact. Avis du jury : Bien")


def test_availability_windows_are_read_in_paris_time():
    windows, problems = parse_windows(
        "courriel;debut;fin\nA@jury.fr;2026-12-08 09:00;2026-12-08 12:30\n"
        "b@jury.fr;2026-07-01 09:00;2026-07-01 08:00\n"
        "c@jury.fr;demain;2026-12-08 12:00\n")
    assert [(w.email, w.start, w.end) for w in windows] == [
        ("a@jury.fr", datetime(2026, 12, 8, 8, tzinfo=UTC),
         datetime(2026, 12, 8, 11, 30, tzinfo=UTC))]
    assert [str(p) for p in problems] == [
        "ligne 3, champ fin : la fin précède le début",
        "ligne 4, champ debut : 'demain' n'est pas une date et heure (AAAA-MM-JJ HH:MM)"]


def test_the_grid_sent_with_the_invitation_comes_back_as_scores() -> None:
    grid = scores_grid(42, "jury@x.fr", list(CRITERIA))
    assert grid.startswith("\ufeffdossier;courriel;") and grid.endswith("\r\n")
    rows, unfilled = parse_jury_scores(grid, CRITERIA, 0, 5, comment_required=True)
    assert rows == [] and {p.field for p in unfilled} == {"note_clarte", "note_impact",
                                                          "commentaire"}
    header, row = grid.lstrip("\ufeff").splitlines()
    assert row == "42;jury@x.fr;" + ";" * len(CRITERIA)
    filled = header + "\n42;jury@x.fr;" + ";".join("4" for _ in CRITERIA) + ";Très clair.\n"
    [scores], problems = parse_jury_scores(filled, CRITERIA, 0, 5, comment_required=True)
    assert problems == [] and scores.dossier == 42 and scores.juror == "jury@x.fr"
    assert dict(scores.scores) == dict.fromkeys(CRITERIA, 4)
