"""The exceptions raised by the mail connector.

The split follows what the outbox must do with the effect that failed, not where the
failure came from. Every message is in French (operators read it), names the message
(its Message-ID) and the server, says what to do, and never contains a password.

    MailError
    ├── MailConfigurationError    EIG_SMTP_URL wrong, credentials or TLS refused: fix, keep pending
    ├── MailTemporaryError        server unreachable, connection dropped, 4xx reply: retry later
    └── MailPermanentError        5xx reply (unknown recipient, message refused): do not retry
        └── InvalidMessageError       the email cannot be built (bad address, reserved header)
"""

from __future__ import annotations


class MailError(Exception):
    """Base of every error of the mail connector; catch it to handle them all."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        reply: str = "",
        message_id: str | None = None,
        recipient: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        """SMTP reply code, when the server answered one."""
        self.reply = reply
        """The server's reply text (without the code)."""
        self.message_id = message_id
        self.recipient = recipient
        """The refused recipient, when the failure is about one."""


class MailConfigurationError(MailError):
    """The SMTP URL is invalid, or the server refused our credentials or TLS.

    What to do: fix EIG_SMTP_URL (scheme, host, port, percent-encoded credentials) and
    re-run. The messages are not at fault: keep them pending, do not mark them failed.
    """


class MailTemporaryError(MailError):
    """The message was not delivered now but may be later: the server is unreachable,
    dropped the connection, or answered 4xx (busy, greylisting, 421 closing).

    What to do: nothing by hand; leave the effect pending and retry later. When
    ``maybe_delivered`` is true the connection dropped after the whole message was
    sent: the server may have kept it, and the retry carries the same Message-ID so
    that the duplicate can be recognised.
    """

    def __init__(
        self,
        message: str,
        *,
        maybe_delivered: bool = False,
        code: int | None = None,
        reply: str = "",
        message_id: str | None = None,
        recipient: str | None = None,
    ) -> None:
        super().__init__(message, code=code, reply=reply, message_id=message_id,
                         recipient=recipient)
        self.maybe_delivered = maybe_delivered


class MailPermanentError(MailError):
    """The server refused the message for good (5xx): unknown recipient, mailbox
    disabled, message too large or rejected as spam.

    What to do: do not retry; mark the effect failed and fix its cause (the address in
    DS, the attachment size). No recipient received it: a refused recipient aborts the
    whole message.
    """


class InvalidMessageError(MailPermanentError, ValueError):
    """The email cannot be built: an address without a domain, a non-ASCII local part,
    no recipient, or an extra header that would override one we set.

    What to do: fix the data that produced the email (the dossier's address, the
    template); retrying the same email will fail the same way.
    """
