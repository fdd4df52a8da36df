"""Building emails: MIME structure, UTF-8 headers, attachments, deterministic Message-ID."""

from __future__ import annotations

from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import cast

import pytest

from connectors.mail import (
    EFFECT_HEADER,
    Address,
    Attachment,
    InvalidMessageError,
    OutgoingEmail,
    build_message,
    message_id_for,
)

SENDER = Address("eig@beta.gouv.fr", "Programme EIG — DINUM")
ELODIE = Address("elodie.muller@exemple.fr", "Élodie Müller, « DINUM »")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ICS = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nSUMMARY:Soutenance – Équipe\r\nEND:VCALENDAR\r\n"
WHEN = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)


def email(**changes: object) -> OutgoingEmail:
    base: dict[str, object] = dict(
        to=[ELODIE, Address("jury@exemple.fr")],
        subject="Évaluation du dossier n° 42 : « Carte scolaire » — à rendre ✅",
        text="Bonjour Élodie,\n\nMerci d'évaluer le dossier n° 42.\n",
        html="<p>Bonjour <strong>Élodie</strong>,</p>",
        sender=SENDER,
        message_id_key="mail:eval-request:42",
    )
    base.update(changes)
    return OutgoingEmail(**base)  # type: ignore[arg-type]


def round_trip(msg: EmailMessage) -> EmailMessage:
    """What a receiver parses: the serialised bytes, read back with decoded headers."""
    return cast(EmailMessage, BytesParser(policy=policy.default).parsebytes(msg.as_bytes()))


def test_text_only_is_a_single_text_part() -> None:
    msg = round_trip(build_message(email(html=None), date=WHEN))
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content() == "Bonjour Élodie,\n\nMerci d'évaluer le dossier n° 42.\n"


def test_text_and_html_are_alternatives() -> None:
    msg = round_trip(build_message(email(), date=WHEN))
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert msg.get_body(("html",)).get_content() == "<p>Bonjour <strong>Élodie</strong>,</p>\n"


def test_attachments_make_a_mixed_message_with_their_types() -> None:
    attachments = [
        Attachment("relevé de décision.pdf", b"%PDF-1.7\n\x00\xff binary"),
        Attachment.calendar("soutenance.ics", ICS),
        Attachment("annonce.ics", b"BEGIN:VCALENDAR\r\nMETHOD:PUBLISH\r\nEND:VCALENDAR\r\n",
                   "text/calendar; method=PUBLISH"),
        Attachment("convention.docx", b"PK\x03\x04 docx"),
    ]
    msg = round_trip(build_message(email(attachments=attachments), date=WHEN))
    assert msg.get_content_type() == "multipart/mixed"
    first, *files = list(msg.iter_parts())
    assert first.get_content_type() == "multipart/alternative"
    assert [(p.get_filename(), p.get_content_type(), p.get_param("method")) for p in files] == [
        ("relevé de décision.pdf", "application/pdf", None),
        ("soutenance.ics", "text/calendar", "REQUEST"),
        ("annonce.ics", "text/calendar", "PUBLISH"),
        ("convention.docx", DOCX, None),
    ]
    assert [p.get_payload(decode=True) for p in files] == [
        a.content if i != 1 else ICS.encode() for i, a in enumerate(attachments)]


def test_utf8_headers_decode_back_exactly() -> None:
    subject = "Évaluation du dossier n° 42 : « Carte scolaire » — à rendre ✅ " + "é" * 80
    msg = round_trip(build_message(email(subject=subject, reply_to=ELODIE), date=WHEN))
    assert msg["Subject"] == subject
    to = msg["To"].addresses
    assert [(a.display_name, a.addr_spec) for a in to] == [
        ("Élodie Müller, « DINUM »", "elodie.muller@exemple.fr"), ("", "jury@exemple.fr")]
    assert msg["From"].addresses[0].display_name == "Programme EIG — DINUM"
    assert msg["Reply-To"].addresses[0].addr_spec == "elodie.muller@exemple.fr"


def test_serialised_message_is_seven_bit() -> None:
    """Any SMTP server accepts it, without 8BITMIME nor SMTPUTF8."""
    msg = build_message(email(attachments=[Attachment.calendar("s.ics", ICS)]))
    raw = msg.as_bytes(policy=policy.SMTP)
    assert raw.isascii()
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))


def test_message_id_is_derived_from_the_key() -> None:
    first = build_message(email(), date=WHEN)
    later = build_message(email(subject="Relance", text="autre"), date=datetime.now(UTC))
    other = build_message(email(message_id_key="mail:eval-request:43"), date=WHEN)
    assert first["Message-ID"] == later["Message-ID"] == message_id_for(
        "mail:eval-request:42", "beta.gouv.fr")
    assert other["Message-ID"] != first["Message-ID"]
    assert first["Message-ID"].startswith("<") and first["Message-ID"].endswith("@beta.gouv.fr>")
    assert len(first["Message-ID"].split("@")[0]) == 1 + 32


def test_effect_header_carries_the_key() -> None:
    msg = round_trip(build_message(email(headers={"X-Dossier": "42"})))
    assert msg[EFFECT_HEADER] == "mail:eval-request:42"
    assert msg["X-Dossier"] == "42"


def test_a_long_effect_key_reads_back_whole_from_the_maildir(tmp_path) -> None:
    """A key longer than a header line is folded onto its own line: readers strip it."""
    import mailbox

    from connectors.mail import Mailbox

    key = "mail:hearing-invite:3:celine.perrier@developpement-durable.gouv.fr"
    mailbox.Maildir(tmp_path / "box").add(build_message(email(message_id_key=key)).as_bytes())
    assert [m.effect for m in Mailbox(tmp_path / "box").list()] == [key]


def test_same_input_and_date_give_the_same_content() -> None:
    one = round_trip(build_message(email(), date=WHEN))
    two = round_trip(build_message(email(), date=WHEN))
    def headers(msg: EmailMessage) -> list[tuple[str, str]]:  # boundaries are random
        return [(k, v) for k, v in msg.items() if k != "Content-Type"]

    assert headers(one) == headers(two)
    assert one.get_body(("plain",)).get_content() == two.get_body(("plain",)).get_content()


@pytest.mark.parametrize("header", ["Message-ID", "subject", "X-EIG-Effect", "From"])
def test_extra_headers_cannot_override_ours(header: str) -> None:
    with pytest.raises(InvalidMessageError, match=header):
        build_message(email(headers={header: "x"}))


def test_header_injection_is_refused() -> None:
    with pytest.raises(InvalidMessageError, match="X-Dossier"):
        build_message(email(headers={"X-Dossier": "42\r\nBcc: victim@exemple.fr"}))


@pytest.mark.parametrize("bad", ["sans-arobase", "@exemple.fr", "elodie@", "élodie@exemple.fr"])
def test_invalid_addresses_are_named(bad: str) -> None:
    with pytest.raises(InvalidMessageError, match=bad):
        build_message(email(to=[Address(bad)]))


def test_international_domain_is_encoded() -> None:
    msg = round_trip(build_message(email(to=[Address("contact@école.fr")])))
    assert msg["To"].addresses[0].domain == "xn--cole-9oa.fr"


def test_no_recipient_is_refused() -> None:
    with pytest.raises(InvalidMessageError, match="sans destinataire"):
        build_message(email(to=[]))


def test_unknown_extension_is_octet_stream() -> None:
    maintype, subtype, _ = Attachment("données.bin", b"\x00").mime_type()
    assert (maintype, subtype) == ("application", "octet-stream")
