"""A juror's scoring form: its token (one slot, one juror, one dossier) and its reading
(the CSV's rules: scale, the track's criteria, the comment)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models.evaluation_token import token_assignment
from models.jury_forms import (
    CountedJuryForm,
    HeldSlot,
    JuryFormStatus,
    Scale,
    from_form,
    read_jury_form,
    settle_jury_forms,
)
from models.jury_token import jury_token_slot, make_jury_token, token_juror

SECRET = b"k" * 32
NOW = datetime(2026, 12, 10, 12, tzinfo=UTC)
JURY = ("ada@exemple.fr", "bob@exemple.fr")
SLOT = HeldSlot(7, 3, 1042, "projets", JURY, NOW - timedelta(hours=2), cancelled=False)
SCALES = {"projets": Scale({"probleme_avere": "Problème avéré", "sponsoring": "Sponsoring"},
                           0, 5, True)}


def _form(juror: str = "ada@exemple.fr", slot: HeldSlot = SLOT, **changes: object) -> dict:
    fields = {"jeton": make_jury_token(SECRET, slot.id, juror, slot.dossier),
              "dossier_evalue": slot.dossier, "evaluateur_email": juror, "nature": "audition",
              "note_probleme_avere": 4, "note_sponsoring": 3, "commentaire": "Convaincant."}
    return fields | changes


def _read(fields: dict, slots: dict | None = None, now: datetime = NOW):
    return read_jury_form(501, fields, SECRET, slots or {SLOT.id: SLOT}, SCALES, now)


def test_the_token_names_its_slot_and_juror_and_is_never_an_evaluation_token() -> None:
    token = make_jury_token(SECRET, 7, "Ada@Exemple.fr ", 1042)
    assert jury_token_slot(token) == 7
    assert token_assignment(token) is None
    assert token_juror(SECRET, token, 7, JURY, 1042) == "ada@exemple.fr"
    assert token_juror(SECRET, token, 7, JURY, 1043) is None  # another dossier
    assert token_juror(SECRET, token, 7, ("bob@exemple.fr",), 1042) is None
    assert token_juror(b"x" * 32, token, 7, JURY, 1042) is None


def test_a_genuine_form_counts_with_its_scores_and_comment() -> None:
    reading = _read(_form())
    assert reading.valid and reading.juror == "ada@exemple.fr"
    assert dict(reading.scores) == {"probleme_avere": 4, "sponsoring": 3}
    assert reading.comment == "Convaincant."


@pytest.mark.parametrize(("changes", "field", "rule"), [
    ({"jeton": "12.abc"}, "jeton", "absent ou mal formé"),
    ({"jeton": "12.AAAAAAAAAAAAAAAAAAAAAAAA"}, "nature", "celui d'une évaluation"),
    ({"jeton": None}, "jeton", "absent ou mal formé"),
    ({"jeton": "a99.AAAAAAAAAAAAAAAAAAAAAAAA"}, "jeton", "audition n°99, inconnue"),
    ({"jeton": make_jury_token(SECRET, 7, "eve@exemple.fr", 1042)}, "jeton", "signature"),
    ({"dossier_evalue": 1043}, "dossier_evalue", "n'est pas celui de l'audition"),
    ({"evaluateur_email": "bob@exemple.fr"}, "evaluateur_email", "membre du jury invité"),
    ({"note_sponsoring": 7}, "note_sponsoring", "hors de l'échelle 0–5"),
    ({"note_sponsoring": "2,5"}, "note_sponsoring", "n'est pas un nombre entier"),
    ({"note_probleme_avere": None}, "note_probleme_avere", "est absente"),
    ({"commentaire": "  "}, "commentaire", "obligatoire"),
])
def test_a_bad_form_names_its_field_and_rule(changes: dict, field: str, rule: str) -> None:
    reading = _read(_form(**changes))
    assert not reading.valid
    assert reading.problems[0][0] == field and rule in (reading.reason or "")


def test_a_form_replayed_onto_another_hearing_does_not_count() -> None:
    other = HeldSlot(8, 4, 1042, "projets", JURY, SLOT.start, cancelled=False)
    token = make_jury_token(SECRET, SLOT.id, "ada@exemple.fr", 1042)
    forged = _form(jeton="a8." + token.split(".", 1)[1])
    assert _read(forged, {7: SLOT, 8: other}).problems[0][0] == "jeton"


def test_a_cancelled_or_future_slot_does_not_count() -> None:
    cancelled = HeldSlot(**{**SLOT.__dict__, "cancelled": True})
    assert "annulé" in (_read(_form(slot=cancelled), {7: cancelled}).reason or "")
    early = _read(_form(), now=SLOT.start - timedelta(minutes=1))
    assert early.problems == (("dossier_evalue", "l'audition n'a pas encore eu lieu"),)


def test_the_latest_form_of_a_juror_for_a_hearing_counts() -> None:
    day = NOW
    forms = [CountedJuryForm(1, 3, "ada@exemple.fr", day),
             CountedJuryForm(2, 3, "ada@exemple.fr", day + timedelta(hours=1)),
             CountedJuryForm(3, 3, "bob@exemple.fr", day)]
    assert settle_jury_forms(forms) == {1: JuryFormStatus.SUPERSEDED, 2: JuryFormStatus.VALID,
                                        3: JuryFormStatus.VALID}
    assert from_form("formulaire DS n°501") and not from_form("demo-projets.csv")
