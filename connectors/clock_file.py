"""A travelling clock shared by processes: real time plus an offset kept in a file.

For soak tests and rehearsals only (``EIG_CLOCK_FILE``; the sandbox's ``--clock-file``):
every flow run, whichever worker runs it, and the DS sandbox read the same offset, so a
driver can move a whole deployment through weeks by writing one number. Never set in
production.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path


class FileClock:
    """Now plus the offset (seconds, a float) written in ``path``; 0 while it is absent.
    The offset is read again whenever the file changes."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._stamp: tuple[int, int] | None = None
        self._offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset()

    def offset(self) -> timedelta:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return timedelta()
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            text = self.path.read_text(encoding="ascii").strip()
            self._offset = timedelta(seconds=float(text or 0))
            self._stamp = stamp
        return self._offset

    def set_offset(self, offset: timedelta) -> None:
        """Write the offset (atomically: readers never see half a number)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        partial.write_text(f"{offset.total_seconds():.6f}\n", encoding="ascii")
        os.replace(partial, self.path)

    def travel_to(self, moment: datetime) -> None:
        """Jump ahead to ``moment`` (never back)."""
        ahead = moment - self()
        if ahead > timedelta():
            self.set_offset(self.offset() + ahead)
