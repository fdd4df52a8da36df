"""Dossier mutations: labels, decisions (instruction, acceptance, refusal, classement sans
suite) and messages. Each is a plain function over the client returning a small result.

Why so plain: delivery (the outbox) decides whether to send, from a `DossierSnapshot`
read first; these functions only send once and say what DS did. DSClient marks every
mutation NOT_IDEMPOTENT, so a 5xx or a read timeout is never retried blindly: DS keeps no
memory of `clientMutationId` (it is only echoed), and a retry could act twice.

DS refuses a change with `errors[].message` and a null result: that raises
`DSPayloadError` naming the mutation, the dossier and DS's messages. A null payload with
no message is DS's answer when its authorization check fails (e.g. an instructeur outside
the dossier's groupe): that raises `DSPayloadError` too.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._documents import Document, load_document
from ._error_mapping import describe_operation, payload_error
from ._exceptions import DSPayloadError
from ._pages import GraphQLExecutor

log = logging.getLogger("connectors.ds")


@dataclass(frozen=True)
class LabelResult:
    """The dossier's labels (name → id) after the change, as DS answered them."""

    dossier_id: str
    label_id: str
    labels: dict[str, str]
    client_mutation_id: str | None = None


@dataclass(frozen=True)
class DecisionResult:
    """The dossier as DS answered after a state change: the state proves the effect."""

    dossier_id: str
    number: int
    state: str
    date: str | None  # datePassageEnInstruction or dateTraitement
    motivation: str | None = None
    client_mutation_id: str | None = None


@dataclass(frozen=True)
class MessageResult:
    message_id: str
    body: str
    email: str | None
    created_at: str | None
    attachments: tuple[str, ...]  # file names
    client_mutation_id: str | None = None


def add_label(
    client: GraphQLExecutor,
    dossier_id: str,
    label_id: str,
    *,
    client_mutation_id: str | None = None,
) -> LabelResult:
    """Put a label on the dossier (no instructeur needed). DS refuses a label the dossier
    already carries: check the snapshot's labels first."""
    return _label(
        client,
        "dossier_ajouter_label",
        "dossierAjouterLabel",
        dossier_id,
        label_id,
        client_mutation_id,
    )


def remove_label(
    client: GraphQLExecutor,
    dossier_id: str,
    label_id: str,
    *,
    client_mutation_id: str | None = None,
) -> LabelResult:
    """Take a label off the dossier. DS refuses a label the dossier does not carry."""
    return _label(
        client,
        "dossier_supprimer_label",
        "dossierSupprimerLabel",
        dossier_id,
        label_id,
        client_mutation_id,
    )


def pass_en_instruction(
    client: GraphQLExecutor,
    dossier_id: str,
    instructeur_id: str,
    *,
    disable_notification: bool = False,
    client_mutation_id: str | None = None,
) -> DecisionResult:
    """en_construction → en_instruction, in the name of `instructeur_id`."""
    variables = _decision_variables(
        dossier_id, instructeur_id, disable_notification, client_mutation_id
    )
    return _decision(
        client,
        "dossier_passer_en_instruction",
        "dossierPasserEnInstruction",
        "datePassageEnInstruction",
        variables,
    )


def accept(
    client: GraphQLExecutor,
    dossier_id: str,
    instructeur_id: str,
    motivation: str | None = None,
    justificatif: str | None = None,
    disable_notification: bool = False,
    *,
    client_mutation_id: str | None = None,
) -> DecisionResult:
    """en_instruction → accepte. `justificatif` is a signed blob id (`upload_file`). DS
    refuses a dossier not en instruction ("Le dossier est déjà accepté")."""
    variables = _decision_variables(
        dossier_id, instructeur_id, disable_notification, client_mutation_id
    )
    _put(variables, motivation=motivation, justificatif=justificatif)
    return _decision(client, "dossier_accepter", "dossierAccepter", "dateTraitement", variables)


def refuse(
    client: GraphQLExecutor,
    dossier_id: str,
    instructeur_id: str,
    motivation: str,
    justificatif: str | None = None,
    disable_notification: bool = False,
    *,
    client_mutation_id: str | None = None,
) -> DecisionResult:
    """en_instruction → refuse. DS requires a motivation (the usager reads it)."""
    return _motivated_decision(
        client, "refuse", "dossier_refuser", "dossierRefuser", dossier_id, instructeur_id,
        motivation, justificatif, disable_notification, client_mutation_id,
    )


def classer_sans_suite(
    client: GraphQLExecutor,
    dossier_id: str,
    instructeur_id: str,
    motivation: str,
    justificatif: str | None = None,
    disable_notification: bool = False,
    *,
    client_mutation_id: str | None = None,
) -> DecisionResult:
    """en_instruction → sans_suite. DS requires a motivation."""
    return _motivated_decision(
        client, "classer_sans_suite", "dossier_classer_sans_suite", "dossierClasserSansSuite",
        dossier_id, instructeur_id, motivation, justificatif, disable_notification,
        client_mutation_id,
    )


def _motivated_decision(
    client: GraphQLExecutor, operation: str, document: str, field: str, dossier_id: str,
    instructeur_id: str, motivation: str, justificatif: str | None,
    disable_notification: bool, client_mutation_id: str | None,
) -> DecisionResult:
    variables = _decision_variables(
        dossier_id, instructeur_id, disable_notification, client_mutation_id
    )
    _put(variables, motivation=_required_motivation(operation, motivation),
         justificatif=justificatif)
    return _decision(client, document, field, "dateTraitement", variables)


def send_message(
    client: GraphQLExecutor,
    dossier_id: str,
    instructeur_id: str,
    body: str,
    attachment: str | None = None,
    *,
    client_mutation_id: str | None = None,
) -> MessageResult:
    """A message to the usager in the dossier's messagerie. `attachment` is a signed blob
    id (`upload_file`). Sending twice shows two messages: check the snapshot first."""
    if not body.strip():
        raise ValueError("send_message needs a non-empty body")
    variables: dict[str, Any] = {
        "dossierId": dossier_id,
        "instructeurId": instructeur_id,
        "body": body,
    }
    _put(variables, attachment=attachment, clientMutationId=client_mutation_id)
    payload = run_mutation(
        client, "dossier_envoyer_message", "dossierEnvoyerMessage", "message", variables
    )
    message = payload["message"]
    return MessageResult(
        message_id=str(message["id"]),
        body=str(message.get("body", "")),
        email=message.get("email"),
        created_at=message.get("createdAt"),
        attachments=tuple(str(f.get("filename")) for f in message.get("attachments") or []),
        client_mutation_id=payload.get("clientMutationId"),
    )


def run_mutation(
    client: GraphQLExecutor,
    document_name: str,
    mutation: str,
    result_field: str,
    variables: dict[str, Any],
) -> dict[str, Any]:
    """Execute and return the payload of `mutation`; `DSPayloadError` when it has no
    `result_field` (with DS's messages, or the null payload DS gives when unauthorized)."""
    context = mutation_context(load_document(document_name), variables)
    payload = client.execute(document_name, variables).get(mutation)
    if not isinstance(payload, dict):
        raise DSPayloadError(
            f"{context}: DS answered a null {mutation} payload with no message: DS does so "
            "when its authorization check fails: check that the instructeur belongs to the "
            "dossier's groupe instructeur and that the token may write, then re-deliver",
            mutation=mutation,
            messages=[],
        )
    errors = list(payload.get("errors") or [])
    if payload.get(result_field) is None:
        raise payload_error(mutation, errors or [{"message": "no result and no message"}], context)
    if errors:  # not seen in DS's source, but then the effect happened: say so, go on
        log.warning(
            "%s: DS applied %s but also said: %s",
            context,
            mutation,
            "; ".join(payload_messages(payload)),
        )
    return payload


def mutation_context(document: Document, variables: Mapping[str, Any]) -> str:
    """`DossierAccepter (dossierId=RG9zc2llci00Mg==) on dossier 42`: DS's dossier ids are
    opaque in messages, the number is what operators look up."""
    context = describe_operation(document.operation_name, variables)
    number = dossier_number_of(variables.get("dossierId"))
    return f"{context} on dossier {number}" if number is not None else context


def dossier_number_of(dossier_id: Any) -> int | None:
    """The number in a DS dossier id (base64 of `Dossier-<number>`), None if it is not one."""
    if not isinstance(dossier_id, str):
        return None
    try:
        decoded = base64.b64decode(dossier_id, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    kind, _, number = decoded.partition("-")
    return int(number) if kind == "Dossier" and number.isdigit() else None


def payload_messages(payload: Mapping[str, Any] | None) -> list[str]:
    """DS's `errors[].message` of a payload (none for a null payload)."""
    errors = (payload or {}).get("errors") or []
    return [str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors]


def _label(
    client: GraphQLExecutor,
    document_name: str,
    mutation: str,
    dossier_id: str,
    label_id: str,
    client_mutation_id: str | None,
) -> LabelResult:
    variables: dict[str, Any] = {"dossierId": dossier_id, "labelId": label_id}
    _put(variables, clientMutationId=client_mutation_id)
    payload = run_mutation(client, document_name, mutation, "dossier", variables)
    labels = payload["dossier"].get("labels") or []
    return LabelResult(
        dossier_id=dossier_id,
        label_id=label_id,
        labels={str(label["name"]): str(label["id"]) for label in labels},
        client_mutation_id=payload.get("clientMutationId"),
    )


def _decision_variables(
    dossier_id: str,
    instructeur_id: str,
    disable_notification: bool,
    client_mutation_id: str | None,
) -> dict[str, Any]:
    variables: dict[str, Any] = {
        "dossierId": dossier_id,
        "instructeurId": instructeur_id,
        "disableNotification": disable_notification,
    }
    _put(variables, clientMutationId=client_mutation_id)
    return variables


def _decision(
    client: GraphQLExecutor,
    document_name: str,
    mutation: str,
    date_field: str,
    variables: dict[str, Any],
) -> DecisionResult:
    payload = run_mutation(client, document_name, mutation, "dossier", variables)
    dossier = payload["dossier"]
    return DecisionResult(
        dossier_id=str(dossier["id"]),
        number=int(dossier["number"]),
        state=str(dossier["state"]),
        date=dossier.get(date_field),
        motivation=dossier.get("motivation"),
        client_mutation_id=payload.get("clientMutationId"),
    )


def _required_motivation(operation: str, motivation: str) -> str:
    if not isinstance(motivation, str) or not motivation.strip():
        raise ValueError(f"{operation} needs a motivation: DS requires it and the usager reads it")
    return motivation


def _put(variables: dict[str, Any], **optional: Any) -> None:
    """Add the optional variables that have a value: an absent variable leaves DS's
    default, where an explicit null could mean "no value"."""
    variables.update({name: value for name, value in optional.items() if value is not None})
