"""Turn a DS dossier payload into the values of a store row (pure; no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any


def parse_ds_datetime(value: str | None) -> datetime | None:
    """DS sends ISO 8601 with an offset; the store keeps UTC."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def applicant_of(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The demandeur (person or organisation) and the account's email."""
    demandeur = dict(raw.get("demandeur") or {})
    kind = demandeur.pop("__typename", None)
    applicant = {k: v for k, v in demandeur.items() if v is not None}
    applicant["kind"] = {"PersonnePhysique": "personne_physique",
                         "PersonneMorale": "personne_morale"}.get(kind or "", kind)
    usager = raw.get("usager") or {}
    if usager.get("email"):
        applicant["usager_email"] = usager["email"]
    return applicant


def label_names(raw: Mapping[str, Any]) -> list[str]:
    return sorted(label["name"] for label in raw.get("labels") or [])


def dossier_values(raw: Mapping[str, Any], demarche_number: int) -> dict[str, Any]:
    """Store columns from a DossierFields payload (mapping to our fields is separate)."""
    return {
        "ds_id": raw["id"],
        "number": int(raw["number"]),
        "demarche_number": demarche_number,
        "state": raw["state"],
        "archived": bool(raw.get("archived")),
        "date_depot": parse_ds_datetime(raw.get("dateDepot")),
        "ds_updated_at": parse_ds_datetime(raw.get("dateDerniereModification")),
        "champs_updated_at": parse_ds_datetime(raw.get("dateDerniereModificationChamps")),
        "date_passage_en_instruction": parse_ds_datetime(raw.get("datePassageEnInstruction")),
        "date_traitement": parse_ds_datetime(raw.get("dateTraitement")),
        "applicant": applicant_of(raw),
        "groupe_instructeur": raw.get("groupeInstructeur"),
        "labels": label_names(raw),
        "champs": list(raw.get("champs") or []),
        "annotations": list(raw.get("annotations") or []),
    }
