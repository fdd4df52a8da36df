"""EIG_SMTP_URL parsing: schemes, ports, STARTTLS, percent-encoded credentials, redaction."""

from __future__ import annotations

import pytest

from connectors.mail import MailConfigurationError, SmtpSender, SmtpUrl, parse_smtp_url

SECRET = "p@ss:w/rd#?%é+ "
ENCODED = "p%40ss%3Aw%2Frd%23%3F%25%C3%A9+%20"


def test_plain_smtp_with_port() -> None:
    assert parse_smtp_url("smtp://127.0.0.1:8025") == SmtpUrl("smtp", "127.0.0.1", 8025)


@pytest.mark.parametrize(("url", "port"), [("smtp://mail.exemple.fr", 25),
                                           ("smtps://mail.exemple.fr", 465)])
def test_default_ports(url: str, port: int) -> None:
    assert parse_smtp_url(url).port == port


@pytest.mark.parametrize(("query", "expected"), [("?starttls=1", True), ("?starttls=true", True),
                                                 ("?starttls=0", False), ("", False)])
def test_starttls_flag(query: str, expected: bool) -> None:
    url = parse_smtp_url(f"smtp://mail.exemple.fr:587{query}")
    assert url.starttls is expected
    assert url.encrypted is expected


def test_smtps_credentials_are_percent_decoded() -> None:
    url = parse_smtp_url(f"smtps://eig%40beta.gouv.fr:{ENCODED}@smtp.exemple.fr:465")
    assert (url.username, url.password) == ("eig@beta.gouv.fr", SECRET)
    assert url.implicit_tls and url.host == "smtp.exemple.fr" and url.port == 465


def test_ipv6_host() -> None:
    url = parse_smtp_url("smtp://[::1]:2525")
    assert (url.host, url.port) == ("::1", 2525)
    assert url.redacted() == "smtp://[::1]:2525"


def test_password_is_never_shown() -> None:
    url = parse_smtp_url(f"smtps://eig:{ENCODED}@smtp.exemple.fr")
    assert url.redacted() == "smtps://eig:***@smtp.exemple.fr:465"
    for text in (repr(url), url.redacted(), repr(SmtpSender(f"smtps://eig:{ENCODED}@h"))):
        assert SECRET not in text and ENCODED not in text and "p%40" not in text


@pytest.mark.parametrize(("url", "match"), [
    ("http://mail.exemple.fr", "schéma"),
    ("smtp://", "hôte"),
    ("smtp://mail.exemple.fr:port", "invalide"),
    ("smtp://mail.exemple.fr:99999", "invalide"),
    ("smtp://mail.exemple.fr?tls=1", "tls"),
    ("smtp://mail.exemple.fr?starttls=peut-être", "starttls"),
    ("smtps://mail.exemple.fr?starttls=1", "smtps"),
    ("smtp://eig:secret@mail.exemple.fr", "en clair"),
    ("smtp://eig:s3cr/et@mail.exemple.fr", "encodé"),
    ("smtp://eig:s3cr#et@mail.exemple.fr", "encodé"),
])
def test_invalid_urls_say_what_to_fix(url: str, match: str) -> None:
    with pytest.raises(MailConfigurationError, match=match) as caught:
        parse_smtp_url(url)
    assert "secret" not in str(caught.value) and "s3cr" not in str(caught.value)


def test_credentials_in_clear_are_allowed_on_loopback() -> None:
    assert parse_smtp_url("smtp://eig:x@127.0.0.1:8025").username == "eig"
