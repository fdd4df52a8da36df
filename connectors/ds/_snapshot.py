"""What a dossier looks like in DS right now, read before a mutation is (re-)sent.

DS does not de-duplicate mutations (`clientMutationId` is only echoed), and a mutation
whose answer was lost may or may not have been applied. The delivery runner therefore
reads this snapshot first and sends only what is not already true: the label is there,
the message was posted, the annotation holds the value, the dossier is in the state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ._annotations import AnnotationValue
from ._documents import load_document
from ._error_mapping import describe_operation
from ._exceptions import DSNotFoundError
from ._pages import GraphQLExecutor

# The alias (see queries/fragments.graphql, ChampFields) holding each champ type's value.
_VALUE_ALIAS = {
    "TextChamp": "text",
    "IntegerNumberChamp": "integerNumber",
    "DecimalNumberChamp": "decimalNumber",
    "CheckboxChamp": "checked",
    "YesNoChamp": "yesNo",
    "DateChamp": "date",
    "DatetimeChamp": "datetime",
    "DropDownListChamp": "choice",
    "MultipleDropDownListChamp": "choices",
    "RepetitionChamp": "rows",
}


@dataclass(frozen=True)
class SnapshotAnnotation:
    """One private annotation: `value` is the typed value (str, int, float, bool, ISO
    date string, list of choices, rows...) by champ type; `string_value` DS's text form."""

    id: str
    champ_descriptor_id: str
    typename: str
    label: str | None
    string_value: str | None
    value: Any

    def holds(self, wanted: AnnotationValue) -> bool:
        """Whether DS already has `wanted` here. Always False for `repetition`, which adds
        rows: re-sending it is never a no-op."""
        current, kind, value = self.value, wanted.kind, wanted.value
        if current is None:
            return False
        if kind in ("text", "textarea", "email", "dropDownList"):
            return str(current) == value
        if kind in ("checkbox", "yesNo"):
            return current is value
        if kind == "integerNumber":
            return _as_int(current) == value
        if kind == "decimalNumber":
            return isinstance(current, int | float) and math.isclose(current, value)
        if kind == "date":
            return str(current) == value.isoformat()
        if kind == "datetime":
            return _as_datetime(current) == value
        if kind == "multipleDropDownList":  # DS may keep the choices in another order
            return isinstance(current, list) and sorted(current) == sorted(value)
        return False  # repetition: it adds rows, so it is never already there


@dataclass(frozen=True)
class SnapshotMessage:
    id: str
    body: str
    email: str | None
    created_at: str | None
    attachments: tuple[str, ...]  # file names


@dataclass(frozen=True)
class DossierSnapshot:
    id: str
    number: int
    state: str
    demarche_number: int
    groupe_instructeur_id: str
    groupe_instructeur_number: int
    labels: dict[str, str]  # name → id
    messages: tuple[SnapshotMessage, ...]
    annotations: dict[str, SnapshotAnnotation]  # champDescriptorId → annotation
    motivation: str | None = None
    date_traitement: str | None = None
    date_passage_en_instruction: str | None = None

    def has_label(self, name: str) -> bool:
        return name in self.labels

    def has_message(self, body: str, email: str | None = None) -> bool:
        """Whether a message with this body (whitespace-normalised: DS may re-wrap lines)
        is in the messagerie, from `email` when given."""
        wanted = _normalised(body)
        return any(
            _normalised(message.body) == wanted
            and (email is None or (message.email or "").casefold() == email.casefold())
            for message in self.messages
        )

    def annotation(self, annotation_id: str) -> SnapshotAnnotation | None:
        """By champDescriptor id (a root annotation's champ id is that id too)."""
        found = self.annotations.get(annotation_id)
        if found is not None:
            return found
        return next((a for a in self.annotations.values() if a.id == annotation_id), None)

    def pending_annotations(self, values: list[AnnotationValue]) -> list[AnnotationValue]:
        """The values DS does not hold yet: what is left to send after a lost answer."""
        pending = []
        for value in values:
            current = self.annotation(value.annotation_id)
            if current is None or not current.holds(value):
                pending.append(value)
        return pending


def fetch_dossier_snapshot(client: GraphQLExecutor, number: int) -> DossierSnapshot:
    """The dossier's id, state, groupe instructeur, labels, messages and annotations
    (`dossier_snapshot.graphql`). `DSNotFoundError` when DS answers no dossier."""
    variables = {"number": number}
    dossier = client.execute("dossier_snapshot", variables).get("dossier")
    if not isinstance(dossier, dict):
        context = describe_operation(load_document("dossier_snapshot").operation_name, variables)
        raise DSNotFoundError(
            f"{context}: DS answered no dossier: it was deleted or never existed", errors=[]
        )
    return parse_dossier_snapshot(dossier)


def parse_dossier_snapshot(dossier: dict[str, Any]) -> DossierSnapshot:
    """A `DossierSnapshot` from the `dossier` of a DossierSnapshot answer."""
    groupe = dossier.get("groupeInstructeur") or {}
    annotations = [_annotation(champ) for champ in dossier.get("annotations") or []]
    return DossierSnapshot(
        id=str(dossier["id"]),
        number=int(dossier["number"]),
        state=str(dossier["state"]),
        demarche_number=int((dossier.get("demarche") or {})["number"]),
        groupe_instructeur_id=str(groupe["id"]),
        groupe_instructeur_number=int(groupe["number"]),
        labels={str(label["name"]): str(label["id"]) for label in dossier.get("labels") or []},
        messages=tuple(_message(message) for message in dossier.get("messages") or []),
        annotations={a.champ_descriptor_id: a for a in annotations},
        motivation=dossier.get("motivation"),
        date_traitement=dossier.get("dateTraitement"),
        date_passage_en_instruction=dossier.get("datePassageEnInstruction"),
    )


def demarche_labels(client: GraphQLExecutor, demarche_number: int) -> dict[str, str]:
    """The démarche's labels, name → id (`dossierAjouterLabel` takes the id)."""
    variables = {"number": demarche_number}
    demarche = client.execute("demarche_labels", variables).get("demarche")
    if not isinstance(demarche, dict):
        context = describe_operation(load_document("demarche_labels").operation_name, variables)
        raise DSNotFoundError(f"{context}: DS answered no démarche: check the number", errors=[])
    return {str(label["name"]): str(label["id"]) for label in demarche.get("labels") or []}


def _annotation(champ: dict[str, Any]) -> SnapshotAnnotation:
    typename = str(champ.get("__typename", ""))
    alias = _VALUE_ALIAS.get(typename)
    return SnapshotAnnotation(
        id=str(champ["id"]),
        champ_descriptor_id=str(champ.get("champDescriptorId") or champ["id"]),
        typename=typename,
        label=champ.get("label"),
        string_value=champ.get("stringValue"),
        value=champ.get(alias) if alias else None,
    )


def _message(message: dict[str, Any]) -> SnapshotMessage:
    return SnapshotMessage(
        id=str(message["id"]),
        body=str(message.get("body") or ""),
        email=message.get("email"),
        created_at=message.get("createdAt"),
        attachments=tuple(str(f.get("filename")) for f in message.get("attachments") or []),
    )


def _normalised(text: str) -> str:
    return " ".join(text.split())


def _as_int(value: Any) -> int | None:
    try:  # DS's BigInt comes as a string
        return int(value)
    except (TypeError, ValueError):
        return None


def _as_datetime(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None
