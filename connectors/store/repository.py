"""Reads and writes of the sync stage. Callers own the transaction (one per DS page)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.champs import FieldProblem
from models.evaluation_forms import FormStatus
from models.sync_cursor import StreamState
from models.tables import (
    Demarche,
    Dossier,
    Evaluation,
    MissionDossier,
    QuarantineEntry,
    SyncState,
)

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def _dialect(session: Session) -> str:
    dialect = session.get_bind().dialect.name
    if dialect not in _INSERTS:
        raise NotImplementedError(f"upserts are written for SQLite and PostgreSQL, not {dialect}")
    return dialect


def dialect_insert(session: Session, table: Any) -> Any:
    """An INSERT that supports ON CONFLICT on this session's dialect."""
    return _INSERTS[_dialect(session)](table)


def ensure_demarche(session: Session, number: int, role: str) -> Demarche:
    """The démarche's row, created if missing — by an INSERT … ON CONFLICT DO NOTHING: two
    first syncs of one store at once (two processes) both find it missing."""
    demarche = session.get(Demarche, number)
    if demarche is None:
        session.execute(dialect_insert(session, Demarche).values(number=number, role=role)
                        .on_conflict_do_nothing(index_elements=["number"]))
        demarche = session.get(Demarche, number)
        assert demarche is not None
    return demarche


def record_revision(
    session: Session, number: int, info: dict[str, Any], revision: dict[str, Any], now: datetime
) -> None:
    """Keep the démarche's title/state and a snapshot of its active revision's descriptors."""
    demarche = session.get(Demarche, number)
    assert demarche is not None, "ensure_demarche first"
    demarche.ds_id = info.get("id")
    demarche.title = info.get("title")
    demarche.state = info.get("state")
    demarche.revision_id = revision.get("id")
    demarche.descriptors = {
        "champDescriptors": revision.get("champDescriptors") or [],
        "annotationDescriptors": revision.get("annotationDescriptors") or [],
    }
    demarche.revision_checked_at = now


def load_stream_positions(session: Session, number: int) -> dict[str, tuple[datetime, str | None]]:
    rows = session.scalars(select(SyncState).where(SyncState.demarche_number == number))
    return {row.stream: (row.anchor, row.cursor) for row in rows}


def save_stream_position(session: Session, number: int, state: StreamState, now: datetime) -> None:
    """Persist anchor and cursor; called in the transaction of the page they end."""
    session.connection().execute(_position_upsert(_dialect(session)), {
        "demarche_number": number, "stream": state.stream, "anchor": state.anchor,
        "cursor": state.cursor, "pages": 1, "updated_at": now,
    })


@lru_cache(maxsize=4)
def _position_upsert(dialect: str) -> Any:
    stmt = _INSERTS[dialect](SyncState)
    return stmt.on_conflict_do_update(
        index_elements=["demarche_number", "stream"],
        set_={"anchor": stmt.excluded.anchor, "cursor": stmt.excluded.cursor,
              "pages": SyncState.pages + 1, "updated_at": stmt.excluded.updated_at},
    )


@dataclass(frozen=True)
class Upserted:
    new: set[int]  # numbers seen for the first time
    were_quarantined: set[int]  # numbers whose stored row was in quarantine
    answers_changed: set[int]  # known dossiers whose answers (champs) changed


def upsert_dossiers(session: Session, rows: Sequence[dict[str, Any]], now: datetime) -> Upserted:
    """Insert or update dossiers seen in the dossiers stream.

    A dossier present in the stream is visible: it leaves the trash if it was there.
    Quarantined rows keep their last good ``fields`` (``fields`` is absent from their values).
    """
    if not rows:
        return Upserted(set(), set(), set())
    numbers = [r["number"] for r in rows]
    known = {number: (flagged, champs_at) for number, flagged, champs_at in session.execute(
        select(Dossier.number, Dossier.quarantined, Dossier.champs_updated_at)
        .where(Dossier.number.in_(numbers))
    )}
    new = set(numbers) - set(known)
    for with_fields in (True, False):
        batch = [
            {**r, "hidden": False, "hidden_at": None, "first_seen_at": now, "synced_at": now}
            for r in rows
            if ("fields" in r) is with_fields
        ]
        if batch:
            # executemany of one statement: compiled once, cached across pages
            statement = _dossier_upsert(_dialect(session), tuple(batch[0]))
            _execute_racing(session, statement, batch)
    return Upserted(
        new,
        {number for number, (flagged, _) in known.items() if flagged},
        {r["number"] for r in rows
         if r["number"] in known and known[r["number"]][1] != r.get("champs_updated_at")},
    )


def _execute_racing(session: Session, statement: Any, batch: list[dict[str, Any]],
                    attempts: int = 3) -> None:
    """Run the upsert; another process inserting the same new dossier at the same moment
    makes PostgreSQL raise a unique violation on ``ds_id`` (ON CONFLICT only arbitrates
    ``number``) once that process commits: run again from a savepoint, the row is then
    there and is updated. SQLite has one writer at a time: no such race, no savepoint."""
    if _dialect(session) != "postgresql":
        session.connection().execute(statement, batch)
        return
    for attempt in range(attempts):
        try:
            with session.begin_nested():
                session.connection().execute(statement, batch)
            return
        except IntegrityError:
            if attempt == attempts - 1:
                raise


@lru_cache(maxsize=16)
def _dossier_upsert(dialect: str, columns: tuple[str, ...]) -> Any:
    """One statement per column set, built once (building `excluded` is not free)."""
    stmt = _INSERTS[dialect](Dossier)
    updated = {key: getattr(stmt.excluded, key) for key in columns
               if key not in ("number", "first_seen_at")}
    return stmt.on_conflict_do_update(index_elements=["number"], set_=updated)


def mark_hidden(
    session: Session, demarche_number: int, entries: Iterable[dict[str, Any]], when: datetime
) -> int:
    """Soft-hide dossiers in DS's trash (restorable); returns how many changed."""
    numbers = [int(e["number"]) for e in entries]
    if not numbers:
        return 0
    result = session.execute(
        update(Dossier)
        .where(Dossier.demarche_number == demarche_number, Dossier.number.in_(numbers),
               Dossier.hidden.is_(False))
        .values(hidden=True, hidden_at=when)
    )
    return result.rowcount or 0


def mark_deleted(
    session: Session, demarche_number: int, entries: Iterable[dict[str, Any]], now: datetime
) -> int:
    """Tombstone definitively deleted dossiers (the row and its history stay)."""
    changed = 0
    for entry in entries:
        result = session.execute(
            update(Dossier)
            .where(Dossier.demarche_number == demarche_number,
                   Dossier.number == int(entry["number"]), Dossier.deleted.is_(False))
            .values(deleted=True, deleted_at=now, deletion_reason=entry.get("reason"))
        )
        changed += result.rowcount or 0
    return changed


def quarantine(
    session: Session,
    demarche_number: int,
    dossier_number: int,
    problems: Sequence[FieldProblem],
    reason: str,
    payload: dict[str, Any],
    now: datetime,
) -> None:
    """Keep a dossier that could not be mapped, with the reason; re-entry updates the entry."""
    first = problems[0] if problems else None
    stmt = dialect_insert(session, QuarantineEntry).values(
        demarche_number=demarche_number, dossier_number=dossier_number,
        field=first.field if first else None, rule=first.rule if first else "invalid",
        reason=reason, payload=payload, first_seen_at=now, last_seen_at=now, times_seen=1,
        released_at=None,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["demarche_number", "dossier_number"],
        set_={"field": stmt.excluded.field, "rule": stmt.excluded.rule,
              "reason": stmt.excluded.reason, "payload": stmt.excluded.payload,
              "last_seen_at": stmt.excluded.last_seen_at,
              "times_seen": QuarantineEntry.times_seen + 1, "released_at": None},
    )
    session.execute(stmt)


def release_from_quarantine(
    session: Session, demarche_number: int, dossier_numbers: Iterable[int], now: datetime
) -> int:
    numbers = list(dossier_numbers)
    if not numbers:
        return 0
    result = session.execute(
        update(QuarantineEntry)
        .where(QuarantineEntry.demarche_number == demarche_number,
               QuarantineEntry.dossier_number.in_(numbers),
               QuarantineEntry.released_at.is_(None))
        .values(released_at=now)
    )
    return result.rowcount or 0


def open_quarantine(
    session: Session, demarche_number: int | None = None, seen_before: datetime | None = None
) -> list[QuarantineEntry]:
    query = select(QuarantineEntry).where(QuarantineEntry.released_at.is_(None))
    if demarche_number is not None:
        query = query.where(QuarantineEntry.demarche_number == demarche_number)
    if seen_before is not None:
        query = query.where(QuarantineEntry.last_seen_at < seen_before)
    return list(session.scalars(query.order_by(QuarantineEntry.dossier_number)))


def mission_dossiers_aside(session: Session) -> list[MissionDossier]:
    """The mission dossiers whose champs, or the team's step, break a rule, by number."""
    return list(session.scalars(select(MissionDossier).where(
        (MissionDossier.problem.is_not(None)) | (MissionDossier.step_problem.is_not(None)))
        .order_by(MissionDossier.dossier_number)))


def invalid_evaluations(session: Session) -> list[Evaluation]:
    """The evaluation forms that do not count (set aside with their reason), by number."""
    return list(session.scalars(select(Evaluation).where(Evaluation.status == FormStatus.INVALID)
                                .order_by(Evaluation.form_number)))

