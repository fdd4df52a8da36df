"""The programme's time: Europe/Paris for people, UTC in the store.

SQLite gives stored datetimes back without their zone (they were written in UTC):
``aware`` puts it back.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def aware(value: datetime) -> datetime:
    """``value`` with its zone: a naive datetime read from the store is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
