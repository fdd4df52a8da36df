"""`eig mailbox`: the list (recipients as people read them), `--show N`, and one French
line, never a traceback, for what it cannot show."""

from __future__ import annotations

import mailbox
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from connectors.mail import Address, Attachment, OutgoingEmail, build_message
from eig.cli import app


def deliver(maildir: Path, n: int) -> None:
    email = OutgoingEmail(
        to=[Address("elodie@exemple.fr", "Élodie Müller"), Address("paul@exemple.fr")],
        subject=f"Dossier n° {n} à évaluer", text=f"Bonjour,\nle dossier n° {n} vous attend.",
        sender=Address("eig@beta.gouv.fr", "Programme EIG"), message_id_key=f"mail:t:{n}",
        attachments=[Attachment(f"dossier-{n}.pdf", b"%PDF-1.7 " * 200, "application/pdf")])
    when = datetime(2026, 12, 14, 8, n, tzinfo=UTC)
    mailbox.Maildir(maildir, create=True).add(build_message(email, date=when).as_bytes())


@pytest.fixture
def box(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    maildir = tmp_path / "maildir"
    for n in (1, 2):
        deliver(maildir, n)
    monkeypatch.setenv("EIG_MAILDIR", str(maildir))
    return maildir


def test_the_list_names_recipients_as_people_read_them(box):
    listed = CliRunner().invoke(app, ["mailbox"])
    assert listed.exit_code == 0, listed.output
    assert "Élodie Müller <elodie@exemple.fr>, paul@exemple.fr" in listed.output
    assert "['" not in listed.output
    assert "lundi 14 décembre 2026 à 9 h 01" in listed.output  # Paris time
    assert "2 messages dans" in listed.output


@pytest.mark.parametrize("args", [["--show", "2"], ["2"], ["-s", "2"]])
def test_show_prints_headers_text_and_attachments(box, args):
    shown = CliRunner().invoke(app, ["mailbox", *args])
    assert shown.exit_code == 0, shown.output
    assert "Objet : Dossier n° 2 à évaluer" in shown.output
    assert "À : Élodie Müller <elodie@exemple.fr>, paul@exemple.fr" in shown.output
    assert "le dossier n° 2 vous attend." in shown.output
    assert "Pièces jointes :" in shown.output and "dossier-2.pdf (application/pdf" in shown.output
    assert "Date : lundi 14 décembre 2026 à 9 h 02 (heure de Paris)" in shown.output


def test_another_box_is_read_with_boite(box, tmp_path, monkeypatch):
    monkeypatch.setenv("EIG_MAILDIR", str(tmp_path / "elsewhere"))
    assert "Boîte vide" in CliRunner().invoke(app, ["mailbox"]).output
    shown = CliRunner().invoke(app, ["mailbox", "--boite", str(box), "--show", "1"])
    assert shown.exit_code == 0 and "Dossier n° 1 à évaluer" in shown.output


@pytest.mark.parametrize(("args", "said"), [
    (["{box}"], "n'est pas un numéro de message ; pour lire une autre boîte : eig mailbox "
                "--boite"),
    (["--show", "9"], "pas de message n° 9 : la boîte"),
    (["--show", "cle-inconnue"], "pas de message 'cle-inconnue'"),
    (["--boite", "{box}/absente", "1"], "pas de boîte"),
])
def test_what_cannot_be_shown_is_one_french_line(box, args, said):
    result = CliRunner().invoke(app, ["mailbox", *(a.format(box=box) for a in args)])
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert said in result.output and len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output
