"""Which failures mean "retry later", "do not retry", or "fix the configuration"."""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest

from connectors import mail
from connectors.mail import (
    InvalidMessageError,
    MailConfigurationError,
    MailError,
    MailPermanentError,
    MailTemporaryError,
    SmtpSender,
    classify,
)

WHERE = "le serveur SMTP h:25"


@pytest.mark.parametrize(("exc", "kind", "code"), [
    (smtplib.SMTPResponseException(421, b"4.3.2 closing"), MailTemporaryError, 421),
    (smtplib.SMTPSenderRefused(451, b"4.7.1 greylisted", "eig@x"), MailTemporaryError, 451),
    (smtplib.SMTPDataError(452, b"4.3.1 mailbox full"), MailTemporaryError, 452),
    (smtplib.SMTPDataError(554, b"5.7.1 spam"), MailPermanentError, 554),
    (smtplib.SMTPSenderRefused(553, b"5.1.8 bad sender", "eig@x"), MailPermanentError, 553),
    (smtplib.SMTPRecipientsRefused({"a@x": (550, b"5.1.1 unknown")}), MailPermanentError, 550),
    (smtplib.SMTPRecipientsRefused({"a@x": (450, b"4.2.1 later")}), MailTemporaryError, 450),
    (ConnectionRefusedError(111, "refused"), MailTemporaryError, None),
    (ConnectionResetError(104, "reset"), MailTemporaryError, None),
    (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), MailTemporaryError, None),
    (TimeoutError("timed out"), MailTemporaryError, None),
    (socket.gaierror(-2, "Name or service not known"), MailTemporaryError, None),
])
def test_classification(exc: BaseException, kind: type[MailError], code: int | None) -> None:
    error = classify(exc, where=WHERE, message_id="<id@x>")
    assert type(error) is kind
    assert error.code == code
    assert error.message_id == "<id@x>" and "<id@x>" in str(error)
    assert WHERE in str(error)
    advice = "renvoyé plus tard" if kind is MailTemporaryError else "ne pas le renvoyer"
    assert advice in str(error)


def test_refused_recipient_is_named() -> None:
    error = classify(smtplib.SMTPRecipientsRefused({"inconnu@x.fr": (550, b"5.1.1 unknown")}),
                     where=WHERE)
    assert error.recipient == "inconnu@x.fr" and "inconnu@x.fr" in str(error)
    assert error.reply == "5.1.1 unknown"


def test_kinds_are_distinct_branches() -> None:
    """An outbox catching MailTemporaryError must not swallow permanent or config errors."""
    assert not issubclass(MailPermanentError, MailTemporaryError)
    assert not issubclass(MailConfigurationError, MailTemporaryError | MailPermanentError)
    assert all(issubclass(k, MailError) for k in (MailPermanentError, MailTemporaryError,
                                                  MailConfigurationError))
    assert issubclass(InvalidMessageError, MailPermanentError)  # bad data: do not retry either


class _FakeSMTP:
    """Stands for smtplib.SMTP where a real server cannot easily misbehave that way."""

    login_reply: tuple[int, bytes] = (535, b"5.7.8 bad credentials")
    instances: list[_FakeSMTP] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _FakeSMTP.instances.append(self)
        self.closed = False

    def ehlo_or_helo_if_needed(self) -> None: ...
    def ehlo(self) -> None: ...
    def starttls(self, **kwargs: Any) -> None:
        raise smtplib.SMTPNotSupportedError("STARTTLS extension not supported by server.")

    def login(self, user: str, password: str) -> None:
        raise smtplib.SMTPAuthenticationError(*self.login_reply)

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def fake_smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_FakeSMTP]]:
    _FakeSMTP.instances = []
    monkeypatch.setattr(mail.smtp.smtplib, "SMTP", _FakeSMTP)
    yield _FakeSMTP


def _message() -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Message-ID"] = "eig@x.fr", "a@x.fr", "<id@x.fr>"
    msg.set_content("x")
    return msg


def test_refused_credentials_are_a_configuration_error(fake_smtp: type[_FakeSMTP]) -> None:
    with pytest.raises(MailConfigurationError, match="identifiants") as caught:
        SmtpSender("smtp://eig:hunter2@127.0.0.1:2525").send(_message())
    assert "hunter2" not in str(caught.value)
    assert caught.value.code == 535
    assert fake_smtp.instances[0].closed


def test_temporary_auth_failure_is_temporary(fake_smtp: type[_FakeSMTP],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_FakeSMTP, "login_reply", (454, b"4.7.0 try later"))
    with pytest.raises(MailTemporaryError):
        SmtpSender("smtp://eig:hunter2@127.0.0.1:2525").send(_message())


def test_message_without_recipient_is_not_sent(fake_smtp: type[_FakeSMTP]) -> None:
    msg = _message()
    del msg["To"]
    with pytest.raises(InvalidMessageError, match="sans destinataire"):
        SmtpSender("smtp://127.0.0.1:2525").send(msg)
    assert fake_smtp.instances == []  # refused before connecting


def test_missing_starttls_is_a_configuration_error(fake_smtp: type[_FakeSMTP]) -> None:
    with pytest.raises(MailConfigurationError, match="STARTTLS"):
        SmtpSender("smtp://mail.exemple.fr:587?starttls=1").send(_message())
