"""Reading an evaluation form: it counts only with a verified token that agrees with the
evaluated dossier and the evaluator; every rejection names the field and the rule."""

from __future__ import annotations

import pytest

from models.evaluation_forms import AssignmentRef, next_status, read_form
from models.evaluation_token import make_token

SECRET = b"s" * 32
ASSIGNMENTS = {7: AssignmentRef(7, "ana@example.org", 1234, "proposed"),
               8: AssignmentRef(8, "bob@example.org", 1234, "proposed")}


def form(**changes):
    fields = {"jeton": make_token(SECRET, 7, "ana@example.org", 1234), "dossier_evalue": 1234,
              "evaluateur_email": "ana@example.org", "nature": "évaluation",
              "motif_declin": None}
    return fields | changes


def read(fields):
    return read_form(501, fields, SECRET, ASSIGNMENTS, nature_evaluation="évaluation",
                     nature_decline="déclin", conflict_motifs=["conflit d'intérêts"])


def test_a_genuine_evaluation_counts():
    reading = read(form())
    assert reading.valid and reading.kind == "evaluation" and reading.assignment_id == 7


def test_a_decline_with_a_conflict_is_read_as_such():
    reading = read(form(nature="déclin", motif_declin="conflit d'intérêts"))
    assert reading.valid and reading.kind == "decline" and reading.conflict
    other = read(form(nature="déclin", motif_declin="indisponibilité sur la période"))
    assert other.valid and not other.conflict and other.motif == "indisponibilité sur la période"


@pytest.mark.parametrize("changes, field, words", [
    ({"jeton": None}, "jeton", "absent"),
    ({"jeton": "n'importe quoi"}, "jeton", "mal formé"),
    ({"jeton": make_token(SECRET, 99, "ana@example.org", 1234)}, "jeton", "inconnue"),
    ({"jeton": make_token(b"forged", 7, "ana@example.org", 1234)}, "jeton", "signature"),
    ({"jeton": make_token(SECRET, 8, "bob@example.org", 1234)}, "evaluateur_email",
     "n'est pas celui"),
    ({"dossier_evalue": 999}, "dossier_evalue", "n'est pas celui du jeton"),
    ({"dossier_evalue": None}, "dossier_evalue", "n'est pas celui du jeton"),
    ({"evaluateur_email": "eve@example.org"}, "evaluateur_email", "n'est pas celui"),
    ({"nature": "audition"}, "nature", "inattendue"),
])
def test_every_rejection_names_its_field_and_rule(changes, field, words):
    reading = read(form(**changes))
    assert not reading.valid
    assert reading.field == field and words in reading.problem


def test_a_token_copied_onto_another_dossier_is_rejected():
    # Ana's genuine token pasted in a form about another dossier
    reading = read(form(dossier_evalue=4321))
    assert not reading.valid and reading.field == "dossier_evalue"


@pytest.mark.parametrize("current, kind, expected", [
    ("proposed", "evaluation", "submitted"),
    ("replaced", "evaluation", "submitted"),  # a late evaluator may still submit
    ("submitted", "evaluation", None),
    ("proposed", "decline", "declined"),
    ("started", "decline", "declined"),
    ("submitted", "decline", None),
    ("replaced", "decline", None),
    ("declined", "decline", None),
])
def test_statuses_only_move_forward(current, kind, expected):
    assert next_status(current, kind) == expected
