"""The convention draft's email, composed at send time from the stored version: the
.docx and its PDF preview attached; skipped when a newer version has superseded it."""

from __future__ import annotations

from sqlalchemy import func, select

from connectors.documents import render_email
from connectors.mail import Address, Attachment, OutgoingEmail
from flows.delivery.task_emails import programme
from flows.runtime import Runtime
from models.convention_draft import content_from_json
from models.evaluation_task import porteur_name
from models.tables import ConventionVersion

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class ConventionPayloadError(ValueError):
    """The effect names a convention version the store does not have."""


def convention_email(rt: Runtime, dossier: int, version: int, key: str) -> OutgoingEmail | None:
    with rt.sessions() as session:
        stored = session.scalar(select(ConventionVersion).where(
            ConventionVersion.dossier_number == dossier, ConventionVersion.version == version))
        if stored is None:
            raise ConventionPayloadError(f"dossier {dossier}: no convention version {version}")
        latest = session.scalar(select(func.max(ConventionVersion.version)).where(
            ConventionVersion.dossier_number == dossier))
        if latest != version:
            return None  # superseded before it left: the newer version has its own email
        content = content_from_json(stored.content)
        docx, pdf = stored.docx, stored.pdf
    admin = content["administration"]
    name = porteur_name(str(admin.get("porteur") or ""))
    rendered = render_email("convention_draft", {"convention": content, "version": version,
                                                 "greeting_name": name,
                                                 "programme": programme(rt)})
    recipients = []
    if admin.get("email"):
        recipients.append(Address(admin["email"], name))
    if rt.config.conventions.send_to_team:
        recipients += [Address(email) for email in rt.config.evaluation.team]
    settings = rt.settings
    stem = f"{content['numero']}-v{version}"
    return OutgoingEmail(
        to=recipients, subject=rendered.subject, text=rendered.text, html=rendered.html,
        sender=Address(settings.mail_sender_email, settings.mail_sender_name),
        reply_to=Address(settings.mail_reply_to) if settings.mail_reply_to
        else Address(rt.config.evaluation.contact),
        attachments=[Attachment(f"{stem}.docx", docx, DOCX_TYPE),
                     Attachment(f"{stem}.pdf", pdf, "application/pdf")],
        message_id_key=key)
