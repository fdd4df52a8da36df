"""Build the JSON-ready objects GraphQL resolves from: dossiers, démarches, descriptors.

Dossier payloads are built lazily from the compact records and kept in an LRU cache
keyed by (number, version, active revision), so a write or a new revision is seen
at once and nothing is ever deep-copied. Callers hold ``state.lock``.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import date, datetime
from typing import Any

from ds_sandbox.content import content_of
from ds_sandbox.demarches import INSTRUCTEUR, Descriptor, typed_id
from ds_sandbox.state import (
    DemarcheRecord,
    DossierRecord,
    GroupeRecord,
    MessageRecord,
    Revision,
    SandboxState,
    Tombstone,
)
from ds_sandbox.timeutil import format_us

CHAMP_TYPENAMES: dict[str, str] = {
    "TextChampDescriptor": "TextChamp",
    "TextareaChampDescriptor": "TextChamp",  # DS returns email and textarea as TextChamp
    "EmailChampDescriptor": "TextChamp",
    "IntegerNumberChampDescriptor": "IntegerNumberChamp",
    "DecimalNumberChampDescriptor": "DecimalNumberChamp",
    "DateChampDescriptor": "DateChamp",
    "DatetimeChampDescriptor": "DatetimeChamp",
    "YesNoChampDescriptor": "YesNoChamp",
    "CheckboxChampDescriptor": "CheckboxChamp",
    "DropDownListChampDescriptor": "DropDownListChamp",
    "MultipleDropDownListChampDescriptor": "MultipleDropDownListChamp",
    "RepetitionChampDescriptor": "RepetitionChamp",
}
INSTRUCTEUR_EMAIL = INSTRUCTEUR.email
_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _integer(value: Any) -> int | None:
    try:
        return None if value is None or isinstance(value, list) else int(value)
    except (TypeError, ValueError):
        return None


def _decimal(value: Any) -> float | None:
    try:
        return None if value is None or isinstance(value, list) else float(value)
    except (TypeError, ValueError):
        return None


def _date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _choices(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [str(value)]


def champ_payload(descriptor: Descriptor, value: Any, champ_id: str, updated: str,
                  row_prefix: str = "") -> dict[str, Any]:
    """One champ as DS returns it: the value is coerced to the descriptor's current type."""
    typename = CHAMP_TYPENAMES.get(descriptor.typename, "TextChamp")
    payload: dict[str, Any] = {
        "__typename": typename, "id": champ_id, "champDescriptorId": descriptor.id,
        "label": descriptor.label, "prefilled": False, "updatedAt": updated,
    }
    if typename == "TextChamp" or typename == "DropDownListChamp":
        text = _text(value)
        payload["value"] = text
        payload["stringValue"] = text or ""
    elif typename == "IntegerNumberChamp":
        number = _integer(value)
        payload["value"] = None if number is None else str(number)  # BigInt is a string
        payload["stringValue"] = payload["value"] or ""
    elif typename == "DecimalNumberChamp":
        decimal = _decimal(value)
        payload["value"] = decimal
        payload["stringValue"] = "" if decimal is None else str(decimal)
    elif typename == "CheckboxChamp" or typename == "YesNoChamp":
        flag = None if value is None else bool(value)
        payload["value"] = bool(flag) if typename == "CheckboxChamp" else flag
        payload["stringValue"] = "" if flag is None else ("Oui" if flag else "Non")
    elif typename == "DateChamp":
        day = _date(value)
        payload["date"] = None if day is None else day.isoformat()
        payload["stringValue"] = (
            "" if day is None else f"{day.day} {_MONTHS[day.month - 1]} {day.year}")
    elif typename == "DatetimeChamp":
        moment = value.isoformat() if isinstance(value, datetime) else _text(value)
        payload["datetime"] = moment
        payload["stringValue"] = moment or ""
    elif typename == "MultipleDropDownListChamp":
        values = _choices(value)
        payload["values"] = values
        payload["stringValue"] = ", ".join(values)
    else:  # RepetitionChamp
        rows = []
        for index, row in enumerate(value if isinstance(value, list) else []):
            row_key = f"{row_prefix}{index + 1}"
            champs = [
                champ_payload(child, row.get(child.key, row.get(child.id)),
                              typed_id("Champ", f"{child.n}|{row_key}"), updated)
                for child in descriptor.children
            ]
            rows.append({"id": typed_id("Row", row_key), "champs": champs})
        payload["rows"] = rows
        payload["stringValue"] = ""
    return payload


def descriptor_payload(descriptor: Descriptor) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "__typename": descriptor.typename, "id": descriptor.id, "label": descriptor.label,
        "description": None, "required": descriptor.required,
    }
    if descriptor.typename in ("DropDownListChampDescriptor",
                               "MultipleDropDownListChampDescriptor"):
        payload["options"] = list(descriptor.options or ())
        payload["otherOption"] = False
    if descriptor.typename == "RepetitionChampDescriptor":
        payload["champDescriptors"] = [descriptor_payload(c) for c in descriptor.children]
    return payload


class PayloadBuilder:
    """Dossier, démarche and deletion payloads, cached; call with ``state.lock`` held."""

    def __init__(self, state: SandboxState, cache_size: int = 5_000,
                 microseconds: bool = False) -> None:
        self.state = state
        self.cache_size = cache_size
        self.microseconds = microseconds
        self._dossiers: OrderedDict[tuple[int, int, str], dict[str, Any]] = OrderedDict()
        self._revisions: dict[str, dict[str, Any]] = {}
        self._descriptors: dict[str, dict[str, Any]] = {}
        self._groupes: dict[int, dict[str, Any]] = {}  # by groupe number

    def time(self, us: int | None) -> str | None:
        return None if us is None else format_us(us, self.microseconds)

    def revision(self, revision: Revision) -> dict[str, Any]:
        payload = self._revisions.get(revision.id)
        if payload is None:
            payload = {
                "id": revision.id,
                "dateCreation": self.time(revision.created_at),
                "datePublication": self.time(revision.published_at),
                "champDescriptors": [descriptor_payload(d) for d in revision.champs],
                "annotationDescriptors": [descriptor_payload(d) for d in revision.annotations],
            }
            self._revisions[revision.id] = payload
        return payload

    def groupe(self, groupe: GroupeRecord) -> dict[str, Any]:
        payload = self._groupes.get(groupe.number)
        if payload is None:
            payload = self._groupes[groupe.number] = {
                "id": groupe.id,
                "number": groupe.number,
                "label": groupe.label,
                "closed": groupe.closed,
                "instructeurs": [{"id": i.id, "email": i.email} for i in groupe.instructeurs],
            }
        return payload

    def file(self, key: str | None) -> dict[str, Any] | None:
        """A DS File for an uploaded blob."""
        blob = None if key is None else self.state.blobs.by_key(key)
        if blob is None:
            return None
        return {"filename": blob.filename, "contentType": blob.content_type,
                "byteSizeBigInt": str(blob.byte_size), "byteSize": blob.byte_size,
                "checksum": blob.checksum, "createdAt": self.time(blob.created_at),
                "url": blob.url, "virusScanResult": "safe"}

    def message(self, message: MessageRecord) -> dict[str, Any]:
        attachment = self.file(message.attachment)
        return {"id": message.id, "body": message.body, "email": message.email,
                "createdAt": self.time(message.created_at), "discardedAt": None,
                "attachments": [attachment] if attachment else []}

    def demarche(self, demarche: DemarcheRecord) -> dict[str, Any]:
        """Query.demarche's object; its dossier streams have their own resolvers."""
        active = demarche.active_revision
        return {
            "_number": demarche.number,
            "id": demarche.id,
            "number": demarche.number,
            "title": demarche.spec.title,
            "description": demarche.spec.description,
            "state": demarche.state,
            "dateCreation": self.time(demarche.created_at),
            "datePublication": self.time(demarche.created_at),
            "dateDerniereModification": self.time(active.created_at),
            "activeRevision": self.revision(active),
            "publishedRevision": self.revision(active),
            "revisions": [self.revision(r) for r in demarche.revisions],
            "labels": [{"id": label.id, "name": label.name, "color": label.color}
                       for label in demarche.labels.values()],
            "groupeInstructeurs": [self.groupe(g) for g in demarche.groupes.values()],
        }

    def descriptor_of(self, demarche: DemarcheRecord) -> dict[str, Any]:
        """Dossier.demarche (a DemarcheDescriptor), one per active revision."""
        active = demarche.active_revision
        payload = self._descriptors.get(active.id)
        if payload is None:
            payload = self.demarche(demarche)
            payload["revision"] = payload["activeRevision"]
            self._descriptors[active.id] = payload
        return payload

    def dossier(self, record: DossierRecord) -> dict[str, Any]:
        demarche = self.state.demarches[record.demarche]
        revision = demarche.active_revision
        key = (record.number, record.version, revision.id)
        cached = self._dossiers.get(key)
        if cached is not None:
            self._dossiers.move_to_end(key)
            return cached
        payload = self._build(record, demarche, revision)
        self._dossiers[key] = payload
        if len(self._dossiers) > self.cache_size:
            self._dossiers.popitem(last=False)
        return payload

    def _build(self, record: DossierRecord, demarche: DemarcheRecord,
               revision: Revision) -> dict[str, Any]:
        content = content_of(demarche.spec.key, record.seed, record.date_depot, record.ref,
                             record.ref_track)
        # a prefilled dossier holds only what was prefilled and submitted
        generated = {} if record.prefilled else content.values
        overrides = record.overrides or {}
        depot = self.time(record.date_depot)
        assert depot is not None

        def champs(descriptors: tuple[Descriptor, ...]) -> list[dict[str, Any]]:
            built = []
            for descriptor in descriptors:
                if descriptor.id in overrides:
                    value, stamp = overrides[descriptor.id]
                    updated = self.time(stamp) or depot
                else:
                    value, updated = generated.get(descriptor.key), depot
                built.append(champ_payload(descriptor, value, descriptor.id, updated,
                                           f"{record.number}-{descriptor.n}-"))
            return built

        labels = demarche.labels
        demandeur = {"id": typed_id("Individual" if content.demandeur["__typename"]
                                    == "PersonnePhysique" else "Etablissement", record.number),
                     **content.demandeur}
        return {
            "id": typed_id("Dossier", record.number),
            "number": record.number,
            "state": record.state,
            "archived": record.archived,
            "prefilled": record.prefilled,
            "motivation": record.motivation,
            "motivationAttachment": self.file(record.justificatif),
            "dateDepot": depot,
            "datePassageEnConstruction": depot,
            "dateDerniereModification": self.time(record.updated_at),
            "dateDerniereModificationChamps": self.time(record.champs_at),
            "dateDerniereModificationAnnotations": self.time(
                record.champs_at if record.annotations_at is None else record.annotations_at),
            "datePassageEnInstruction": self.time(record.en_instruction_at),
            "dateTraitement": self.time(record.traite_at),
            "usager": {"id": typed_id("User", record.seed),
                       "email": record.usager_email or content.usager_email},
            "demandeur": demandeur,
            "groupeInstructeur": self.groupe(demarche.groupe_of(record)),
            "messages": [self.message(m) for m in record.messages],
            "labels": [{"id": labels[name].id, "name": name, "color": labels[name].color}
                       for name in record.labels],
            "champs": champs(revision.champs),
            "annotations": champs(revision.annotations),
            "demarche": self.descriptor_of(demarche),
        }

    def hidden(self, record: DossierRecord) -> dict[str, Any]:
        return {"id": typed_id("DeletedDossier", record.number), "number": record.number,
                "state": record.state, "reason": record.hidden_reason or "user_request",
                "dateSupression": self.time(record.hidden_at)}

    def tombstone(self, tombstone: Tombstone) -> dict[str, Any]:
        return {"id": typed_id("DeletedDossier", tombstone.number), "number": tombstone.number,
                "state": tombstone.state, "reason": tombstone.reason,
                "dateSupression": self.time(tombstone.deleted_at)}

    def clear(self) -> None:
        self._dossiers.clear()
        self._revisions.clear()
        self._descriptors.clear()
        self._groupes.clear()
