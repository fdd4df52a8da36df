"""The outbox table: record effects idempotently, claim the due ones, mark outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from connectors.store.repository import dialect_insert
from models.outbox import Kind, Outcome, Status, lane_of
from models.tables import Effect


def record_effect(
    session: Session, key: str, kind: Kind, action: str, payload: dict[str, Any],
    now: datetime,
) -> bool:
    """Record an effect in the caller's transaction; False when the key was already there."""
    stmt = dialect_insert(session, Effect).values(
        key=key, kind=str(kind), action=action, payload=payload, status=str(Status.PENDING),
        lane=str(lane_of(Kind(kind), action)),
        attempts=0, created_at=now, updated_at=now, next_attempt_at=now,
    ).on_conflict_do_nothing(index_elements=["key"]).returning(Effect.id)
    return session.execute(stmt).scalar_one_or_none() is not None


def due_effects(session: Session, now: datetime, limit: int = 100,
                kinds: Sequence[Kind] | None = None) -> list[Effect]:
    """Pending effects whose time has come, oldest first (the order they were recorded)."""
    query = (select(Effect)
             .where(Effect.status == str(Status.PENDING), Effect.next_attempt_at <= now)
             .order_by(Effect.id).limit(limit))
    if kinds:
        query = query.where(Effect.kind.in_([str(k) for k in kinds]))
    return list(session.scalars(query))


def mark_delivered(session: Session, effect_id: int, now: datetime,
                   result: dict[str, Any] | None) -> None:
    session.execute(update(Effect).where(Effect.id == effect_id).values(
        status=str(Status.DELIVERED), attempts=Effect.attempts + 1, delivered_at=now,
        updated_at=now, result=result, last_error=None,
    ))


def mark_attempt_failed(session: Session, effect_id: int, outcome: Outcome,
                        now: datetime) -> None:
    values: dict[str, Any] = {"status": str(outcome.status), "attempts": Effect.attempts + 1,
                              "last_error": outcome.error, "updated_at": now}
    if outcome.next_attempt_at is not None:
        values["next_attempt_at"] = outcome.next_attempt_at
    session.execute(update(Effect).where(Effect.id == effect_id).values(**values))


def list_effects(session: Session, statuses: Sequence[Status] | None = None,
                 limit: int = 500) -> list[Effect]:
    query = select(Effect).order_by(Effect.id).limit(limit)
    if statuses:
        query = query.where(Effect.status.in_([str(s) for s in statuses]))
    return list(session.scalars(query))


def retry_effect(session: Session, key: str | None, now: datetime) -> int:
    """Put a failed or dead effect back in the queue, now (its attempts start over);
    ``key=None``: every failed and dead effect (e.g. once an expired token is replaced).
    Returns how many were requeued."""
    query = update(Effect).where(
        Effect.status.in_([str(Status.FAILED), str(Status.DEAD), str(Status.PENDING)]))
    if key is not None:
        query = query.where(Effect.key == key)
    else:
        query = query.where(Effect.status != str(Status.PENDING))
    result = session.execute(
        query.values(status=str(Status.PENDING), attempts=0, next_attempt_at=now, updated_at=now)
    )
    return result.rowcount or 0
