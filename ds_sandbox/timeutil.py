"""Timestamps as integer microseconds since the epoch (compact, totally ordered)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_us(moment: datetime) -> int:
    """A datetime as µs since the epoch; a naive one is read as Paris time, like DS does."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=PARIS)
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_us(us: int) -> datetime:
    return datetime.fromtimestamp(us // 1_000_000, UTC).replace(microsecond=us % 1_000_000)


def format_us(us: int, microseconds: bool = False) -> str:
    """ISO 8601 in Paris time, as DS prints it (second precision unless asked)."""
    moment = from_us(us).astimezone(PARIS)
    return moment.isoformat(timespec="microseconds" if microseconds else "seconds")


def parse_iso(value: str) -> int:
    """An ISO 8601 datetime argument to µs; raises ValueError when malformed."""
    return to_us(datetime.fromisoformat(value))
