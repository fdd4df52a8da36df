"""What an evaluator is told of a dossier: brief, essentials, the printable document."""

from __future__ import annotations

from datetime import UTC, date, datetime

from models.evaluation_task import (
    EXCERPT,
    as_text,
    dossier_brief,
    dossier_document,
    dossier_essentials,
)

PROJET = {"intitule": "Accélérer les plaintes", "administration": "Préfecture du Nord",
          "ministere": "Ministère de l'Intérieur", "theme": "sécurité", "nombre_eig": 2,
          "profils": ["designer", "développeur·se"], "description": "x " * 2000}
CANDIDAT = {"specialite": "designer", "annees_experience": 7,
            "disponibilite": "2027-01-04", "voeux_thematiques": ["santé", "justice"]}
PERSON = {"prenom": "Nathalie", "nom": "Grenier", "email": "n.grenier@example.org"}


def test_brief_names_the_challenge_or_the_candidate():
    assert dossier_brief("projets", 12, PROJET, {}) == {
        "number": 12, "kind": "projet",
        "title": "Accélérer les plaintes (Préfecture du Nord)"}
    assert dossier_brief("candidats", 13, CANDIDAT, PERSON)["title"] == \
        "Nathalie Grenier, designer"
    assert dossier_brief("candidats", 14, {}, {})["title"] == "Candidature n°14"


def test_essentials_are_readable_and_long_answers_shortened():
    items = {i["label"]: i["value"] for i in dossier_essentials("projets", PROJET, {})}
    assert items["Profils recherchés"] == "designer, développeur·se"
    assert items["Nombre d'EIG souhaités"] == "2"
    assert "Lieu de la mission" not in items  # empty answers are left out
    assert len(items["Description du défi"]) < EXCERPT + 60
    assert items["Description du défi"].endswith("(suite dans le PDF joint)")
    people = {i["label"]: i["value"] for i in dossier_essentials("candidats", CANDIDAT, PERSON)}
    assert people["Candidat·e"] == "Nathalie Grenier"
    assert people["Date de disponibilité"] == "4 janvier 2027"


def test_values_as_text():
    assert as_text(None) == "" and as_text(True) == "Oui" and as_text(date(2026, 3, 1)) == \
        "1 mars 2026"
    assert as_text(["a", None, "b"]) == "a, b" and as_text("2026-13-01") == "2026-13-01"


def test_the_document_keeps_every_champ_and_repetition_rows():
    champs = [
        {"label": "Intitulé du défi", "stringValue": "<b>Défi</b>"},
        {"label": "Équipe projet", "stringValue": "", "rows": [
            {"champs": [{"label": "Nom", "stringValue": "Ana"},
                        {"label": "Rôle", "stringValue": "dev"}]}]},
    ]
    document = dossier_document("projets", 12, "EIG — Appel à projets", "en_construction",
                                datetime(2026, 11, 2, tzinfo=UTC), champs, PERSON, PROJET,
                                datetime(2026, 11, 28, tzinfo=UTC))
    dossier = document["dossier"]
    assert dossier["state_label"] == "En construction"
    assert dossier["sections"][0] == {"label": "Intitulé du défi", "value": "<b>Défi</b>"}
    assert dossier["sections"][1]["value"] == [{"Nom": "Ana", "Rôle": "dev"}]
    assert {"label": "Nom", "value": "Grenier"} in dossier["applicant"]
