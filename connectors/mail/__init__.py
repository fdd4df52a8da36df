"""Email: build messages, send them over SMTP, and a local SMTP server for demo and tests.

    email = OutgoingEmail(to=[Address("elodie@exemple.fr", "Élodie Müller")], ...,
                          message_id_key="mail:eval-request:42")
    with SmtpSender(settings.smtp_url) as sender:
        sender.send(build_message(email))  # MailTemporaryError: retry later;
                                           # MailPermanentError: do not retry
"""

from ._exceptions import (
    InvalidMessageError,
    MailConfigurationError,
    MailError,
    MailPermanentError,
    MailTemporaryError,
)
from .local_server import (
    LocalSmtpServer,
    SmtpServerProcess,
    running_smtp_process,
    running_smtp_server,
    serve,
)
from .maildir import DEFAULT_MAILDIR, AttachmentSummary, Mailbox, MailSummary
from .message import (
    EFFECT_HEADER,
    Address,
    Attachment,
    OutgoingEmail,
    build_message,
    message_id_for,
)
from .smtp import DEFAULT_TIMEOUT, SmtpSender, classify
from .url import SmtpUrl, parse_smtp_url

__all__ = [
    "DEFAULT_MAILDIR",
    "DEFAULT_TIMEOUT",
    "EFFECT_HEADER",
    "Address",
    "Attachment",
    "AttachmentSummary",
    "InvalidMessageError",
    "LocalSmtpServer",
    "SmtpServerProcess",
    "MailConfigurationError",
    "MailError",
    "MailPermanentError",
    "MailSummary",
    "MailTemporaryError",
    "Mailbox",
    "OutgoingEmail",
    "SmtpSender",
    "SmtpUrl",
    "build_message",
    "classify",
    "message_id_for",
    "parse_smtp_url",
    "running_smtp_process",
    "running_smtp_server",
    "serve",
]
