"""Build a standard ``EmailMessage`` from plain data, deterministically where it matters.

Flows describe an email as an ``OutgoingEmail`` (plain data, easy to build from a
template and to store in the outbox); this module turns it into MIME. Two choices
serve the outbox's idempotency: the ``Message-ID`` is derived from the effect's key,
so a resend of the same effect carries the same Message-ID (mail clients and our
tests recognise the duplicate), and the key itself travels in ``X-EIG-Effect``.
Bodies are quoted-printable, so the message is 7-bit clean and any SMTP server
accepts it without the 8BITMIME or SMTPUTF8 extensions.
"""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address as HeaderAddress
from email.message import EmailMessage
from email.utils import format_datetime

from ._exceptions import InvalidMessageError

EFFECT_HEADER = "X-EIG-Effect"

# Headers this module sets itself; an extra header may not override them.
RESERVED_HEADERS = frozenset({
    "from", "to", "cc", "bcc", "reply-to", "subject", "date", "message-id", "mime-version",
    "content-type", "content-transfer-encoding", "content-disposition", EFFECT_HEADER.lower(),
})

# Types mimetypes does not know everywhere (it depends on /etc/mime.types).
_KNOWN_TYPES = {
    ".pdf": "application/pdf",
    ".ics": "text/calendar; method=PUBLISH",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".csv": "text/csv",
}


@dataclass(frozen=True)
class Address:
    """A mailbox: an ASCII address and an optional display name in any script."""

    email: str
    name: str = ""

    def header(self) -> HeaderAddress:
        """The header form; names are RFC 2047-encoded when written, the domain IDNA."""
        local, at, domain = self.email.strip().rpartition("@")
        if not at or not local or not domain:
            raise InvalidMessageError(f"adresse électronique invalide : {self.email!r} "
                                      "(il faut un nom, « @ » et un domaine)")
        if not local.isascii():
            raise InvalidMessageError(f"adresse électronique {self.email!r} : les caractères "
                                      "accentués ne sont pas acceptés avant « @ »")
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise InvalidMessageError(f"adresse électronique {self.email!r} : "
                                      f"domaine invalide ({exc})") from exc
        return HeaderAddress(display_name=self.name, username=local, domain=domain)

    @property
    def domain(self) -> str:
        return self.header().domain


@dataclass(frozen=True)
class Attachment:
    """A file joined to the email. ``content_type`` may carry parameters, e.g.
    ``text/calendar; method=REQUEST``; when empty it is guessed from the filename."""

    filename: str
    content: bytes
    content_type: str = ""

    @classmethod
    def calendar(cls, filename: str, ics: str | bytes, *, method: str = "REQUEST") -> Attachment:
        """An iCalendar invitation (REQUEST) or announcement (PUBLISH). ``method`` must
        match the METHOD line of the .ics, or calendars ignore it."""
        data = ics.encode("utf-8") if isinstance(ics, str) else ics
        return cls(filename, data, f"text/calendar; method={method}; charset=utf-8")

    def mime_type(self) -> tuple[str, str, dict[str, str]]:
        """(maintype, subtype, params) of the attachment."""
        raw = self.content_type.strip()
        if not raw:
            suffix = "." + self.filename.rpartition(".")[2].lower() if "." in self.filename else ""
            raw = _KNOWN_TYPES.get(suffix) or mimetypes.guess_type(self.filename)[0] or ""
            raw = raw or "application/octet-stream"
        essential, *rest = (part.strip() for part in raw.split(";"))
        maintype, slash, subtype = essential.lower().partition("/")
        if not slash or not maintype or not subtype:
            raise InvalidMessageError(f"pièce jointe {self.filename!r} : type de contenu "
                                      f"invalide {self.content_type!r}")
        params: dict[str, str] = {}
        for item in rest:
            key, eq, value = item.partition("=")
            if eq:
                params[key.strip().lower()] = value.strip().strip('"')
        return maintype, subtype, params


@dataclass(frozen=True)
class OutgoingEmail:
    """One email to send, as plain data. ``message_id_key`` is the outbox key of the
    effect (e.g. ``mail:eval-request:42``): it fixes the Message-ID."""

    to: list[Address]
    subject: str
    text: str
    sender: Address
    message_id_key: str
    html: str | None = None
    reply_to: Address | None = None
    attachments: list[Attachment] = field(default_factory=list)
    headers: Mapping[str, str] = field(default_factory=dict)


def message_id_for(key: str, domain: str) -> str:
    """The Message-ID of an effect: the same key always gives the same id."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def build_message(email: OutgoingEmail, *, date: datetime | None = None) -> EmailMessage:
    """The MIME message: text (+ HTML as multipart/alternative) (+ attachments as
    multipart/mixed). ``date`` is the Date header: pass the pipeline's clock (the
    deliverer does; the demo's clock travels); it defaults to the machine's now, UTC."""
    if not email.to:
        raise InvalidMessageError(f"courriel {email.message_id_key!r} sans destinataire")
    if not email.message_id_key.strip():
        raise InvalidMessageError("courriel sans clé d'effet (message_id_key) : impossible "
                                  "de lui donner un Message-ID stable")
    sender = email.sender.header()
    msg = EmailMessage(policy=policy.default)  # LF inside; SMTP serialises with CRLF
    msg["From"] = sender
    msg["To"] = [address.header() for address in email.to]
    if email.reply_to is not None:
        msg["Reply-To"] = email.reply_to.header()
    msg["Subject"] = email.subject
    msg["Date"] = format_datetime(date or datetime.now(UTC))
    msg["Message-ID"] = message_id_for(email.message_id_key, sender.domain)
    msg[EFFECT_HEADER] = email.message_id_key
    for name, value in email.headers.items():
        if name.lower() in RESERVED_HEADERS:
            raise InvalidMessageError(f"courriel {email.message_id_key!r} : l'en-tête {name!r} "
                                      "est fixé par le connecteur et ne peut être remplacé")
        try:
            msg[name] = value
        except ValueError as exc:  # a line break: header injection
            raise InvalidMessageError(f"courriel {email.message_id_key!r} : en-tête {name!r} "
                                      f"invalide ({exc})") from exc
    msg.set_content(email.text, cte="quoted-printable")
    if email.html is not None:
        msg.add_alternative(email.html, subtype="html", cte="quoted-printable")
    for attachment in email.attachments:
        maintype, subtype, params = attachment.mime_type()
        msg.add_attachment(attachment.content, maintype=maintype, subtype=subtype,
                           filename=attachment.filename, params=params)
    return msg
