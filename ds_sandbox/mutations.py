"""DS's mutations with DS's rules, and the log of what the sandbox received and applied.

The rules follow DS's ``app/graphql/mutations`` (January 2026), in DS's order:

1. a read-only token gets a payload error on every mutation;
2. a ``justificatif`` / ``attachment`` must be the signedBlobId of a blob whose upload
   succeeded (see uploads.py);
3. the dossier, instructeur and label ids are loaded: an unknown id is a top-level
   GraphQL error and a null payload (graphql-ruby's ``loads:``);
4. the state machine (passer en instruction only from en_construction; accepter,
   refuser, classer sans suite only from en_instruction), then the instructeur must be
   in the dossier's groupe instructeur (not for labels nor createDirectUpload);
5. ``dossierModifierAnnotations`` is not transactional: each annotation is applied or
   refused on its own (unknown id, value key not matching the descriptor's type, value
   not among a drop-down's options).

Every applied dossier mutation bumps ``updated_at``, except the labels (as in DS).
Resolvers run under graphql-core's executor (mutations are rare; queries stay fast).
"""

from __future__ import annotations

import base64
import binascii
import copy
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from graphql import GraphQLError, GraphQLResolveInfo

from ds_sandbox.demarches import INSTRUCTEURS, Descriptor, Instructeur
from ds_sandbox.state import DemarcheRecord, DossierRecord, LabelRecord, UnknownDossier

READ_ONLY_MESSAGE = "Le jeton utilisé est configuré seulement en lecture"
NOT_IN_GROUPE_MESSAGE = "L’instructeur n’a pas les droits d’accès à ce dossier"
MOTIVATION_MESSAGE = "La motivation est obligatoire"
EMPTY_BODY_MESSAGE = "Le message ne peut pas être vide"
STATE_LABELS = {"en_construction": "en construction", "en_instruction": "en instruction",
                "accepte": "accepté", "refuse": "refusé", "sans_suite": "classé sans suite"}
# AnnotationValueInput key → the descriptor typename it fits
VALUE_KEYS: dict[str, str] = {
    "text": "TextChampDescriptor",
    "textarea": "TextareaChampDescriptor",
    "email": "EmailChampDescriptor",
    "checkbox": "CheckboxChampDescriptor",
    "yesNo": "YesNoChampDescriptor",
    "date": "DateChampDescriptor",
    "datetime": "DatetimeChampDescriptor",
    "integerNumber": "IntegerNumberChampDescriptor",
    "decimalNumber": "DecimalNumberChampDescriptor",
    "dropDownList": "DropDownListChampDescriptor",
    "multipleDropDownList": "MultipleDropDownListChampDescriptor",
    "repetition": "RepetitionChampDescriptor",
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

Outcome = Literal["applied", "partial", "rejected", "error"]
"""applied: everything applied; partial: some annotations applied, others refused;
rejected: payload errors, nothing applied; error: top-level GraphQL error (unknown id)."""


@dataclass(frozen=True, slots=True)
class MutationEntry:
    seq: int
    name: str  # the mutation field, e.g. "dossierAccepter"
    dossier: int | None  # the dossier number, when the dossierId was known
    input: dict[str, Any]  # as received (after GraphQL coercion)
    outcome: Outcome
    errors: tuple[str, ...] = ()
    applied: dict[str, Any] = field(default_factory=dict)  # what changed, per mutation
    token: str | None = None
    operation: str | None = None  # the request's operationName

    def to_json(self) -> dict[str, Any]:
        entry = asdict(self)
        entry["errors"] = list(self.errors)
        return entry


class MutationLog:
    """Thread-safe record of every mutation the sandbox executed (``sandbox.mutations``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[MutationEntry] = []

    def record(self, **fields: Any) -> MutationEntry:
        with self._lock:
            entry = MutationEntry(seq=len(self._entries) + 1, **fields)
            self._entries.append(entry)
            return entry

    def entries(self, name: str | None = None, dossier: int | None = None,
                outcome: str | None = None) -> list[MutationEntry]:
        with self._lock:
            return [e for e in self._entries
                    if (name is None or e.name == name)
                    and (dossier is None or e.dossier == dossier)
                    and (outcome is None or e.outcome == outcome)]

    def count(self, name: str | None = None, dossier: int | None = None,
              outcome: str | None = None) -> int:
        return len(self.entries(name, dossier, outcome))

    def applied(self, name: str | None = None, dossier: int | None = None) -> int:
        """Mutations that changed something (applied, or annotations partially applied)."""
        return sum(1 for e in self.entries(name, dossier) if e.outcome in ("applied", "partial"))

    def snapshot(self) -> dict[str, Any]:
        entries = self.entries()
        return {"total": len(entries), "mutations": [e.to_json() for e in entries]}

    def reset(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


class _Refused(Exception):
    """Payload errors: the mutation applies nothing."""

    def __init__(self, *messages: str) -> None:
        super().__init__(*messages)
        self.messages = messages


class _NotFound(Exception):
    """An id graphql-ruby's ``loads:`` cannot find: a top-level error."""

    def __init__(self, argument: str, value: Any) -> None:
        super().__init__(f'No object found for `{argument}: "{value}"`')


def decode_typed_id(value: Any, kind: str) -> str | None:
    """``base64("<kind>-<key>")`` → key, or None."""
    if not isinstance(value, str):
        return None
    try:
        decoded = base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    prefix = f"{kind}-"
    return decoded.removeprefix(prefix) if decoded.startswith(prefix) else None


class _Call:
    """One mutation call: loads what it needs from the state; the caller holds the lock."""

    def __init__(self, name: str, info: GraphQLResolveInfo, data: dict[str, Any]) -> None:
        self.name = name
        self.ctx = info.context
        self.state = self.ctx.state
        self.data = data
        self.dossier_number: int | None = None

    def dossier(self) -> tuple[DossierRecord, DemarcheRecord]:
        raw = self.data.get("dossierId")
        key = decode_typed_id(raw, "Dossier")
        try:
            record = self.state.dossier(int(key or ""))
        except (UnknownDossier, ValueError):
            raise _NotFound("dossierId", raw) from None
        self.dossier_number = record.number
        return record, self.state.demarches[record.demarche]

    def instructeur(self) -> Instructeur:
        raw = self.data.get("instructeurId")
        key = decode_typed_id(raw, "Instructeur")
        for instructeur in INSTRUCTEURS:
            if key == str(instructeur.n):
                return instructeur
        raise _NotFound("instructeurId", raw)

    def label(self) -> tuple[LabelRecord, int]:
        raw = self.data.get("labelId")
        for demarche in self.state.demarches.values():
            for label in demarche.labels.values():
                if label.id == raw:
                    return label, demarche.number
        raise _NotFound("labelId", raw)

    def blob_key(self, argument: str) -> str | None:
        """DS's ``validate_blob`` for a justificatif / attachment (before any load)."""
        signed = self.data.get(argument)
        if not signed:
            return None
        blob, error = self.state.blobs.usable(signed)
        if error is not None:
            raise _Refused(error)
        assert blob is not None
        return blob.key

    def authorize(self, record: DossierRecord, demarche: DemarcheRecord,
                  instructeur: Instructeur) -> None:
        if instructeur not in demarche.groupe_of(record).instructeurs:
            raise _Refused(NOT_IN_GROUPE_MESSAGE)


Handler = Callable[[_Call], tuple[dict[str, Any], dict[str, Any]]]


def _state_error(record: DossierRecord) -> _Refused:
    return _Refused(f"Le dossier est déjà {STATE_LABELS[record.state]}")


def _passer_en_instruction(call: _Call) -> tuple[dict[str, Any], dict[str, Any]]:
    record, demarche = call.dossier()
    instructeur = call.instructeur()
    if record.state != "en_construction":
        raise _state_error(record)
    call.authorize(record, demarche, instructeur)
    call.state.decide(record.number, "en_instruction")
    return {"dossier": call.ctx.payloads.dossier(record)}, {"state": "en_instruction"}


def _decision(target: str, motivation_required: bool) -> Handler:
    def handle(call: _Call) -> tuple[dict[str, Any], dict[str, Any]]:
        justificatif = call.blob_key("justificatif")
        record, demarche = call.dossier()
        instructeur = call.instructeur()
        if record.state != "en_instruction":
            raise _state_error(record)
        call.authorize(record, demarche, instructeur)
        motivation = call.data.get("motivation")
        if motivation_required and not (motivation or "").strip():
            raise _Refused(MOTIVATION_MESSAGE)
        call.state.decide(record.number, target, motivation or None, justificatif)
        applied = {"state": target, "motivation": motivation, "justificatif": justificatif}
        return {"dossier": call.ctx.payloads.dossier(record)}, applied
    return handle


def _envoyer_message(call: _Call) -> tuple[dict[str, Any], dict[str, Any]]:
    attachment = call.blob_key("attachment")
    record, demarche = call.dossier()
    instructeur = call.instructeur()
    call.authorize(record, demarche, instructeur)
    body = call.data.get("body") or ""
    if not body.strip() and attachment is None:
        raise _Refused(EMPTY_BODY_MESSAGE)
    message = call.state.add_message(record.number, body, instructeur.email, attachment)
    applied: dict[str, Any] = {"message": message.id, "attachment": attachment}
    if call.data.get("correction") and record.state == "en_instruction":
        # a correction request sends the dossier back to the usager
        call.state.set_state(record.number, "en_construction")
        applied["state"] = "en_construction"
    return {"message": call.ctx.payloads.message(message)}, applied


def _ajouter_label(call: _Call) -> tuple[dict[str, Any], dict[str, Any]]:
    record, demarche = call.dossier()
    label, label_demarche = call.label()
    if label.name in record.labels:
        raise _Refused("Ce label est déjà associé au dossier")
    if label_demarche != demarche.number:
        raise _Refused("Ce label n’appartient pas à la même démarche que le dossier")
    call.state.set_labels(record.number, (*record.labels, label.name))
    payload = {"dossier": call.ctx.payloads.dossier(record), "label": _label(label)}
    return payload, {"label": label.name}


def _supprimer_label(call: _Call) -> tuple[dict[str, Any], dict[str, Any]]:
    record, _demarche = call.dossier()
    label, _ = call.label()
    if label.name not in record.labels:
        raise _Refused("Ce label n’est pas associé au dossier")
    call.state.set_labels(record.number, (n for n in record.labels if n != label.name))
    payload = {"dossier": call.ctx.payloads.dossier(record), "label": _label(label)}
    return payload, {"label": label.name}


def _label(label: LabelRecord) -> dict[str, Any]:
    return {"id": label.id, "name": label.name, "color": label.color}


def _modifier_annotations(call: _Call) -> tuple[dict[str, Any], dict[str, Any]]:
    record, demarche = call.dossier()
    instructeur = call.instructeur()
    call.authorize(record, demarche, instructeur)
    descriptors = {d.id: d for d in demarche.active_revision.annotations}
    values: dict[str, Any] = {}
    errors: list[str] = []
    for item in call.data.get("annotations") or []:
        annotation_id = item["id"]
        descriptor = descriptors.get(annotation_id)
        if descriptor is None or descriptor.typename not in VALUE_KEYS.values():
            errors.append(f"L‘annotation \"{annotation_id}\" n’existe pas")
            continue
        value_input: Mapping[str, Any] = item["value"]
        key, value = next(iter(value_input.items()))
        if VALUE_KEYS.get(key) != descriptor.typename or value is None:
            errors.append(f"L‘annotation \"{annotation_id}\" n’est pas de type attendu")
            continue
        invalid = _invalid(descriptor, value)
        if invalid:
            errors.append(invalid)
            continue
        if key == "repetition":
            rows = values.get(descriptor.id, _current(record, descriptor))
            value = [*(rows if isinstance(rows, list) else []), *({} for _ in range(value))]
        values[descriptor.id] = value
    applied_ids = list(values)
    if applied_ids:
        call.state.write_annotations(record.number, values)
    champs = {c["id"]: c for c in call.ctx.payloads.dossier(record)["annotations"]}
    payload = {"annotations": [champs[i] for i in applied_ids if i in champs],
               "errors": [{"message": m} for m in errors] or None}
    if not applied_ids:
        return payload, {}
    return payload, {"annotations": {i: _jsonable(values[i]) for i in applied_ids}}


def _invalid(descriptor: Descriptor, value: Any) -> str | None:
    """DS's champ validation (``champs_private_value``), for what the sandbox models."""
    if descriptor.typename == "DropDownListChampDescriptor" and value not in (
            descriptor.options or ()) and value != "":
        return f"« {descriptor.label} » doit être une des options proposées"
    if descriptor.typename == "MultipleDropDownListChampDescriptor":
        unknown = [v for v in value if v not in (descriptor.options or ())]
        if unknown:
            return f"« {descriptor.label} » doit être une des options proposées"
    if descriptor.typename == "EmailChampDescriptor" and value and not _EMAIL.match(value):
        return f"« {descriptor.label} » n’est pas valide"
    if descriptor.typename == "RepetitionChampDescriptor" and value < 0:
        return f"« {descriptor.label} » n’est pas valide"
    return None


def _current(record: DossierRecord, descriptor: Descriptor) -> Any:
    overrides = record.overrides or {}
    if descriptor.id in overrides:
        return copy.deepcopy(overrides[descriptor.id][0])
    return []


def _jsonable(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool | list | type(None)) else str(value)


def _create_direct_upload(call: _Call) -> tuple[dict[str, Any], dict[str, Any]]:
    call.dossier()
    blob = call.state.blobs.create(
        filename=call.data["filename"], byte_size=call.data["byteSize"],
        checksum=call.data["checksum"], content_type=call.data["contentType"],
        base_url=call.ctx.base_url, created_at=call.state.stamp())
    upload = {"url": blob.url, "headers": blob.headers(), "blobId": str(blob.id),
              "signedBlobId": blob.signed_id}
    return {"directUpload": upload}, {"blob": blob.key}


HANDLERS: dict[str, Handler] = {
    "dossierPasserEnInstruction": _passer_en_instruction,
    "dossierAccepter": _decision("accepte", motivation_required=False),
    "dossierRefuser": _decision("refuse", motivation_required=True),
    "dossierClasserSansSuite": _decision("sans_suite", motivation_required=True),
    "dossierEnvoyerMessage": _envoyer_message,
    "dossierAjouterLabel": _ajouter_label,
    "dossierSupprimerLabel": _supprimer_label,
    "dossierModifierAnnotations": _modifier_annotations,
    "createDirectUpload": _create_direct_upload,
}
_NO_ERRORS_FIELD = frozenset({"createDirectUpload"})  # its payload has no ``errors``


def _resolver(name: str, handler: Handler) -> Callable[..., dict[str, Any] | None]:
    def resolve(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]  # noqa: A002
                ) -> dict[str, Any] | None:
        call = _Call(name, info, input)
        received = copy.deepcopy(input)
        mutation_id = input.get("clientMutationId")
        outcome: Outcome = "applied"
        applied: dict[str, Any] = {}
        errors: tuple[str, ...] = ()
        top_level: str | None = None
        payload: dict[str, Any] | None = None
        with call.state.lock:
            try:
                if not call.ctx.write_access:
                    raise _Refused(READ_ONLY_MESSAGE)
                payload, applied = handler(call)
                errors = tuple(e["message"] for e in payload.get("errors") or ())
                if errors:  # only dossierModifierAnnotations: not transactional
                    outcome = "partial" if applied else "rejected"
            except _Refused as refused:
                outcome, errors = "rejected", refused.messages
                if name in _NO_ERRORS_FIELD:
                    top_level = errors[0]
                else:
                    payload = {"errors": [{"message": m} for m in errors]}
            except _NotFound as missing:
                outcome, top_level = "error", str(missing)
                errors = (top_level,)
        log = call.ctx.mutations
        if log is not None:
            log.record(name=name, dossier=call.dossier_number, input=received, outcome=outcome,
                       errors=errors, applied=applied, token=call.ctx.token,
                       operation=call.ctx.operation)
        if top_level is not None:
            raise GraphQLError(top_level)
        assert payload is not None
        payload["clientMutationId"] = mutation_id  # only echoed: no de-duplication
        return payload
    return resolve


RESOLVERS: dict[str, Callable[..., dict[str, Any] | None]] = {
    name: _resolver(name, handler) for name, handler in HANDLERS.items()}
