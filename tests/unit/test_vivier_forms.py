"""The vivier démarche's form: the signed token, the rules, the profile it updates."""

from __future__ import annotations

from datetime import date

import pytest

from models.vivier_forms import (
    last_answer_at,
    make_vivier_token,
    read_vivier_form,
    updated_profile,
    verify_vivier_token,
)

SECRET = b"secret de test"
OPTIONS = {"voeux_thematiques": ["santé", "justice"], "voeux_localisations": ["Paris", "Lyon"],
           "quotite": ["temps plein", "4/5"]}
TODAY = date(2027, 2, 1)


def form(dossier: int = 42, **values: object) -> dict[str, object]:
    return {"dossier_candidature": dossier, "jeton": make_vivier_token(SECRET, dossier),
            "consentement": True} | values


def read(fields: dict[str, object], members: frozenset[int] = frozenset({42, 43})):
    return read_vivier_form(7, fields, SECRET, members=members, answered_on=TODAY,
                            options=OPTIONS)


def test_the_token_names_one_vivier_entry():
    token = make_vivier_token(SECRET, 42)
    assert verify_vivier_token(SECRET, token, 42)
    assert not verify_vivier_token(SECRET, token, 43)
    assert not verify_vivier_token(b"autre clef", token, 42)
    assert not verify_vivier_token(SECRET, token + " ", 42)
    assert not verify_vivier_token(SECRET, None, 42)


def test_a_valid_form_keeps_only_what_was_filled():
    reading = read(form(disponibilite="2027-03-01", voeux_thematiques=["justice"]))
    assert reading.problem is None and reading.answer is not None
    assert reading.answer.stays
    assert dict(reading.answer.changes) == {"disponibilite": "2027-03-01",
                                            "voeux_thematiques": ["justice"]}


def test_consent_withdrawn_ignores_the_rest():
    reading = read(form(consentement=False, disponibilite="2020-01-01"))
    assert reading.answer is not None and not reading.answer.stays
    assert reading.answer.changes == {}


@pytest.mark.parametrize(("fields", "field", "rule"), [
    (form(jeton=make_vivier_token(SECRET, 43)), "jeton", "n'a pas été émis pour la "
     "candidature n° 42"),
    (form(jeton=None), "jeton", "jeton absent"),
    (form(dossier=44, jeton=make_vivier_token(SECRET, 44)), "dossier_candidature",
     "n'est pas (ou plus) au vivier"),
    (form(dossier_candidature=None), "dossier_candidature", "absent"),
    (form(consentement=None), "consentement", "oui ou non"),
    (form(disponibilite="2027-01-31"), "disponibilite", "date passée (le dimanche 31 "
     "janvier 2027, pour un formulaire du lundi 1er février 2027) : une date à venir est "
     "attendue"),
    (form(disponibilite="31/01/2027"), "disponibilite", "illisible"),
    (form(voeux_thematiques=["santé", "astronomie"]), "voeux_thematiques",
     "« astronomie » n'est pas parmi les choix proposés"),
    (form(quotite="3/5"), "quotite", "« 3/5 » n'est pas parmi les choix proposés"),
])
def test_a_bad_form_names_form_field_and_rule(fields, field, rule):
    reading = read(fields)
    assert reading.answer is None
    assert reading.field == field
    assert reading.problem.startswith(f"formulaire du vivier n° 7, champ {field} : ")
    assert rule in reading.problem
    assert "\n" not in reading.problem


def test_today_is_not_in_the_past():
    assert read(form(disponibilite=TODAY.isoformat())).answer is not None


def test_the_profile_changes_only_what_the_form_says_and_remembers_when():
    profile = {"specialite": "designer", "disponibilite": "1 janvier 2027",
               "disponibilite_iso": "2027-01-01", "voeux_thematiques": ["santé"],
               "quotite": "temps plein"}
    fresh = updated_profile(profile, {"disponibilite": "2027-04-15", "quotite": "4/5"},
                            "formulaire du vivier n° 7", "2027-02-01T09:00:00+00:00")
    assert fresh["disponibilite_iso"] == "2027-04-15"
    assert fresh["disponibilite"] == "15 avril 2027"
    assert fresh["quotite"] == "4/5"
    assert fresh["voeux_thematiques"] == ["santé"] and fresh["specialite"] == "designer"
    assert last_answer_at(fresh) == "2027-02-01T09:00:00+00:00"
    assert last_answer_at(profile) is None


def test_the_line_says_only_what_happened():
    from models.vivier_forms import vivier_line

    quiet = {"updated": [], "withdrawn": [], "from_candidature": [], "superseded": 1,
             "rejected": [{"form": 9, "new": False}]}
    assert vivier_line(quiet) is None
    busy = quiet | {"updated": [1, 2], "withdrawn": [3], "rejected": [{"form": 9}],
                    "cancelled": [{"dossier": 3, "missions": [4]}]}
    assert vivier_line(busy) == (
        "Vivier : 2 situations mises à jour, 1 consentement retiré, 1 formulaire mis de côté "
        "(eig quarantine), le dossier 3, qui a retiré son consentement : son entretien de "
        "mission (mission 4) annulé, jury et administration prévenus.")
