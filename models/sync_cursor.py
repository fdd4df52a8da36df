"""Cursor bookkeeping for DS's incremental sync (pure; the store persists it).

DS documents the sync as: keep ``updatedSince`` fixed, resume after the last
non-null ``endCursor``. An empty page has a null endCursor, which must never
erase the position we hold.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum

STREAMS = ("dossiers", "pending_deleted", "deleted")


class SyncStatus(StrEnum):
    """A sync run (``sync_runs``): running, then ok or failed (a démarche failed)."""

    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # before any DS dossier: a full read


@dataclass(frozen=True)
class StreamState:
    """Where one stream of one démarche stands, and whether this run still reads it."""

    stream: str
    anchor: datetime
    cursor: str | None = None
    open: bool = True  # still pages to read in this run

    def after_page(self, end_cursor: str | None, has_next_page: bool) -> StreamState:
        """The state once a page is stored: keep the last non-null cursor."""
        return replace(
            self, cursor=end_cursor if end_cursor is not None else self.cursor, open=has_next_page
        )


def initial_states(stored: dict[str, tuple[datetime, str | None]], full: bool) -> list[StreamState]:
    """States for a run: a full run starts every stream from the epoch, without a cursor."""
    states = []
    for stream in STREAMS:
        anchor, cursor = (EPOCH, None) if full else stored.get(stream, (EPOCH, None))
        states.append(StreamState(stream, anchor, cursor))
    return states

