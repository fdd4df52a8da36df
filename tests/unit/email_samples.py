"""Full sample contexts of the email and document templates (reused by flow tests).

Each function returns a fresh dict, safe to modify. Datetimes are aware (UTC), as
the store keeps them. Titles carry ``&`` and quotes, as real dossiers do.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

NOW = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)
DUE = datetime(2026, 12, 14, 17, 0, tzinfo=UTC)  # lundi 14 décembre 2026 à 18 h 00, Paris
TODAY = date(2026, 12, 16)

EVALUATE_URL = ("https://www.demarches-simplifiees.fr/commencer/eig-evaluation"
                "?prefill_token=abc123&dossier=42")
DECLINE_URL = ("https://www.demarches-simplifiees.fr/commencer/eig-evaluation"
               "?prefill_token=abc123&nature=declin")


def programme() -> dict[str, Any]:
    return {"name": "EIG", "contact": "eig@beta.gouv.fr"}


def evaluator() -> dict[str, Any]:
    return {"name": "Élodie Müller", "email": "elodie.muller@exemple.gouv.fr"}


def dossier_ref(number: int = 42, kind: str = "projet",
                title: str = "Signaux faibles & entreprises") -> dict[str, Any]:
    return {"number": number, "kind": kind, "title": title}


def eval_request() -> dict[str, Any]:
    return {
        "evaluator": evaluator(),
        "track": {"key": "projets", "label": "Appel à projets"},
        "dossier": {
            **dossier_ref(),
            "essentials": [
                {"label": "Administration", "value": "DGE, DIRECCTE Bourgogne-Franche-Comté"},
                {"label": "Ministère", "value": "Ministère de l'Économie et des Finances"},
                {"label": "Thème", "value": "Économie"},
                {"label": "Porteur", "value": "Jeanne Dupont\nCheffe de projet"},
            ],
        },
        "criteria": [
            {"key": "probleme_avere", "label": "Problème avéré",
             "description": "Le problème a été confronté au terrain et confirmé.", "weight": 1},
            {"key": "sponsoring", "label": "Poids et qualité du sponsoring",
             "description": "Un sponsoring fort, cohérent et facilitateur.", "weight": 2},
        ],
        "scale": {"min": 0, "max": 5},
        "due": DUE,
        "links": {"evaluate": EVALUATE_URL, "decline": DECLINE_URL},
        "replacement": False,
        "attachments": {"pdf": "dossier-42.pdf", "pdf_source": "ds", "ics": "evaluation-42.ics"},
        "programme": programme(),
    }


def eval_reminder() -> dict[str, Any]:
    return {
        "evaluator": evaluator(),
        "today": TODAY,
        "tasks": [
            {"dossier": dossier_ref(), "track_label": "Appel à projets", "due": DUE,
             "late": True, "days": 2,
             "links": {"evaluate": EVALUATE_URL, "decline": DECLINE_URL}},
            {"dossier": dossier_ref(57, "candidature", "Camille Martin — designer"),
             "track_label": "Recrutement", "due": datetime(2026, 12, 19, 17, tzinfo=UTC),
             "late": False, "days": 3,
             "links": {"evaluate": EVALUATE_URL + "7", "decline": DECLINE_URL + "7"}},
        ],
        "programme": programme(),
    }


def escalation() -> dict[str, Any]:
    return {
        "today": TODAY,
        "late": [
            {"evaluator": evaluator(), "dossier": dossier_ref(), "track_label": "Appel à projets",
             "due": DUE, "days_late": 2, "reminders": 1, "replacement_on": date(2026, 12, 18)},
            {"evaluator": {"name": "Karim Benali", "email": "karim.benali@exemple.fr"},
             "dossier": dossier_ref(57, "candidature", "Camille Martin — designer"),
             "track_label": "Recrutement", "due": datetime(2026, 12, 11, 17, tzinfo=UTC),
             "days_late": 5, "reminders": 3, "replacement_on": date(2026, 12, 16)},
        ],
        "programme": programme(),
    }


def replacement_notice() -> dict[str, Any]:
    return {
        "evaluator": evaluator(),
        "dossier": dossier_ref(),
        "due": DUE,
        "links": {"evaluate": EVALUATE_URL},
        "programme": programme(),
    }


def decline_ack() -> dict[str, Any]:
    return {
        "evaluator": evaluator(),
        "dossier": dossier_ref(),
        "reason": "conflit d'intérêts",
        "conflict": True,
        "programme": programme(),
    }


def evaluation_fix() -> dict[str, Any]:
    return {
        "evaluator": evaluator(),
        "form": 9001,
        "dossier": dossier_ref(),
        "problems": [{"field": "note_sponsoring", "rule": "la note « Sponsoring » est absente"},
                     {"field": "commentaire", "rule": "le commentaire est obligatoire"}],
        "links": {"evaluate": EVALUATE_URL},
        "programme": programme(),
    }


EMAILS = {
    "eval_request": eval_request,
    "eval_reminder": eval_reminder,
    "escalation": escalation,
    "replacement_notice": replacement_notice,
    "decline_ack": decline_ack,
    "evaluation_fix": evaluation_fix,
}
"""Template name → function returning its full sample context."""


def dossier_document() -> dict[str, Any]:
    return {
        "dossier": {
            "number": 42,
            "kind": "projet",
            "title": "Signaux faibles & entreprises",
            "demarche_title": "EIG — Appel à projets",
            "state_label": "En construction",
            "date_depot": datetime(2026, 11, 2, 10, 15, tzinfo=UTC),
            "applicant": [
                {"label": "Administration", "value": "DGE"},
                {"label": "Courriel", "value": "contact@dge.exemple.gouv.fr"},
            ],
            "sections": [
                {"label": "Description du défi",
                 "value": "Détecter les entreprises en difficulté.\nMieux les accompagner."},
                {"label": "Équipe",
                 "value": [{"Nom": "Jeanne Dupont", "Rôle": "Sponsor"},
                           {"Nom": "Paul Durand", "Rôle": "Expert métier",
                            "Disponibilité": "50 %"}]},
                {"label": "Budget", "value": ""},
            ],
        },
        "generated_at": NOW,
    }
