"""Read back the Maildir the local SMTP server writes: for ``eig mailbox`` and tests.

A Maildir is one file per message (stdlib ``mailbox.Maildir``): the demo can show
what was sent, and tests can count deliveries by Message-ID to prove that a resend
after a failure delivered each effect exactly once.
"""

from __future__ import annotations

import mailbox
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import cast

from models.french import datetime_fr, nombre_fr

DEFAULT_MAILDIR = Path("var") / "maildir"


@dataclass(frozen=True)
class AttachmentSummary:
    filename: str
    content_type: str
    size: int
    """Decoded size in bytes."""


@dataclass(frozen=True)
class MailSummary:
    """One received message, headers decoded (names and subjects in plain UTF-8)."""

    index: int
    """1-based position in delivery order: what ``show`` accepts."""
    key: str
    """The Maildir key (file name): stable, also accepted by ``show``."""
    date: datetime | None
    sender: str
    to: list[str]
    subject: str
    message_id: str
    effect: str
    """The outbox key carried by ``X-EIG-Effect`` ("" when absent)."""
    attachments: list[AttachmentSummary]


class Mailbox:
    """The messages of a Maildir, oldest delivery first. A missing directory is an
    empty mailbox, so the demo can list before anything was sent."""

    def __init__(self, maildir: Path = DEFAULT_MAILDIR) -> None:
        self.maildir = Path(maildir)

    def __len__(self) -> int:
        return len(self._box()) if self.maildir.is_dir() else 0

    def keys(self) -> list[str]:
        """Maildir keys in delivery order (file time, then key)."""
        dated = []
        for folder in ("new", "cur"):  # the delivery time is the file's (as Maildir's)
            if not (self.maildir / folder).is_dir():
                continue
            with os.scandir(self.maildir / folder) as entries:
                for entry in entries:
                    if not entry.name.startswith(".") and entry.is_file():
                        dated.append((entry.stat().st_mtime,
                                      entry.name.split(mailbox.Maildir.colon, 1)[0]))
        return [key for _, key in sorted(dated)]

    def list(self, start: int = 0, effect_prefix: str = "") -> list[MailSummary]:
        """The messages in delivery order (``index`` counts from the first one), from the
        ``start``-th on; with ``effect_prefix``, only those whose ``X-EIG-Effect`` starts
        with it (the others' headers only are read)."""
        return list(self.summaries(start, effect_prefix))

    def summaries(self, start: int = 0, effect_prefix: str = "") -> Iterator[MailSummary]:
        """``list`` one message at a time: stop early and the rest is not parsed."""
        if not self.maildir.is_dir():
            return
        box = self._box()
        headers = BytesHeaderParser(policy=policy.default)
        for i, key in enumerate(self.keys()[start:], start + 1):
            try:
                raw = box.get_bytes(key)
            except KeyError:  # moved or deleted meanwhile
                continue
            if effect_prefix and not str(headers.parsebytes(raw)["X-EIG-Effect"] or ""
                                         ).strip().startswith(effect_prefix):
                continue
            yield _summary(i, key, _parse(raw))

    def message(self, key_or_index: str | int) -> EmailMessage:
        """The parsed message (``policy.default``: decoded headers, ``get_body()``)."""
        return _parse(self.raw(key_or_index))

    def raw(self, key_or_index: str | int) -> bytes:
        """The message as stored, headers still encoded."""
        if isinstance(key_or_index, str) and not key_or_index.isdigit():
            try:  # a key: no need to list (and date) the whole box
                return self._box().get_bytes(key_or_index)
            except (KeyError, FileNotFoundError):
                pass
        key = self._resolve(key_or_index)
        return self._box().get_bytes(key)

    def show(self, key_or_index: str | int) -> str:
        """The whole message for a person: decoded headers, the text body (the HTML one
        when there is no text), then the attachments."""
        msg = self.message(key_or_index)
        lines = [f"{name} : {_paris(msg[header]) if header == 'Date' else msg[header]}"
                 for name, header in _SHOWN_HEADERS if msg[header]]
        body = msg.get_body(preferencelist=("plain", "html"))
        lines.append("")
        lines.append(body.get_content().rstrip("\n") if body is not None else "(pas de texte)")
        attachments = _attachments(msg)
        if attachments:
            lines.append("")
            lines.append("Pièces jointes :")
            lines.extend(f"  - {a.filename} ({a.content_type}, {_size(a.size)})"
                         for a in attachments)
        return "\n".join(lines) + "\n"

    def message_ids(self) -> Counter[str]:
        """How many times each Message-ID was received: more than 1 is a duplicate.
        Reads the headers only."""
        return Counter(str(head["Message-ID"] or "").strip() for head in self._headers())

    def _headers(self) -> Iterator[EmailMessage]:
        if not self.maildir.is_dir():
            return
        parser = BytesHeaderParser(policy=policy.default)
        box = self._box()
        for key in box.iterkeys():
            try:
                with box.get_file(key) as handle:
                    yield cast(EmailMessage, parser.parse(handle))
            except (FileNotFoundError, KeyError):  # moved or deleted meanwhile
                continue

    def holds_effect(self, effect_key: str) -> bool:
        """Whether a message of this outbox effect (its ``X-EIG-Effect`` header) was
        received: the check before resending an email whose fate is unknown. Reads the
        headers only."""
        return any(str(head["X-EIG-Effect"] or "").strip() == effect_key
                   for head in self._headers())

    def clear(self) -> None:
        """Delete every message (a fresh demo)."""
        if self.maildir.is_dir():
            box = self._box()
            for key in list(box.iterkeys()):
                box.discard(key)

    def _box(self) -> mailbox.Maildir:
        return mailbox.Maildir(self.maildir, create=False)

    def _resolve(self, key_or_index: str | int) -> str:
        keys = self.keys()
        if isinstance(key_or_index, int) or key_or_index.isdigit():
            index = int(key_or_index)
            if not 1 <= index <= len(keys):
                raise LookupError(f"pas de message n° {index} : la boîte {self.maildir} en "
                                  f"compte {len(keys)} (numéros de 1 à {len(keys)})")
            return keys[index - 1]
        if key_or_index not in keys:
            raise LookupError(f"pas de message {key_or_index!r} dans {self.maildir}")
        return key_or_index


_SHOWN_HEADERS = [("Date", "Date"), ("De", "From"), ("À", "To"), ("Cc", "Cc"),
                  ("Répondre à", "Reply-To"), ("Objet", "Subject"),
                  ("Message-ID", "Message-ID"), ("Effet", "X-EIG-Effect")]


def _parse(raw: bytes) -> EmailMessage:
    return cast(EmailMessage, BytesParser(policy=policy.default).parsebytes(raw))


def _summary(index: int, key: str, msg: EmailMessage) -> MailSummary:
    try:
        date = parsedate_to_datetime(str(msg["Date"])) if msg["Date"] else None
    except (TypeError, ValueError):
        date = None
    to = [str(address) for header in msg.get_all("To", []) for address in header.addresses]
    return MailSummary(index=index, key=key, date=date, sender=str(msg["From"] or ""), to=to,
                       subject=str(msg["Subject"] or ""),
                       message_id=str(msg["Message-ID"] or "").strip(),
                       effect=str(msg["X-EIG-Effect"] or "").strip(), attachments=_attachments(msg))


def _attachments(msg: EmailMessage) -> list[AttachmentSummary]:
    found = []
    for part in msg.iter_attachments():
        payload = part.get_payload(decode=True)
        found.append(AttachmentSummary(filename=part.get_filename() or "(sans nom)",
                                       content_type=str(part["Content-Type"] or
                                                        part.get_content_type()),
                                       size=len(payload) if isinstance(payload, bytes) else 0))
    return found


def _paris(header: object) -> str:
    """A Date header, Paris time (``samedi 5 décembre 2026 à 3 h 34``); as written when
    unreadable."""
    try:
        return f"{datetime_fr(parsedate_to_datetime(str(header)))} (heure de Paris)"
    except (TypeError, ValueError):
        return str(header)


def _size(size: int) -> str:
    return f"{size} o" if size < 1024 else f"{nombre_fr(size / 1024, 1)} Kio"
