"""Reading a Maildir back (what `eig mailbox`, the demo and the tests see): order, keys,
positions, what is missing."""

from __future__ import annotations

import mailbox
import os
from email.message import EmailMessage
from pathlib import Path

import pytest

from connectors.mail import Mailbox


def deliver(maildir: Path, n: int, effect: str, when: float) -> str:
    message = EmailMessage()
    message["Subject"] = f"Message {n}"
    message["Message-ID"] = f"<m{n}@eig>"
    message["X-EIG-Effect"] = effect
    message.set_content(f"Corps {n}")
    box = mailbox.Maildir(maildir, create=True)
    key = box.add(message)
    os.utime(maildir / "new" / key, (when, when))  # the delivery time is the file's
    return key


@pytest.fixture
def box(tmp_path: Path) -> tuple[Mailbox, list[str]]:
    keys = [deliver(tmp_path / "maildir", n, effect, 1_000_000 + t)
            for n, effect, t in [(1, "mail:a:1", 30), (2, "mail:b:2", 10), (3, "mail:a:3", 20)]]
    return Mailbox(tmp_path / "maildir"), keys


def test_messages_come_in_delivery_order_by_key_or_position(box):
    mailbox_, keys = box
    assert mailbox_.keys() == [keys[1], keys[2], keys[0]]
    assert [m.subject for m in mailbox_.list()] == ["Message 2", "Message 3", "Message 1"]
    assert [m.index for m in mailbox_.list(start=1, effect_prefix="mail:a:")] == [2, 3]
    assert mailbox_.message(keys[0])["Subject"] == mailbox_.message(3)["Subject"] == "Message 1"
    assert mailbox_.message_ids() == {"<m1@eig>": 1, "<m2@eig>": 1, "<m3@eig>": 1}
    assert mailbox_.holds_effect("mail:b:2") and not mailbox_.holds_effect("mail:c:9")


def test_what_is_not_there_is_said_in_french(box):
    mailbox_, _ = box
    with pytest.raises(LookupError, match="pas de message n° 4 .* compte 3"):
        mailbox_.message(4)
    with pytest.raises(LookupError, match="pas de message 'inconnu'"):
        mailbox_.message("inconnu")
    mailbox_.clear()
    assert mailbox_.keys() == [] and len(mailbox_) == 0


def test_a_missing_maildir_is_an_empty_mailbox(tmp_path: Path):
    empty = Mailbox(tmp_path / "nowhere")
    assert (empty.keys(), empty.list(), len(empty)) == ([], [], 0)
    assert empty.message_ids() == {} and not empty.holds_effect("mail:a:1")
