"""The files side of personal data's lifecycle: the documents we generate under
``EIG_DOCUMENTS_DIR`` and the Maildir's copies of the emails sent (``EIG_MAILDIR``):
which are older than a date, which are about a person, copied (an export) or removed.

Only the folders we write documents to are ever touched: ``EIG_DOCUMENTS_DIR`` is
``var/`` by default, beside the store's SQLite file and the Maildir.
"""

from __future__ import annotations

import mailbox
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from pathlib import Path

from connectors.mail.message import EFFECT_HEADER

DOCUMENT_FOLDERS = ("releves", "conventions", "reports", "rgpd")
"""The folders of EIG_DOCUMENTS_DIR the pipeline writes (relevés, convention drafts,
score charts, RGPD exports)."""


@dataclass(frozen=True)
class DocumentFile:
    path: Path
    modified_at: datetime


def documents(root: Path) -> list[DocumentFile]:
    """Every file the pipeline wrote under ``root`` (its document folders only)."""
    found = []
    for folder in DOCUMENT_FOLDERS:
        base = Path(root) / folder
        if base.is_dir():
            found += [DocumentFile(p, datetime.fromtimestamp(p.stat().st_mtime, UTC))
                      for p in sorted(base.rglob("*")) if p.is_file()]
    return found


def remove_files(paths: Iterable[Path]) -> int:
    """Remove these files, and the folders they leave empty; returns how many went."""
    done = 0
    for path in paths:
        if path.is_file():
            path.unlink()
            done += 1
            parent = path.parent
            while parent.is_dir() and parent.name not in DOCUMENT_FOLDERS and \
                    not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent
    return done


def remove_exports(paths: Iterable[Path]) -> None:
    """Remove export folders and their zips."""
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.is_file():
            path.unlink()


@dataclass(frozen=True)
class MailFile:
    """One message of the Maildir, as far as its lifecycle goes (headers only)."""

    key: str
    delivered_at: datetime
    recipients: frozenset[str]
    effect: str  # the outbox key (X-EIG-Effect), "" when absent


def mail_files(maildir: Path) -> list[MailFile]:
    """The Maildir's messages (headers only); a missing Maildir has none."""
    if not Path(maildir).is_dir():
        return []
    box = mailbox.Maildir(maildir, create=False)
    parser = BytesHeaderParser(policy=policy.default)
    found = []
    for folder in ("new", "cur"):
        for path in sorted((Path(maildir) / folder).glob("*")):
            if path.name.startswith(".") or not path.is_file():
                continue
            key = path.name.split(box.colon, 1)[0]
            headers = parser.parsebytes(path.read_bytes())
            people = getaddresses([str(headers[h]) for h in ("To", "Cc", "Bcc") if headers[h]])
            found.append(MailFile(
                key, datetime.fromtimestamp(path.stat().st_mtime, UTC),
                frozenset(a.lower() for _, a in people if a),
                str(headers[EFFECT_HEADER] or "").strip()))
    return found


def remove_messages(maildir: Path, keys: Sequence[str]) -> int:
    if not keys:
        return 0
    box = mailbox.Maildir(maildir, create=False)
    done = 0
    for key in keys:
        try:
            box.remove(key)
            done += 1
        except KeyError:  # removed meanwhile
            continue
    return done


def copy_messages(maildir: Path, keys: Sequence[str], folder: Path) -> list[Path]:
    """Each message as ``<n>.eml`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    if not keys:  # nothing to copy: the Maildir may not exist at all
        return []
    box = mailbox.Maildir(maildir, create=False)
    written = []
    for n, key in enumerate(keys, 1):
        path = folder / f"{n:03d}.eml"
        path.write_bytes(box.get_bytes(key))
        written.append(path)
    return written


def copy_files(paths: Iterable[Path], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for path in paths:
        if Path(path).is_file():
            target = folder / Path(path).name
            shutil.copy2(path, target)
            written.append(target)
    return written


def zip_folder(folder: Path) -> Path:
    """``folder`` as ``folder.zip`` beside it."""
    return Path(shutil.make_archive(str(folder), "zip", root_dir=folder))
