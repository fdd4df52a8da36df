"""SmtpSender against the real local SMTP server (aiosmtpd), read back from its Maildir.

No Prefect here: the autouse Prefect harness of this directory is replaced by a no-op
for this module, so these tests take about a second.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.mail import (
    Address,
    Attachment,
    LocalSmtpServer,
    Mailbox,
    MailPermanentError,
    MailTemporaryError,
    OutgoingEmail,
    SmtpSender,
    build_message,
    running_smtp_server,
)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ICS = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nSUMMARY:Soutenance — Équipe\r\nEND:VCALENDAR\r\n"
SENDER = Address("eig@beta.gouv.fr", "Programme EIG")


@pytest.fixture(scope="module")
def prefect_harness() -> None:
    """Overrides the directory's autouse Prefect server: nothing here needs it."""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LocalSmtpServer]:
    with running_smtp_server(tmp_path / "maildir") as running:
        yield running


def evaluation_email(n: int, **changes: object) -> OutgoingEmail:
    base: dict[str, object] = dict(
        to=[Address(f"evaluateur{n}@exemple.fr", f"Évaluatrice n° {n} — Müller")],
        subject=f"Dossier n° {n} : « Évaluation » à rendre ✅",
        text=f"Bonjour,\n.ligne qui commence par un point\nDossier {n}.\n",
        html=f"<p>Dossier <b>{n}</b> — merci.</p>",
        sender=SENDER,
        message_id_key=f"mail:eval-request:{n}",
    )
    base.update(changes)
    return OutgoingEmail(**base)  # type: ignore[arg-type]


def send_all(sender: SmtpSender, emails: list[OutgoingEmail]) -> list[OutgoingEmail]:
    """Send each email; return those that failed temporarily (what an outbox keeps)."""
    failed = []
    for email in emails:
        try:
            sender.send(build_message(email))
        except MailTemporaryError:
            failed.append(email)
    return failed


def test_running_server_unpacks_as_host_and_port(tmp_path: Path) -> None:
    with running_smtp_server(tmp_path / "md") as (host, port):
        assert host == "127.0.0.1" and port > 0
        SmtpSender(f"smtp://{host}:{port}").send(build_message(evaluation_email(1)))
    assert len(Mailbox(tmp_path / "md")) == 1


def test_a_batch_arrives_intact(server: LocalSmtpServer) -> None:
    pdf = b"%PDF-1.7\n" + bytes(range(256)) * 40
    docx = b"PK\x03\x04" + bytes(range(255, -1, -1)) * 10
    emails = [evaluation_email(n) for n in range(1, 6)]
    emails[0] = evaluation_email(1, attachments=[
        Attachment("relevé de décision.pdf", pdf),
        Attachment.calendar("soutenance.ics", ICS),
        Attachment("convention de partenariat.docx", docx),
    ], reply_to=Address("jury@beta.gouv.fr", "Jury EIG"))
    with SmtpSender(server.url, timeout=5) as sender:
        assert send_all(sender, emails) == []

    box = server.mailbox
    summaries = box.list()
    assert [s.subject for s in summaries] == [e.subject for e in emails]
    assert [s.effect for s in summaries] == [e.message_id_key for e in emails]
    assert summaries[0].to == ["Évaluatrice n° 1 — Müller <evaluateur1@exemple.fr>"]
    assert [(a.filename, a.content_type.split(";")[0]) for a in summaries[0].attachments] == [
        ("relevé de décision.pdf", "application/pdf"), ("soutenance.ics", "text/calendar"),
        ("convention de partenariat.docx", DOCX)]
    first = box.message(1)
    assert first.get_body(("plain",)).get_content() == emails[0].text
    assert first.get_body(("html",)).get_content().rstrip("\n") == emails[0].html
    assert first["Reply-To"].addresses[0].display_name == "Jury EIG"
    files = list(first.iter_attachments())
    assert [p.get_payload(decode=True) for p in files] == [pdf, ICS.encode(), docx]
    assert files[1].get_param("method") == "REQUEST"
    assert first["X-EIG-Envelope-To"] == "evaluateur1@exemple.fr"


def test_mailbox_lists_from_a_position_and_by_effect(server: LocalSmtpServer) -> None:
    emails = [evaluation_email(n, message_id_key=f"mail:{kind}:{n}")
              for n, kind in enumerate(("eval-request", "alert", "eval-request", "alert"), 1)]
    with SmtpSender(server.url, timeout=5) as sender:
        assert send_all(sender, emails) == []
    box = server.mailbox
    everything = box.list()
    assert box.keys() == [s.key for s in everything]
    assert box.list(start=2) == everything[2:]
    assert [s.index for s in box.list(effect_prefix="mail:alert:")] == [2, 4]
    assert [s.index for s in box.list(start=2, effect_prefix="mail:alert:")] == [4]
    assert next(box.summaries(effect_prefix="mail:eval-request:")) == everything[0]
    assert box.list(start=4) == []


def test_mailbox_show_renders_for_a_person(server: LocalSmtpServer) -> None:
    email = evaluation_email(7, attachments=[Attachment("relevé.pdf", b"%PDF" * 300)])
    SmtpSender(server.url).send(build_message(email))
    box = server.mailbox
    text = box.show(1)
    assert "Objet : Dossier n° 7 : « Évaluation » à rendre ✅" in text
    assert "À : Évaluatrice n° 7 — Müller <evaluateur7@exemple.fr>" in text
    assert "Effet : mail:eval-request:7" in text
    assert ".ligne qui commence par un point" in text
    assert "relevé.pdf (application/pdf, 1,2 Kio)" in text
    assert box.show(box.list()[0].key) == text == box.show("1")
    with pytest.raises(LookupError, match="n° 2"):
        box.show(2)


def test_server_down_mid_batch_then_each_message_delivered_once(
        server: LocalSmtpServer) -> None:
    emails = [evaluation_email(n) for n in range(10)]
    server.fail_after(5)
    with SmtpSender(server.url, timeout=5) as sender:
        pending = send_all(sender, emails)
        assert pending == emails[5:]
        assert server.received == 5

        server.stop()
        server.recover()
        server.start()
        assert send_all(sender, pending) == []  # the same sender reconnects by itself

    counts = server.mailbox.message_ids()
    expected = {build_message(e)["Message-ID"] for e in emails}
    assert set(counts) == expected
    assert all(n == 1 for n in counts.values()), counts


def test_server_stopped_mid_batch_refuses_fast_then_resumes(server: LocalSmtpServer) -> None:
    emails = [evaluation_email(n) for n in range(6)]
    with SmtpSender(server.url, timeout=5) as sender:
        assert send_all(sender, emails[:3]) == []
        server.stop()
        for email in emails[3:]:  # at once (bench/test_timings.py), not after the timeout
            with pytest.raises(MailTemporaryError, match="refuse la connexion|coupé|fermé"):
                sender.send(build_message(email))
        server.start()
        assert send_all(sender, emails[3:]) == []
    assert sorted(server.mailbox.message_ids().values()) == [1] * 6


def test_stale_connection_is_replaced_without_losing_a_message(server: LocalSmtpServer) -> None:
    with SmtpSender(server.url, timeout=5) as sender:
        sender.send(build_message(evaluation_email(1)))
        server.restart()  # drops the sender's open connection
        sender.send(build_message(evaluation_email(2)))
    assert [s.effect for s in server.mailbox.list()] == ["mail:eval-request:1",
                                                         "mail:eval-request:2"]


def test_unknown_recipient_is_permanent_and_the_batch_goes_on(server: LocalSmtpServer) -> None:
    bad = evaluation_email(2, to=[Address("ok@exemple.fr"), Address("inconnu@exemple.fr")])
    server.reject_recipient("inconnu@exemple.fr")
    with SmtpSender(server.url, timeout=5) as sender:
        sender.send(build_message(evaluation_email(1)))
        with pytest.raises(MailPermanentError, match="inconnu@exemple.fr") as caught:
            sender.send(build_message(bad))
        sender.send(build_message(evaluation_email(3)))
    assert caught.value.code == 550 and caught.value.recipient == "inconnu@exemple.fr"
    # all or nothing: the accepted recipient of the refused message got nothing either
    assert [s.effect for s in server.mailbox.list()] == ["mail:eval-request:1",
                                                         "mail:eval-request:3"]


@pytest.mark.parametrize(("reply", "kind"), [("554 5.7.1 Message refusé", MailPermanentError),
                                             ("451 4.7.1 Réessayer plus tard", MailTemporaryError)])
def test_reply_after_content_is_classified(server: LocalSmtpServer, reply: str,
                                           kind: type[Exception]) -> None:
    server.refuse_next(1, reply)
    with pytest.raises(kind) as caught:
        SmtpSender(server.url).send(build_message(evaluation_email(1)))
    assert caught.value.code == int(reply[:3])  # type: ignore[attr-defined]
    assert len(server.mailbox) == 0


def test_drop_after_content_may_duplicate_with_the_same_message_id(
        server: LocalSmtpServer) -> None:
    """The one case SMTP cannot make exactly-once: the server kept the message but the
    sender never heard. The error says so, and the duplicate carries the same id."""
    email = evaluation_email(1)
    server.drop_after_data(1)
    with SmtpSender(server.url, timeout=5) as sender:
        with pytest.raises(MailTemporaryError) as caught:
            sender.send(build_message(email))
        assert caught.value.maybe_delivered
        sender.send(build_message(email))
    assert server.mailbox.message_ids() == {build_message(email)["Message-ID"]: 2}


def test_no_server_is_temporary(tmp_path: Path) -> None:
    unused = LocalSmtpServer(tmp_path / "md")  # a free port, never started
    with pytest.raises(MailTemporaryError, match="refuse la connexion"):
        SmtpSender(unused.url, timeout=2).send(build_message(evaluation_email(1)))


def test_server_in_its_own_process_receives_a_batch_and_stops(tmp_path: Path) -> None:
    from connectors.mail import running_smtp_process

    with running_smtp_process(tmp_path / "md") as server:
        host, port = server
        with SmtpSender(server.url, timeout=5) as sender:
            assert send_all(sender, [evaluation_email(n) for n in range(1, 4)]) == []
        assert [s.effect for s in server.mailbox.list()] == [
            f"mail:eval-request:{n}" for n in range(1, 4)]
    with pytest.raises(MailTemporaryError):  # stopped: nobody listens any more
        SmtpSender(f"smtp://{host}:{port}", timeout=2).send(build_message(evaluation_email(9)))


def test_server_process_that_cannot_listen_says_so(tmp_path: Path) -> None:
    from connectors.mail import SmtpServerProcess

    with running_smtp_server(tmp_path / "first") as taken:
        clash = SmtpServerProcess(tmp_path / "second", port=taken.port)
        with pytest.raises(RuntimeError, match=f"serveur SMTP local \\(port {taken.port}\\)"):
            clash.start(timeout=10)
