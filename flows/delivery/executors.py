"""How each kind of effect is carried out, checking the world first so none is repeated.

A DS mutation may have been applied although its answer was lost (a 5xx, a dropped
connection, a crash before the outbox row was marked): before acting, the executor
reads the dossier and skips what is already there — the target state, the annotation
value, the label, the message. An email carries a Message-ID derived from its key.
"""

from __future__ import annotations

import base64
from typing import Any, Protocol

from connectors.ds import (
    AnnotationValue,
    DossierSnapshot,
    DSBudgetError,
    DSClient,
    DSError,
    DSHTTPError,
    DSInternalError,
    DSNetworkError,
    DSProtocolError,
    DSQueryTimeoutError,
    DSRateLimitError,
    DSServerError,
    Instructeur,
    accept,
    add_label,
    classer_sans_suite,
    demarche_labels,
    fetch_dossier_snapshot,
    find_instructeur,
    modify_annotations,
    pass_en_instruction,
    refuse,
    remove_label,
    send_message,
    upload_file,
)
from connectors.mail import (
    Address,
    Attachment,
    InvalidMessageError,
    MailPermanentError,
    OutgoingEmail,
    SmtpSender,
    build_message,
)
from flows.delivery.convention_emails import ConventionPayloadError, convention_email
from flows.delivery.hearing_emails import HearingPayloadError, hearing_email
from flows.delivery.task_emails import TaskEmails, TaskPayloadError, as_day
from flows.runtime import Runtime
from models.outbox import Kind
from settings.config import ConfigError

SKIPPED = {"skipped": True}


class EffectPayloadError(ValueError):
    """The recorded payload cannot be carried out as it is (a bug or a stale reference)."""


class LeaseLost(Exception):
    """Another deliverer took the effect over (our claim ran out): do not act on it."""


class Attempt(Protocol):
    """What an executor is given: ``begin()`` right before its point of no return."""

    def begin(self) -> None: ...


class _NoRecord:
    def begin(self) -> None:
        pass


NO_RECORD: Attempt = _NoRecord()


class DSExecutor:
    """DS mutations, each preceded by a read of the dossier."""

    TRANSIENT = (DSServerError, DSNetworkError, DSRateLimitError, DSInternalError,
                 DSQueryTimeoutError, DSProtocolError, DSBudgetError)

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._client: DSClient | None = None
        self._instructeurs: dict[int, Instructeur] = {}
        self._labels: dict[int, dict[str, str]] = {}
        self._attempt: Attempt = NO_RECORD
        self._key: str | None = None

    @property
    def client(self) -> DSClient:
        if self._client is None:
            self._client = self.rt.new_ds_client()
        return self._client

    def is_permanent(self, error: Exception) -> bool:
        if isinstance(error, self.TRANSIENT):
            return False
        return isinstance(error, DSError | EffectPayloadError | KeyError | ValueError)

    def deliver(self, action: str, payload: dict[str, Any],
                attempt: Attempt = NO_RECORD, key: str | None = None) -> dict[str, Any]:
        """Read the dossier, then write only what is not there yet; ``attempt.begin()``
        right before the first write. Each mutation carries the effect's key as its
        ``clientMutationId`` (DS only echoes it: a trace, not a de-duplication)."""
        snapshot = fetch_dossier_snapshot(self.client, int(payload["dossier"]))
        handler = getattr(self, f"_do_{action}", None)
        if handler is None:
            raise EffectPayloadError(f"unknown DS action {action!r}")
        self._attempt, self._key = attempt, key
        return handler(snapshot, payload)

    def _do_annotations(self, snapshot: DossierSnapshot, payload: dict[str, Any]) -> dict:
        values = [AnnotationValue(v["annotation_id"], v["kind"], v["value"])
                  for v in payload["values"]]
        pending = snapshot.pending_annotations(values)
        if not pending:
            return SKIPPED
        self._attempt.begin()
        result = modify_annotations(self.client, snapshot.id, self._instructeur(snapshot).id,
                                    pending, client_mutation_id=self._key)
        applied = [u.annotation_id for u in result.updated]
        if result.failed:
            failed = "; ".join(f"{f.annotation_id}: {f.reason}" for f in result.failed)
            raise EffectPayloadError(
                f"dossier {snapshot.number}: annotations refused by DS ({failed}); "
                f"applied: {', '.join(applied) or 'none'}")
        return {"updated": applied}

    def _do_label_add(self, snapshot: DossierSnapshot, payload: dict[str, Any]) -> dict:
        if snapshot.has_label(payload["label"]):
            return SKIPPED
        label_id = self._label_id(snapshot, payload["label"])
        self._attempt.begin()
        add_label(self.client, snapshot.id, label_id, client_mutation_id=self._key)
        return {"label": payload["label"]}

    def _do_label_remove(self, snapshot: DossierSnapshot, payload: dict[str, Any]) -> dict:
        if not snapshot.has_label(payload["label"]):
            return SKIPPED
        self._attempt.begin()
        remove_label(self.client, snapshot.id, snapshot.labels[payload["label"]],
                     client_mutation_id=self._key)
        return {"label": payload["label"]}

    def _do_state(self, snapshot: DossierSnapshot, payload: dict[str, Any]) -> dict:
        target = payload["target"]
        if snapshot.state == target:
            return SKIPPED
        instructeur = self._instructeur(snapshot).id
        self._attempt.begin()
        if snapshot.state == "en_construction":
            pass_en_instruction(self.client, snapshot.id, instructeur,
                                client_mutation_id=self._key)
            if target == "en_instruction":
                return {"state": target}
        justificatif = self._upload(snapshot, payload.get("justificatif"))
        motivation = payload.get("motivation")
        if target == "accepte":
            accept(self.client, snapshot.id, instructeur, motivation=motivation,
                   justificatif=justificatif, client_mutation_id=self._key)
        elif target == "refuse":
            refuse(self.client, snapshot.id, instructeur, motivation=motivation or "",
                   justificatif=justificatif, client_mutation_id=self._key)
        elif target == "sans_suite":
            classer_sans_suite(self.client, snapshot.id, instructeur,
                               motivation=motivation or "", justificatif=justificatif,
                               client_mutation_id=self._key)
        else:
            raise EffectPayloadError(f"unknown target state {target!r}")
        return {"state": target}

    def _do_message(self, snapshot: DossierSnapshot, payload: dict[str, Any]) -> dict:
        if snapshot.has_message(payload["body"]):
            return SKIPPED
        self._attempt.begin()
        attachment = self._upload(snapshot, payload.get("attachment"))
        send_message(self.client, snapshot.id, self._instructeur(snapshot).id, payload["body"],
                     attachment=attachment, client_mutation_id=self._key)
        return {"message": True}

    def _upload(self, snapshot: DossierSnapshot, file: dict[str, Any] | None) -> str | None:
        if not file:
            return None
        return upload_file(self.client, snapshot.id, file["filename"],
                           base64.b64decode(file["content_b64"]), file["content_type"])

    def _instructeur(self, snapshot: DossierSnapshot) -> Instructeur:
        number = snapshot.demarche_number
        if number not in self._instructeurs:
            self._instructeurs[number] = find_instructeur(
                self.client, number, self.rt.settings.ds_instructeur_email)
        instructeur = self._instructeurs[number]
        instructeur.check_can_instruct(snapshot)
        return instructeur

    def _label_id(self, snapshot: DossierSnapshot, name: str) -> str:
        number = snapshot.demarche_number
        if number not in self._labels:
            self._labels[number] = demarche_labels(self.client, number)
        if name not in self._labels[number]:
            raise EffectPayloadError(
                f"démarche {number} has no label {name!r}: create it in DS or fix the stage")
        return self._labels[number][name]

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


class EmailExecutor:
    """Emails over SMTP; one connection for the run.

    ``send`` carries a rendered email; ``eval-task`` and ``eval-reminder`` are composed
    now (see ``flows.delivery.task_emails``) and skipped when the task is no longer open;
    ``convention`` attaches a stored draft (``flows.delivery.convention_emails``);
    ``hearing-invite`` and ``hearing-cancel`` carry an .ics (``flows.delivery.hearing_emails``).
    """

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._sender: SmtpSender | None = None
        self._tasks: TaskEmails | None = None

    def is_permanent(self, error: Exception) -> bool:
        return isinstance(error, MailPermanentError | EffectPayloadError | KeyError
                          | TaskPayloadError | InvalidMessageError | ConventionPayloadError
                          | HearingPayloadError | ConfigError)

    def deliver(self, action: str, payload: dict[str, Any], key: str,
                attempt: Attempt = NO_RECORD) -> dict[str, Any]:
        """Compose the email now, then send it; ``attempt.begin()`` once the server has
        accepted the envelope, right before the content (the point of no return)."""
        email = self.compose(action, payload, key)
        if email is None:
            return SKIPPED
        # The Date header is the pipeline's clock at sending: the story's date in the demo.
        message = build_message(email, date=self.rt.clock())
        if self._sender is None:
            settings = self.rt.settings
            self._sender = SmtpSender(settings.smtp_url.get_secret_value(),
                                      timeout=settings.smtp_timeout)
            self._sender.__enter__()
        self._sender.send(message, before_content=attempt.begin)
        return {"message_id": message["Message-ID"]}

    def compose(self, action: str, payload: dict[str, Any], key: str) -> OutgoingEmail | None:
        """The email an effect stands for, as it would leave now (None: nothing to send
        any more); also what `eig preview-email` shows of a recorded email."""
        if action == "send":
            email: OutgoingEmail | None = self._rendered(payload, key)
        elif action == "eval-task":
            email = self.tasks.task(int(payload["assignment"]), key)
        elif action == "eval-reminder":
            email = self.tasks.reminder(payload["evaluator"], payload["items"],
                                        as_day(payload["today"]), key)
        elif action in ("hearing-invite", "hearing-cancel"):
            email = hearing_email(self.rt, action, payload, key,
                                  dossier_pdf=self.tasks.dossier_pdf)
        elif action == "convention":
            email = convention_email(self.rt, int(payload["dossier"]), int(payload["version"]),
                                     key)
        else:
            raise EffectPayloadError(f"unknown email action {action!r}")
        return email

    @property
    def tasks(self) -> TaskEmails:
        if self._tasks is None:
            self._tasks = TaskEmails(self.rt)
        return self._tasks

    def _rendered(self, payload: dict[str, Any], key: str) -> OutgoingEmail:
        settings = self.rt.settings
        reply_to = payload.get("reply_to") or (
            {"email": settings.mail_reply_to} if settings.mail_reply_to else None)
        return OutgoingEmail(
            to=[Address(a["email"], a.get("name", "")) for a in payload["to"]],
            subject=payload["subject"],
            text=payload["text"],
            html=payload.get("html"),
            sender=Address(settings.mail_sender_email, settings.mail_sender_name),
            reply_to=Address(reply_to["email"], reply_to.get("name", "")) if reply_to else None,
            attachments=[Attachment(a["filename"], base64.b64decode(a["content_b64"]),
                                    a.get("content_type", ""))
                         for a in payload.get("attachments", [])],
            message_id_key=key,
        )

    def close(self) -> None:
        if self._sender is not None:
            self._sender.__exit__(None, None, None)
            self._sender = None
        if self._tasks is not None:
            self._tasks.close()
            self._tasks = None


class Executors:
    """The executors of a delivery run, by kind of effect."""

    def __init__(self, ds: DSExecutor, email: EmailExecutor) -> None:
        self.ds, self.email = ds, email

    def deliver(self, kind: Kind, action: str, payload: dict[str, Any], key: str,
                attempt: Attempt = NO_RECORD) -> dict:
        if kind is Kind.DS:
            return self.ds.deliver(action, payload, attempt, key)
        return self.email.deliver(action, payload, key, attempt)

    def is_permanent(self, kind: Kind, error: Exception) -> bool:
        if isinstance(error, DSHTTPError) and not isinstance(error, DSRateLimitError):
            return 400 <= error.status_code < 500
        return (self.ds if kind is Kind.DS else self.email).is_permanent(error)

    def close(self) -> None:
        self.ds.close()
        self.email.close()


def build_executors(rt: Runtime) -> Executors:
    return Executors(DSExecutor(rt), EmailExecutor(rt))
