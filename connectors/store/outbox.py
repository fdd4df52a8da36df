"""The outbox table: record effects idempotently, claim the due ones, mark outcomes.

A deliverer claims effects before it acts (a lease in the row: owner and expiry), so any
number of deliverers, in any number of processes, never act on the same effect at once;
an expired lease (its deliverer was killed) is taken over. Every outcome is written only
by the lease's owner (``mark_delivered`` accepts any: it records a fact).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from connectors.store.repository import dialect_insert
from models.outbox import Kind, Lane, Outcome, Status, lane_of
from models.tables import Effect

TALLY = "outbox.tally"
"""Key of ``Session.info`` where a run's ``EffectTally`` counts what its sessions record."""


class EffectTally:
    """Effects recorded by one run, per lane (thread-safe): what it hands over."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def add(self, lane: str) -> None:
        with self._lock:
            self._counts[lane] += 1

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)


def record_effect(
    session: Session, key: str, kind: Kind, action: str, payload: dict[str, Any],
    now: datetime,
) -> bool:
    """Record an effect in the caller's transaction; False when the key was already there."""
    lane = str(lane_of(Kind(kind), action))
    stmt = dialect_insert(session, Effect).values(
        key=key, kind=str(kind), action=action, payload=payload, status=str(Status.PENDING),
        lane=lane, attempts=0, created_at=now, updated_at=now, next_attempt_at=now,
    ).on_conflict_do_nothing(index_elements=["key"]).returning(Effect.id)
    recorded = session.execute(stmt).scalar_one_or_none() is not None
    tally = session.info.get(TALLY)
    if recorded and tally is not None:
        tally.add(lane)
    return recorded


def _due(now: datetime, wall: datetime | None = None):
    """Pending, its time come (``now``: the pipeline's clock), and claimed by nobody or by
    a deliverer whose lease ran out (``wall``: the real time, as leases are about live
    processes; defaults to ``now``)."""
    wall = wall or now
    return (Effect.status == str(Status.PENDING), Effect.next_attempt_at <= now,
            or_(Effect.lease_until.is_(None), Effect.lease_until < wall))


def claim(session: Session, owner: str, now: datetime, lease: timedelta, limit: int,
          lanes: Sequence[Lane] | None = None, keys: Sequence[str] | None = None,
          wall: datetime | None = None) -> list[Effect]:
    """Claim up to ``limit`` due effects for ``owner`` until ``wall + lease``, oldest
    first; commit right after. Each claim counts as an attempt (``attempts`` + 1).

    PostgreSQL skips the rows another deliverer is claiming (``FOR UPDATE SKIP LOCKED``);
    SQLite's transactions take the write lock up front, so claims there are serial.
    """
    wall = wall or now
    candidates = select(Effect.id).where(*_due(now, wall)).order_by(Effect.id).limit(limit)
    if lanes:
        candidates = candidates.where(Effect.lane.in_([str(lane) for lane in lanes]))
    if keys is not None:
        candidates = candidates.where(Effect.key.in_(list(keys)))
    candidates = candidates.with_for_update(skip_locked=True)
    claimed = session.scalars(
        update(Effect).where(Effect.id.in_(candidates.scalar_subquery()), *_due(now, wall))
        .values(lease_owner=owner, lease_until=wall + lease, attempts=Effect.attempts + 1,
                updated_at=now)
        .returning(Effect).execution_options(synchronize_session=False,
                                             populate_existing=True))
    return sorted(claimed, key=lambda effect: effect.id)


def start_attempt(session: Session, effect_id: int, owner: str, wall: datetime,
                  lease: timedelta) -> bool:
    """Record, before acting, that the attempt is about to reach the world (and extend the
    lease); False when the lease was taken over meanwhile: then do not act."""
    result = session.execute(
        update(Effect).where(Effect.id == effect_id, Effect.lease_owner == owner,
                             Effect.status == str(Status.PENDING))
        .values(attempt_started_at=wall, lease_until=wall + lease, updated_at=wall))
    return result.rowcount == 1


_RELEASED = {"lease_owner": None, "lease_until": None, "attempt_started_at": None}


def mark_delivered(session: Session, effect_id: int, now: datetime,
                   result: dict[str, Any] | None) -> None:
    """The effect is true in the world: whoever holds the lease, this is now a fact."""
    session.execute(update(Effect).where(Effect.id == effect_id).values(
        status=str(Status.DELIVERED), delivered_at=now, updated_at=now, result=result,
        last_error=None, **_RELEASED))


def mark_attempt_failed(session: Session, effect_id: int, owner: str, outcome: Outcome,
                        now: datetime) -> bool:
    """The attempt failed (nothing reached the world, or it was checked): its outcome."""
    values: dict[str, Any] = {"status": str(outcome.status), "last_error": outcome.error,
                              "updated_at": now, **_RELEASED}
    if outcome.next_attempt_at is not None:
        values["next_attempt_at"] = outcome.next_attempt_at
    result = session.execute(update(Effect).where(
        Effect.id == effect_id, Effect.lease_owner == owner,
        Effect.status == str(Status.PENDING)).values(**values))
    return result.rowcount == 1


def mark_uncertain(session: Session, effect_id: int, owner: str, reason: str,
                   now: datetime) -> bool:
    """An attempt's fate cannot be known: set aside for a person (never resent alone)."""
    result = session.execute(update(Effect).where(
        Effect.id == effect_id, Effect.lease_owner == owner,
        Effect.status == str(Status.PENDING)).values(
        status=str(Status.UNCERTAIN), last_error=reason, updated_at=now, lease_owner=None,
        lease_until=None))
    return result.rowcount == 1


def release(session: Session, effect_ids: Sequence[int], owner: str, now: datetime) -> None:
    """Give back claimed effects not attempted (a deliverer stopping early): due at once,
    and the claim does not count as an attempt."""
    if effect_ids:
        session.execute(update(Effect).where(
            Effect.id.in_(list(effect_ids)), Effect.lease_owner == owner,
            Effect.status == str(Status.PENDING), Effect.attempt_started_at.is_(None))
            .values(attempts=Effect.attempts - 1, updated_at=now, lease_owner=None,
                    lease_until=None))


def due_effects(session: Session, now: datetime, limit: int = 100,
                kinds: Sequence[Kind] | None = None, wall: datetime | None = None
                ) -> list[Effect]:
    """Pending effects whose time has come and nobody holds, oldest first (read only)."""
    query = select(Effect).where(*_due(now, wall)).order_by(Effect.id).limit(limit)
    if kinds:
        query = query.where(Effect.kind.in_([str(k) for k in kinds]))
    return list(session.scalars(query))


def due_lanes(session: Session, now: datetime, wall: datetime | None = None) -> list[str]:
    """The lanes with something to deliver now."""
    return sorted(session.scalars(select(Effect.lane).where(*_due(now, wall)).distinct()))


@dataclass(frozen=True)
class LaneBacklog:
    """Where a lane stands: what waits, what is being delivered, the oldest due effect."""

    lane: str
    due: int
    later: int  # pending, waiting for a retry time
    in_flight: int  # claimed by a live lease
    failed: int
    dead: int
    uncertain: int
    oldest_due_at: datetime | None
    oldest_due_key: str | None


def backlog(session: Session, now: datetime, wall: datetime | None = None
            ) -> list[LaneBacklog]:
    """Per lane: counts by state and the oldest due effect (for `eig effects` and artifacts)."""
    wall = wall or now
    counts: dict[str, dict[str, int]] = {str(lane): {} for lane in Lane}
    leased = Effect.lease_until.is_not(None) & (Effect.lease_until >= wall)
    states = (select(Effect.lane, Effect.status, leased.label("leased"),
                     (Effect.next_attempt_at <= now).label("due"))
              .where(Effect.status != str(Status.DELIVERED)).subquery())
    rows = session.execute(
        select(states.c.lane, states.c.status, states.c.leased, states.c.due, func.count())
        .group_by(states.c.lane, states.c.status, states.c.leased, states.c.due))
    for lane, status, is_leased, is_due, count in rows:
        bucket = counts.setdefault(lane, {})
        if status == str(Status.PENDING):
            name = "in_flight" if is_leased else ("due" if is_due else "later")
        else:
            name = status
        bucket[name] = bucket.get(name, 0) + count
    result = []
    for lane, bucket in sorted(counts.items()):
        oldest = session.execute(select(Effect.next_attempt_at, Effect.key)
                                 .where(Effect.lane == lane, *_due(now, wall))
                                 .order_by(Effect.next_attempt_at, Effect.id).limit(1)).first()
        result.append(LaneBacklog(
            lane, bucket.get("due", 0), bucket.get("later", 0), bucket.get("in_flight", 0),
            bucket.get(str(Status.FAILED), 0), bucket.get(str(Status.DEAD), 0),
            bucket.get(str(Status.UNCERTAIN), 0),
            oldest[0] if oldest else None, oldest[1] if oldest else None))
    return result


def list_effects(session: Session, statuses: Sequence[Status] | None = None,
                 limit: int = 500) -> list[Effect]:
    query = select(Effect).order_by(Effect.id).limit(limit)
    if statuses:
        query = query.where(Effect.status.in_([str(s) for s in statuses]))
    return list(session.scalars(query))


def retry_effect(session: Session, key: str | None, now: datetime) -> int:
    """Put a failed, dead or uncertain effect back in the queue, now (its attempts start
    over); ``key=None``: every failed and dead effect (e.g. once an expired token is
    replaced — an uncertain one only by its key, after a person checked). Returns how many
    were requeued."""
    stuck = [str(Status.FAILED), str(Status.DEAD)]
    if key is not None:
        query = update(Effect).where(Effect.key == key, Effect.status.in_(
            [*stuck, str(Status.UNCERTAIN), str(Status.PENDING)]))
    else:
        query = update(Effect).where(Effect.status.in_(stuck))
    result = session.execute(query.values(
        status=str(Status.PENDING), attempts=0, next_attempt_at=now, updated_at=now,
        **_RELEASED))
    return result.rowcount or 0


def confirm_delivered(session: Session, key: str, now: datetime) -> int:
    """A person checked that an uncertain effect did reach its recipient."""
    result = session.execute(update(Effect).where(
        Effect.key == key, Effect.status == str(Status.UNCERTAIN)).values(
        status=str(Status.DELIVERED), delivered_at=now, updated_at=now,
        result={"confirmed": True}, **_RELEASED))
    return result.rowcount or 0
