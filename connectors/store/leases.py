"""Named leases in the store: one holder at a time, renewed while it works, taken over
once expired (its holder died). What keeps two runs of a stage from working at once,
whatever started them (a schedule, the UI, a terminal)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from connectors.store.repository import dialect_insert
from models.tables import RunLease


def acquire(session: Session, name: str, owner: str, holder: dict[str, Any], now: datetime,
            ttl: timedelta) -> bool:
    """Take the lease if it is free, expired, or already ours; False if someone holds it."""
    stmt = dialect_insert(session, RunLease).values(
        name=name, owner=owner, holder=holder, acquired_at=now, expires_at=now + ttl)
    stmt = stmt.on_conflict_do_update(
        index_elements=["name"],
        set_={"owner": owner, "holder": holder, "acquired_at": now, "expires_at": now + ttl},
        where=(RunLease.expires_at < now) | (RunLease.owner == owner),
    ).returning(RunLease.owner)
    return session.execute(stmt).scalar_one_or_none() == owner


def renew(session: Session, name: str, owner: str, now: datetime, ttl: timedelta) -> bool:
    """Extend our lease; False if it is no longer ours (it ran out and was taken over)."""
    result = session.execute(update(RunLease).where(
        RunLease.name == name, RunLease.owner == owner).values(expires_at=now + ttl))
    return result.rowcount == 1


def release(session: Session, name: str, owner: str) -> None:
    session.execute(delete(RunLease).where(RunLease.name == name, RunLease.owner == owner))


def holder(session: Session, name: str, now: datetime) -> RunLease | None:
    """Who holds the lease now (None when free or expired)."""
    row = session.scalar(select(RunLease).where(RunLease.name == name))
    return row if row is not None and row.expires_at >= now else None
