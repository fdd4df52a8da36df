"""What an evaluator is told about a dossier (pure): its brief, its essentials, and the
printable rendering of the whole dossier when DS gives no PDF.

Values come from the applicant and go into emails and documents: the templates escape
them; here they stay plain text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

ESSENTIALS: dict[str, list[tuple[str, str]]] = {
    "projets": [
        ("administration", "Administration porteuse"),
        ("ministere", "Ministère de rattachement"),
        ("theme", "Thématique"),
        ("porteur", "Porteur du projet"),
        ("sponsor", "Sponsor"),
        ("nombre_eig", "Nombre d'EIG souhaités"),
        ("profils", "Profils recherchés"),
        ("localisation", "Lieu de la mission"),
        ("description", "Description du défi"),
    ],
    "candidats": [
        ("specialite", "Spécialité"),
        ("annees_experience", "Années d'expérience"),
        ("employeur", "Employeur actuel ou dernier employeur"),
        ("portfolio", "Portfolio, dépôt de code ou profil"),
        ("voeux_thematiques", "Thématiques souhaitées"),
        ("voeux_localisations", "Localisations souhaitées"),
        ("disponibilite", "Date de disponibilité"),
        ("quotite", "Quotité souhaitée"),
        ("motivation", "Motivation"),
    ],
}
EXCERPT = 1200  # characters of a long answer shown in the email (the PDF has it all)
STATE_LABELS = {
    "en_construction": "En construction", "en_instruction": "En instruction",
    "accepte": "Accepté", "refuse": "Refusé", "sans_suite": "Classé sans suite",
}
_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre")


def kind_of(track: str) -> str:
    return "projet" if track == "projets" else "candidature"


def as_text(value: Any) -> str:
    """A mapped champ value as a person reads it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, datetime | date):
        day = value.date() if isinstance(value, datetime) else value
        return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"
    if isinstance(value, list | tuple):
        return ", ".join(as_text(v) for v in value if v is not None)
    if isinstance(value, str) and len(value) == 10 and value[4:5] == "-" and value[7:8] == "-":
        try:
            return as_text(date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def applicant_name(applicant: Mapping[str, Any]) -> str:
    name = " ".join(p for p in (applicant.get("prenom"), applicant.get("nom")) if p)
    return name or applicant.get("raison_sociale") or applicant.get("email") or ""


def porteur_name(porteur: str) -> str:
    """The person's name in a « nom et fonction » champ (``Danielle Léger, cheffe de
    projet``): what comes before the first comma, for a greeting or an address."""
    return porteur.split(",", 1)[0].strip()


def dossier_brief(track: str, number: int, fields: Mapping[str, Any],
                  applicant: Mapping[str, Any]) -> dict[str, Any]:
    """Number, kind and a one-line title: the challenge, or the candidate and specialty."""
    if track == "projets":
        title = fields.get("intitule") or fields.get("administration") or f"Projet n°{number}"
        if fields.get("administration") and fields.get("intitule"):
            title = f"{fields['intitule']} ({fields['administration']})"
    else:
        who = applicant_name(applicant) or f"Candidature n°{number}"
        title = f"{who}, {fields['specialite']}" if fields.get("specialite") else who
    return {"number": number, "kind": kind_of(track), "title": str(title)}


def dossier_essentials(track: str, fields: Mapping[str, Any],
                       applicant: Mapping[str, Any]) -> list[dict[str, str]]:
    """The key facts and answers shown in the task email, long answers shortened."""
    items = []
    if track == "candidats" and applicant_name(applicant):
        items.append({"label": "Candidat·e", "value": applicant_name(applicant)})
    for key, label in ESSENTIALS.get(track, []):
        text = as_text(fields.get(key)).strip()
        if not text:
            continue
        if len(text) > EXCERPT:
            text = text[:EXCERPT].rsplit(" ", 1)[0] + " […] (suite dans le PDF joint)"
        items.append({"label": label, "value": text})
    return items


def _champ_value(champ: Mapping[str, Any]) -> Any:
    if "rows" in champ:
        return [{c.get("label", ""): c.get("stringValue") or "" for c in row.get("champs", [])}
                for row in champ.get("rows") or []]
    return champ.get("stringValue") or ""


def dossier_document(track: str, number: int, demarche_title: str, state: str,
                     date_depot: datetime | None, champs: Sequence[Mapping[str, Any]],
                     applicant: Mapping[str, Any], fields: Mapping[str, Any],
                     generated_at: datetime) -> dict[str, Any]:
    """The context of ``templates/documents/dossier.html.j2``: every champ, as DS labels it."""
    people = [(label, applicant.get(key)) for key, label in (
        ("civilite", "Civilité"), ("prenom", "Prénom"), ("nom", "Nom"),
        ("raison_sociale", "Raison sociale"), ("siret", "SIRET"), ("email", "Courriel"))]
    brief = dossier_brief(track, number, fields, applicant)
    return {
        "dossier": {
            **brief, "demarche_title": demarche_title,
            "state_label": STATE_LABELS.get(state, state), "date_depot": date_depot,
            "applicant": [{"label": label, "value": str(value)} for label, value in people
                          if value],
            "sections": [{"label": c.get("label", ""), "value": _champ_value(c)}
                         for c in champs],
        },
        "generated_at": generated_at,
    }
