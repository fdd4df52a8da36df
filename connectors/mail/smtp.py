"""Send ``EmailMessage``s over SMTP with the standard library, one connection per batch.

    with SmtpSender(settings.smtp_url) as sender:
        for email in batch:
            sender.send(build_message(email))   # MailTemporaryError / MailPermanentError

The SMTP dialogue (MAIL, RCPT, DATA) is driven step by step rather than through
``smtplib.sendmail`` for two reasons. A refused recipient aborts the whole message
(``RSET``): either every recipient got it or none did, which is what an outbox can
record. And knowing the step that failed tells a stale connection (dropped before
MAIL: reconnect and retry once, nothing was sent) from a drop after DATA (the server
may have kept the message: report it, never resend silently).
"""

from __future__ import annotations

import contextlib
import copy
import logging
import re
import smtplib
import ssl
from collections.abc import Callable
from email import policy
from email.message import EmailMessage
from email.utils import getaddresses
from types import TracebackType

from ._exceptions import (
    InvalidMessageError,
    MailConfigurationError,
    MailError,
    MailPermanentError,
    MailTemporaryError,
)
from .url import SmtpUrl, parse_smtp_url

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30.0


class SmtpSender:
    """Sends messages to the server of an ``EIG_SMTP_URL``.

    Used as a context manager, one connection serves the whole batch and is closed at
    the end; a connection the server dropped meanwhile is replaced. Used bare, each
    ``send`` opens and closes its own connection.
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        ssl_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
    ) -> None:
        self.url: SmtpUrl = parse_smtp_url(url)
        self.timeout = timeout
        self._ssl_context = ssl_context
        self._local_hostname = local_hostname
        self._conn: smtplib.SMTP | None = None
        self._conn_used = False  # has the current connection already carried a message?
        self._in_batch = False

    def __repr__(self) -> str:
        return f"SmtpSender({self.url.redacted()!r})"

    def __enter__(self) -> SmtpSender:
        self._in_batch = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._in_batch = False
        self.close()

    def send(self, message: EmailMessage,
             before_content: Callable[[], None] | None = None) -> None:
        """Deliver ``message`` to every recipient of its To, Cc and Bcc headers (Bcc is
        not transmitted), or raise a ``MailError`` saying whether to retry.

        ``before_content`` is called once the server has accepted the envelope and asked
        for the content (354), right before the point of no return: an outbox records
        there that the attempt may reach the recipient. If it raises, the transaction is
        abandoned (the connection closed before the content ends, so the server keeps
        nothing) and its exception propagates."""
        message_id = str(message.get("Message-ID", "")) or None
        sender, recipients = _envelope(message, message_id)
        if "Bcc" in message:
            message = _without_bcc(message)
        data = message.as_bytes(policy=policy.SMTP)
        try:
            for attempt in (1, 2):
                conn, reused = self._connection(message_id)
                try:
                    self._transmit(conn, sender, recipients, data, message_id,
                                   before_content)
                    break
                except _StaleConnection as stale:
                    self._discard()
                    if not reused or attempt == 2:
                        raise MailTemporaryError(
                            f"{self._where()} a fermé la connexion avant d'accepter le "
                            f"message {message_id} ({stale}) : rien n'est parti ; il sera "
                            "renvoyé plus tard", message_id=message_id) from None
                    log.debug("SMTP connection to %s was dropped; reconnecting",
                              self.url.redacted())
        except MailPermanentError:  # the connection is fine: only this message is refused
            if self._conn is not None:
                _reset_quietly(self._conn)
            raise
        except MailError:
            self._discard()
            raise
        except BaseException:  # before_content refused: end the transaction unfinished
            self._discard()
            raise
        finally:
            if not self._in_batch:
                self.close()
        self._conn_used = True
        log.debug("sent %s to %d recipient(s) via %s", message_id, len(recipients),
                  self.url.redacted())

    def close(self) -> None:
        """Say goodbye to the server (QUIT) and close the connection, if one is open."""
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                conn.close()

    # -- connection ---------------------------------------------------------------

    def _connection(self, message_id: str | None) -> tuple[smtplib.SMTP, bool]:
        """The open connection (and whether it already carried a message), or a new one."""
        if self._conn is not None:
            return self._conn, self._conn_used
        self._conn = self._connect(message_id)
        self._conn_used = False
        return self._conn, False

    def _connect(self, message_id: str | None) -> smtplib.SMTP:
        url = self.url
        conn: smtplib.SMTP | None = None
        try:
            if url.implicit_tls:
                conn = smtplib.SMTP_SSL(url.host, url.port, local_hostname=self._local_hostname,
                                        timeout=self.timeout, context=self._context())
            else:
                conn = smtplib.SMTP(url.host, url.port, local_hostname=self._local_hostname,
                                    timeout=self.timeout)
            conn.ehlo_or_helo_if_needed()
            if url.starttls:
                conn.starttls(context=self._context())
                conn.ehlo()
            if url.username:
                conn.login(url.username, url.password)
            return conn
        except smtplib.SMTPNotSupportedError as exc:
            _close_quietly(conn)
            what = "STARTTLS" if url.starttls and not url.username else "l'authentification"
            raise MailConfigurationError(
                f"{self._where()} ne propose pas {what} : corriger EIG_SMTP_URL "
                f"({url.redacted()})", message_id=message_id) from exc
        except smtplib.SMTPAuthenticationError as exc:
            _close_quietly(conn)
            error = classify(exc, where=self._where(), message_id=message_id)
            if isinstance(error, MailTemporaryError):
                raise error from exc
            raise MailConfigurationError(
                f"{self._where()} refuse l'identifiant {url.username!r} ({exc.smtp_code} "
                f"{_text(exc.smtp_error)}) : corriger les identifiants de EIG_SMTP_URL ; les "
                "messages restent à envoyer", code=exc.smtp_code, reply=_text(exc.smtp_error),
                message_id=message_id) from exc
        except ssl.SSLCertVerificationError as exc:
            _close_quietly(conn)
            raise MailConfigurationError(
                f"{self._where()} présente un certificat TLS non valide ({exc.verify_message}) "
                ": vérifier l'hôte de EIG_SMTP_URL", message_id=message_id) from exc
        except smtplib.SMTPResponseException as exc:
            _close_quietly(conn)
            if exc.smtp_code >= 500:  # refused before any message: not the message's fault
                raise MailConfigurationError(
                    f"{self._where()} refuse la connexion ({exc.smtp_code} "
                    f"{_text(exc.smtp_error)}) : vérifier EIG_SMTP_URL et le compte d'envoi",
                    code=exc.smtp_code, reply=_text(exc.smtp_error),
                    message_id=message_id) from exc
            raise classify(exc, where=self._where(), message_id=message_id) from exc
        except (smtplib.SMTPException, OSError) as exc:
            _close_quietly(conn)
            raise classify(exc, where=self._where(), message_id=message_id) from exc

    def _context(self) -> ssl.SSLContext:
        return self._ssl_context or ssl.create_default_context()

    def _discard(self) -> None:
        conn, self._conn = self._conn, None
        _close_quietly(conn)

    def _where(self) -> str:
        return f"le serveur SMTP {self.url.host}:{self.url.port}"

    # -- dialogue -----------------------------------------------------------------

    def _transmit(self, conn: smtplib.SMTP, sender: str, recipients: list[str], data: bytes,
                  message_id: str | None,
                  before_content: Callable[[], None] | None = None) -> None:
        where = self._where()
        try:
            code, reply = conn.mail(sender)
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            raise _StaleConnection(str(exc)) from exc
        if code == 421:
            raise _StaleConnection(f"{code} {_text(reply)}")
        if code != 250:
            raise _reply_error(code, reply, where, message_id, f"l'expéditeur {sender}")
        try:
            for recipient in recipients:
                code, reply = conn.rcpt(recipient)
                if code not in (250, 251):
                    _reset_quietly(conn)
                    raise _reply_error(code, reply, where, message_id,
                                       f"le destinataire {recipient}", recipient=recipient)
            code, reply = conn.docmd("DATA")
            if code != 354:
                raise _reply_error(code, reply, where, message_id, "le message")
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            raise classify(exc, where=where, message_id=message_id) from exc
        if before_content is not None:
            before_content()
        try:  # from here on the server may keep the message even if we see no reply
            code, reply = _send_content(conn, data)
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            raise MailTemporaryError(
                f"{where} a coupé la connexion pendant l'envoi du message {message_id} "
                f"({exc}) : il a peut-être été remis ; le renvoi portera le même Message-ID",
                message_id=message_id, maybe_delivered=True) from exc
        if code != 250:
            raise _reply_error(code, reply, where, message_id, "le message")


def _send_content(conn: smtplib.SMTP, data: bytes) -> tuple[int, bytes]:
    """The content after a 354, dot-stuffed and ended by CRLF.CRLF (as smtplib.data)."""
    payload = re.sub(rb"(?m)^\.", b"..", data)
    if payload[-2:] != b"\r\n":
        payload += b"\r\n"
    conn.send(payload + b".\r\n")
    return conn.getreply()


class _StaleConnection(Exception):
    """The server was gone (or closing, 421) before MAIL was accepted: nothing was sent,
    safe to retry on a new connection."""


def classify(exc: BaseException, *, where: str, message_id: str | None = None) -> MailError:
    """The ``MailError`` an smtplib or socket exception means: what the outbox must do."""
    if isinstance(exc, MailError):
        return exc
    if isinstance(exc, smtplib.SMTPRecipientsRefused) and exc.recipients:
        recipient, (code, reply) = next(iter(exc.recipients.items()))
        return _reply_error(code, reply, where, message_id, f"le destinataire {recipient}",
                            recipient=recipient)
    if isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 400:
        return _reply_error(exc.smtp_code, exc.smtp_error, where, message_id, "le message")
    if isinstance(exc, ConnectionRefusedError):
        return MailTemporaryError(
            f"{where} refuse la connexion (arrêté ?) : le message {message_id} n'est pas "
            "parti ; vérifier que le serveur tourne et EIG_SMTP_URL, il sera renvoyé plus tard",
            message_id=message_id)
    if isinstance(exc, smtplib.SMTPServerDisconnected | ConnectionError):
        return MailTemporaryError(
            f"{where} a coupé la connexion ({exc}) : le message {message_id} n'est pas "
            "parti ; il sera renvoyé plus tard", message_id=message_id)
    if isinstance(exc, TimeoutError):
        return MailTemporaryError(
            f"{where} ne répond pas (délai dépassé) : le message {message_id} sera renvoyé "
            "plus tard", message_id=message_id)
    if isinstance(exc, OSError | smtplib.SMTPException):
        return MailTemporaryError(
            f"{where} injoignable ({type(exc).__name__}: {exc}) : vérifier l'hôte et le "
            f"port de EIG_SMTP_URL ; le message {message_id} sera renvoyé plus tard",
            message_id=message_id)
    raise TypeError(f"not a mail error: {exc!r}")


def _reply_error(code: int, reply: bytes | str, where: str, message_id: str | None,
                 subject: str, *, recipient: str | None = None) -> MailError:
    """4xx → temporary, 5xx → permanent, anything else (a protocol surprise) → temporary."""
    text = _text(reply)
    details = dict(code=code, reply=text, message_id=message_id, recipient=recipient)
    if 500 <= code < 600:
        return MailPermanentError(
            f"{where} refuse {subject} ({code} {text}) pour le message {message_id} : ne "
            "pas le renvoyer ; corriger l'adresse ou le contenu, puis créer un nouvel envoi",
            **details)
    return MailTemporaryError(
        f"{where} diffère {subject} ({code} {text}) pour le message {message_id} : il sera "
        "renvoyé plus tard", **details)


def _envelope(message: EmailMessage, message_id: str | None) -> tuple[str, list[str]]:
    senders = getaddresses([str(v) for v in message.get_all("Sender", [])]
                           or [str(v) for v in message.get_all("From", [])])
    recipients = [addr for _, addr in getaddresses(
        [str(v) for name in ("To", "Cc", "Bcc") for v in message.get_all(name, [])]) if addr]
    if not senders or not senders[0][1]:
        raise InvalidMessageError(f"message {message_id} sans expéditeur (From)",
                                  message_id=message_id)
    if not recipients:
        raise InvalidMessageError(f"message {message_id} sans destinataire (To, Cc, Bcc)",
                                  message_id=message_id)
    return senders[0][1], list(dict.fromkeys(recipients))


def _without_bcc(message: EmailMessage) -> EmailMessage:
    """A copy without its Bcc header: blind recipients get it by the envelope only."""
    stripped = copy.deepcopy(message)
    del stripped["Bcc"]
    return stripped


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


def _close_quietly(conn: smtplib.SMTP | None) -> None:
    if conn is not None:
        with contextlib.suppress(OSError):
            conn.close()


def _reset_quietly(conn: smtplib.SMTP) -> None:
    with contextlib.suppress(smtplib.SMTPException, OSError):
        conn.rset()
