"""Full sample contexts of the email and document templates (reused by flow tests).

Each function returns a fresh dict, safe to modify. Datetimes are aware (UTC), as
the store keeps them. Titles carry ``&`` and quotes, as real dossiers do.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
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
        "comment_required": True,
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


def no_substitute(declined: bool = False) -> dict[str, Any]:
    return {
        "leaving": evaluator(),
        "dossier": dossier_ref(),
        "track_label": "Appel à projets",
        "declined": declined,
        "reason": "indisponibilité sur la période" if declined else "",
        "due": DUE,
        "days_late": 3,
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


def convention_draft() -> dict[str, Any]:
    from tests.unit.convention_samples import convention_context

    return {"convention": convention_context("budgetaire"), "version": 2,
            "greeting_name": "Camille Durand", "programme": programme()}


HEARING_START = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)  # mardi 8 décembre 2026 à 10 h 00, Paris
HEARING_END = datetime(2026, 12, 8, 9, 45, tzinfo=UTC)  # 10 h 45, Paris
NEW_HEARING_START = datetime(2026, 12, 10, 13, 0, tzinfo=UTC)  # jeudi 10 décembre à 14 h 00
NEW_HEARING_END = datetime(2026, 12, 10, 13, 45, tzinfo=UTC)
SCORES_URL = ("https://www.demarches-simplifiees.fr/commencer/eig-evaluation"
              "?prefill_token=def456&nature=audition")
SCORES_DUE = datetime(2026, 12, 14, 22, 59, tzinfo=UTC)  # lundi 14 décembre, fin du jour
HEARING_LOCATION = "DINUM, 20 avenue de Ségur, 75007 Paris — salle « Lovelace »"
HEARING_ROLES = ("jury", "candidat", "porteur")
MISSION_HEARING_ROLES = ("jury", "candidat", "administration")
"""Who is invited to an entretien de mission: DINUM's jury member, the vivier candidate,
and the mission's administration contact (who sits beside DINUM)."""

MISSION_START = date(2027, 3, 1)  # lundi 1er mars 2027


def mission() -> dict[str, Any]:
    """A mission opened in a lauréat administration (the shape shared by mission emails)."""
    return {
        "id": 12,
        "titre": "Détecter plus tôt les entreprises en difficulté",
        "administration": "Direction générale des entreprises",
        "projet": "Signaux faibles & entreprises",
        "profils": ["designer", "développeur·se"],
        "quotite": "4/5",
        "debut": MISSION_START,
        "localisation": "Paris",
        "thematique": "Économie",
    }


def hearing_person(role: str = "jury") -> dict[str, Any]:
    """The addressee: a jury member, the candidate, the project's porteur, or the
    mission's administration contact."""
    return {
        "jury": evaluator(),
        "candidat": {"name": "Camille Martin", "email": "camille.martin@exemple.fr"},
        "porteur": {"name": "Jeanne Dupont", "email": "jeanne.dupont@dge.exemple.gouv.fr"},
        "administration": {"name": "Sophie Laurent",
                           "email": "sophie.laurent@dge.exemple.gouv.fr"},
    }[role]


def hearing(kind: str = "projet") -> dict[str, Any]:
    """A hearing: the soutenance of project 42, the entretien métier of candidature 57,
    or (``kind="mission"``) the entretien de mission of candidature 57 for mission 12."""
    if kind == "mission":
        return {
            "kind_label": "Entretien de mission",
            "dossier": dossier_ref(57, "candidature", "Camille Martin — designer"),
            "start": HEARING_START,
            "end": HEARING_END,
            "location": HEARING_LOCATION,
            "duration_minutes": 45,
            "jury": [{"name": "Élodie Müller", "organisation": "DINUM"},
                     {"name": "Sophie Laurent", "organisation": "DGE"}],
            "rescheduled": False,
            "mission": mission(),
        }
    projet = kind == "projet"
    return {
        "kind_label": "Soutenance" if projet else "Entretien métier produit",
        "dossier": dossier_ref() if projet else dossier_ref(57, "candidature",
                                                            "Camille Martin — designer"),
        "start": HEARING_START,
        "end": HEARING_END,
        "location": HEARING_LOCATION,
        "duration_minutes": 45,
        "jury": [{"name": "Élodie Müller", "organisation": "DINUM"},
                 {"name": "Karim Benali", "organisation": ""}],
        "rescheduled": False,
    }


def _hearing_kind(role: str, kind: str | None) -> str:
    """The sample hearing of a role: ``kind`` when given, else the role's usual one."""
    return kind or {"candidat": "candidature", "administration": "mission"}.get(role, "projet")


def hearing_invitation(role: str = "jury", kind: str | None = None) -> dict[str, Any]:
    """``kind``: "projet", "candidature" or "mission" (by default, the role's usual)."""
    kind = _hearing_kind(role, kind)
    scores = role in ("jury", "administration")
    number = hearing(kind)["dossier"]["number"]
    criteria = [
        {"label": "Cohérence du profil",
         "description": "Formation, parcours et compétences cohérents avec la spécialité."},
        {"label": "Intérêt pour la thématique",
         "description": "Curiosité pour le numérique d'intérêt général et la politique publique."},
    ] if kind == "mission" else [
        {"label": "Problème avéré",
         "description": "Le problème a été confronté au terrain et confirmé."},
        {"label": "Poids et qualité du sponsoring",
         "description": "Un sponsoring fort, cohérent et facilitateur."},
    ]
    return {
        "person": hearing_person(role),
        "role": role,
        "hearing": hearing(kind),
        # the juror's prefilled DS scoring form (flows.jury_forms); no CSV grid any more
        "links": {"scores": SCORES_URL if role == "jury" else None},
        "scores_due": SCORES_DUE if role == "jury" else None,
        "comment_required": True,
        "criteria": criteria if scores else [],
        "scale": {"min": 0, "max": 5},
        "attachments": {"pdf": f"dossier-{number}.pdf" if scores else None, "grid": None},
        "programme": programme(),
    }


def hearing_cancellation(role: str = "jury", kind: str | None = None) -> dict[str, Any]:
    kind = _hearing_kind(role, kind)
    slot = hearing(kind)
    keys = ("kind_label", "dossier", "start", "end") + (("mission",) if kind == "mission" else ())
    return {
        "person": hearing_person(role),
        "role": role,
        "hearing": {key: slot[key] for key in keys},
        "reason": "un membre du jury est indisponible",
        "withdrawn": False,
        "left_vivier": False,
        "replacement": {"start": NEW_HEARING_START, "end": NEW_HEARING_END, "invited": True},
        "programme": programme(),
    }


def hearing_message(role: str = "porteur", kind: str | None = None) -> dict[str, Any]:
    """The DS message to the applicant (``messages/hearing.txt.j2``)."""
    return {
        "hearing": hearing(_hearing_kind(role, kind)),
        "role": role,
        "programme": programme(),
        "cancelled_slot": None,
        "emailed": True,  # the applicant has an email address: the invitation goes there too
    }


def mission_proposal() -> dict[str, Any]:
    return {
        "person": hearing_person("candidat"),
        "mission": mission(),
        "raisons": ["spécialité recherchée (designer)", "souhaite la thématique Économie",
                    "souhaite travailler à Paris", "disponible au début de la mission"],
        "programme": programme(),
    }


def mission_decision(retenu: bool = True) -> dict[str, Any]:
    return {
        "person": hearing_person("candidat"),
        "mission": mission(),
        "retenu": retenu,
        "motivation": "Un parcours solide en recherche utilisateur.\nUne vraie curiosité "
                      "pour le sujet & l'équipe." if retenu else
                      "Votre entretien de mission a atteint le seuil de chacun des critères "
                      "du recrutement. La DINUM et l'administration ont retenu une autre "
                      "candidature.",
        "contrat": {
            "cadre": "cadre adaptable",
            "type_libelle": "Convention de partenariat",
            "net_mensuel": Decimal("3400"),
            "taux_variable": Decimal("0.06"),
            "duree_mois": 12,
            "quotite_libelle": "4/5 (80 %)",
            "a_confirmer": ["coût employeur estimé à 1,85 fois la rémunération nette "
                            "(charges et cotisations)"],
            "indicatif": True,
        } if retenu else None,
        "programme": programme(),
    }


def mission_decision_admin(retenu: bool = True) -> dict[str, Any]:
    return {
        "contact": hearing_person("administration"),
        "mission": mission(),
        "retenu": {"name": "Camille Martin", "specialite": "designer"} if retenu else None,
        "motivation": "Un parcours solide en recherche utilisateur.",
        "programme": programme(),
    }


WEEK = date(2026, 12, 14)  # lundi 14 décembre 2026


def missions_digest() -> dict[str, Any]:
    second = mission() | {
        "id": 15, "titre": "Un guichet unique pour les aides agricoles",
        "administration": "Ministère de l'Agriculture", "projet": "Aides & territoires",
        "profils": ["ingénieur·e de la donnée"], "quotite": "temps plein",
        "debut": date(2027, 1, 4), "localisation": "", "thematique": ""}
    return {
        "semaine": WEEK,
        "missions": [
            mission() | {
                "statut": "entretiens en cours",
                "shortlist": [
                    {"dossier": 57, "name": "Camille Martin", "score": 72.5,
                     "raisons": ["spécialité recherchée (designer)",
                                 "souhaite la thématique Économie",
                                 "souhaite travailler à Paris"]},
                    {"dossier": 61, "name": "Karim Benali", "score": 55.0,
                     "raisons": ["spécialité voisine (développeur·se, famille technique)"]},
                ],
                "entretiens": 2,
                "jours_ouverts": 9,
            },
            second | {"statut": "recherche dans le vivier", "shortlist": [], "entretiens": 0,
                      "jours_ouverts": 1},
        ],
        "programme": programme(),
    }


def alert(kind: str = "awaiting") -> dict[str, Any]:
    """An alert to the team (flows/notify.py): a committee waiting for its approval."""
    run_id = "0b8f5a52-3c1e-4d7e-9a53-2f1d0c4b6e11"
    waiting = {"label": "Comité projets du mardi 1er décembre 2026",
               "phrase": "le comité projets du mardi 1er décembre 2026", "proposals": 3,
               "by_decision": [{"label": "lauréats", "count": 2}, {"label": "refus", "count": 1}],
               "pending": 1} if kind in ("awaiting", "reminder") else None
    return {
        "kind": kind,
        "run": {"id": run_id, "name": "spicy-kelpie", "flow": "deliberate",
                "deployment": "deliberate-projets",
                "state": "Suspended" if waiting else "Failed",
                "message": "" if waiting else "Flow run encountered an exception: KeyError",
                "started": NOW, "minutes": 12,
                "link": f"http://127.0.0.1:4200/runs/flow-run/{run_id}"},
        "expected_minutes": 20.0,
        "approval_hours": 72.0,
        "waiting": waiting,
        "programme": programme(),
    }


REPORT_DAY = datetime(2026, 12, 14, 6, 0, tzinfo=UTC)  # lundi 14 décembre 2026, 7 h à Paris


def pipeline_report(late: bool = True) -> dict[str, Any]:
    """The Monday report to the team (flows/pipeline_report.py)."""
    def step(parcours: str, etape: str, delai: str, done: str, within: str, p50: str,
             p90: str, waiting: str, retard: str) -> dict[str, str]:
        return {"Parcours": parcours, "Étape": etape, "Délai promis": delai,
                "Franchie par": done, "Dans le délai": within, "Médiane": p50, "90 % en": p90,
                "95 % en": p90, "Max": p90, "En attente": waiting, "En retard": retard}

    retards = [
        {"Parcours": "Projets", "Dossier": "n° 1042", "Attend": "Soutenance",
         "Depuis": "23,5 j", "Délai promis": "14 jours", "Retard": "9,5 j"},
        {"Parcours": "Candidatures", "Dossier": "n° 2207", "Attend": "Évaluation",
         "Depuis": "24,0 j", "Délai promis": "21 jours", "Retard": "3,0 j"},
    ] if late else []
    return {
        "jour": REPORT_DAY,
        "en_cours": 214,
        "en_retard": len(retards) + (3 if late else 0),
        "etapes": [
            step("Projets", "Présélection (triple évaluation)", "21 jours", "118", "96,6\u00a0%",
                 "12,5 j", "19,8 j", "42", "0"),
            step("Projets", "Soutenance", "14 jours", "37", "81,1\u00a0%", "9,0 j", "16,2 j",
                 "6", "1" if late else "0"),
            step("Projets", "Comité de sélection", "31 jours", "20", "100\u00a0%", "14,0 j",
                 "27,5 j", "11", "0"),
            step("Candidatures", "Évaluation (triple évaluation)", "21 jours", "240",
                 "93,8\u00a0%", "13,0 j", "20,4 j", "96", "4" if late else "0"),
            step("Missions", "Entretien de mission", "21 jours", "0", "—", "—", "—", "2", "0"),
        ],
        "goulot": ("Étape la plus tendue : Projets — Soutenance ; 90\u00a0% des dossiers l'ont "
                   "franchie en 16,2 j pour un délai de 14 jours : elle dépasse son délai."),
        "comites": [
            {"parcours": "Candidatures", "date": datetime(2027, 1, 5, 8, 0, tzinfo=UTC),
             "prets": [], "audition": 12, "evaluations": 96},
            {"parcours": "Projets", "date": datetime(2027, 1, 5, 8, 0, tzinfo=UTC),
             "prets": [1003, 1017, 1042], "audition": 6, "evaluations": 42},
        ],
        "retards": retards,
        "retards_omis": 3 if late else 0,
        "graphiques": ["pipeline-2026-12-14-delais.png (délais cumulés par étape)",
                       "pipeline-2026-12-14-cascade.png (cascade des délais)",
                       "pipeline-2026-12-14-entonnoir.png (entonnoir des étapes)"],
        "programme": programme(),
    }


def jury_reminder() -> dict[str, Any]:
    return {
        "juror": evaluator(),
        "today": TODAY,
        "hearings": [
            {"kind_label": "Soutenance", "dossier": dossier_ref(), "start": HEARING_START,
             "due": SCORES_DUE, "late": True, "link": SCORES_URL},
            {"kind_label": "Entretien métier produit",
             "dossier": dossier_ref(57, "candidature", "Camille Martin, designer"),
             "start": NEW_HEARING_START, "due": datetime(2026, 12, 17, 22, 59, tzinfo=UTC),
             "late": False, "link": SCORES_URL.replace("def456", "ghi789")},
        ],
        "programme": programme(),
    }


def jury_escalation() -> dict[str, Any]:
    return {
        "today": TODAY,
        "late": [
            {"juror": evaluator(), "kind_label": "Soutenance", "dossier": dossier_ref(),
             "start": HEARING_START, "due": SCORES_DUE, "days_late": 2, "reminders": 2},
            {"juror": {"name": "", "email": "karim.benali@exemple.fr"},
             "kind_label": "Entretien de mission",
             "dossier": dossier_ref(57, "candidature", "Camille Martin, designer"),
             "start": NEW_HEARING_START, "due": datetime(2026, 12, 11, 22, 59, tzinfo=UTC),
             "days_late": 5, "reminders": 1},
        ],
        "programme": programme(),
    }


def jury_fix() -> dict[str, Any]:
    return {
        "juror": evaluator(),
        "form": 6203,
        "hearing": {"kind_label": "Soutenance", "start": HEARING_START,
                    "dossier": dossier_ref()},
        "problems": [{"field": "note_sponsoring", "rule": "la note « Poids et qualité du "
                      "sponsoring » (7) est hors de l'échelle 0–5"}],
        "link": SCORES_URL,
        "programme": programme(),
    }


AVAILABILITY_URL = ("https://www.demarches-simplifiees.fr/commencer/disponibilites"
                    "?champ_Q2hhbXAtNTAwMQ%3D%3D=7.abcdefghijklmnopqrstuvwx"
                    "&champ_Q2hhbXAtNTAwMg%3D%3D=elodie.muller%40exemple.gouv.fr")


def availability_request(role: str = "jury", reminder: bool = False) -> dict[str, Any]:
    """A juror asked for the period of 4 to 31 January 2027, or the administration contact
    of mission 12 for its entretiens; ``reminder``: the one reminder (after a bad form)."""
    mission_ = mission() if role == "administration" else None
    return {
        "person": hearing_person(role),
        "role": role,
        "mission": mission_,
        "period": {"first": date(2027, 1, 4), "last": date(2027, 1, 31)}
        if mission_ is None else {"first": date(2026, 12, 7), "last": date(2026, 12, 24)},
        "hours": {"earliest": "8 h 00", "latest": "20 h 00"},
        "link": AVAILABILITY_URL,
        "reminder": reminder,
        "reminder_on": date(2026, 11, 26),
        "problem": {"form": 9012, "reason": "la fin (9 h 00) ne suit pas le début (14 h 00)"}
        if reminder else None,
        "programme": programme(),
    }


EMAILS = {
    "availability_request": availability_request,
    "alert": alert,
    "convention_draft": convention_draft,
    "eval_request": eval_request,
    "eval_reminder": eval_reminder,
    "escalation": escalation,
    "replacement_notice": replacement_notice,
    "no_substitute": no_substitute,
    "decline_ack": decline_ack,
    "evaluation_fix": evaluation_fix,
    "hearing_invitation": hearing_invitation,
    "hearing_cancellation": hearing_cancellation,
    "mission_proposal": mission_proposal,
    "mission_decision": mission_decision,
    "mission_decision_admin": mission_decision_admin,
    "missions_digest": missions_digest,
    "pipeline_report": pipeline_report,
    "jury_reminder": jury_reminder,
    "jury_escalation": jury_escalation,
    "jury_fix": jury_fix,
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


VIVIER_LINK = ("https://www.demarches-simplifiees.fr/commencer/vivier?"
               "champ_Q2hhbXAtNjAwMQ%3D%3D=42&champ_Q2hhbXAtNjAwMg%3D%3D=42.jetonsigne"
               "&champ_Q2hhbXAtNjAwMw%3D%3D=true")


def vivier_form(outcome: str, **extra: Any) -> dict[str, Any]:
    """The DS message answering a form « Ma situation dans le vivier »."""
    base: dict[str, Any] = {"outcome": outcome, "form": 864, "answered_on": TODAY,
                            "programme": programme()}
    if outcome == "updated":
        base["changes"] = [{"label": "Date de disponibilité", "value": "lundi 1er mars 2027"},
                           {"label": "Thématiques souhaitées", "value": "santé, justice"}]
    elif outcome == "withdrawn":
        base["kept_for"] = "2 ans"
    else:
        base |= {"field": "Date de disponibilité", "rule": "date passée (le lundi 7 décembre "
                 "2026, pour un formulaire du mercredi 16 décembre 2026) : une date à venir "
                 "est attendue", "vivier_link": VIVIER_LINK}
    return base | extra


def vivier_form_variants() -> list[dict[str, Any]]:
    return [vivier_form("updated"), vivier_form("updated", changes=[]),
            vivier_form("withdrawn"), vivier_form("invalid"),
            vivier_form("invalid", field="Jeton du vivier", vivier_link=None,
                        rule="jeton absent ou modifié : il n'a pas été émis pour la "
                        "candidature n° 43")]


MISSION_MESSAGE_EVENTS = ("ouverte", "a_corriger", "candidats", "retenu")


def mission_message(event: str) -> dict[str, Any]:
    """The DS message to the administration that filed a mission
    (``messages/mission.txt.j2``, flows/mission_dossiers.py)."""
    from models.mission_dossier import CandidateLine

    context = {"id": 3, "titre": "Données ouvertes des transports", "debut": date(2027, 3, 1),
               "profils": ["designer", "développeur·se"], "quotite": "temps plein"}
    heard = CandidateLine("Camille Martin", 2041, "propose",
                          datetime(2027, 1, 12, 9, 30, tzinfo=UTC))
    other = CandidateLine("Lucas Bernard", 2057, "propose", None)
    return {"event": event, "programme": programme(), "mission": context,
            "probleme": "le champ « Numéro du dossier du projet lauréat » attend : projet "
                        "lauréat du programme ; le dossier 77 n'est pas un projet lauréat",
            "candidats": [heard, other], "personne": heard}
