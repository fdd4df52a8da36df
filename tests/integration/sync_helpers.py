"""Helpers for the sync integration tests: run the flow, read the store."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from connectors.store.engine import make_sessionmaker
from flows.pipeline import sync as sync_and_follow
from flows.runtime import open_store
from flows.sync import SyncParameters
from models.tables import Dossier, QuarantineEntry, SyncState


def run_sync(**params: Any) -> tuple[str, dict]:
    """Run sync-dossiers and its follow-ups under the harness (``flows.pipeline``); returns
    (state type, summary)."""
    state, summary = sync_and_follow(SyncParameters(**params))
    return state.type.value, summary


def by_role(summary: dict, role: str) -> dict:
    return next(d for d in summary["demarches"] if d["role"] == role)


class Store:
    """Read-only views of the store for assertions."""

    def __init__(self, url: str):
        self.engine = open_store(url)  # migrated, as every flow run does
        self.sessions = make_sessionmaker(self.engine)

    def dossiers(self, demarche: int | None = None) -> dict[int, Dossier]:
        with self.sessions() as session:
            query = select(Dossier)
            if demarche is not None:
                query = query.where(Dossier.demarche_number == demarche)
            return {d.number: d for d in session.scalars(query)}

    def visible_numbers(self, demarche: int) -> set[int]:
        return {n for n, d in self.dossiers(demarche).items() if not d.hidden and not d.deleted}

    def expire_leases(self) -> int:
        """Let every claim on the outbox run out, as if its deliverer died long ago."""
        from datetime import UTC, datetime, timedelta

        from sqlalchemy import update

        from models.tables import Effect

        with self.sessions.begin() as session:
            return session.execute(update(Effect).where(Effect.lease_until.is_not(None))
                                   .values(lease_until=datetime.now(UTC) - timedelta(
                                       seconds=1))).rowcount

    def count(self) -> int:
        with self.sessions() as session:
            return session.scalar(select(func.count()).select_from(Dossier)) or 0

    def positions(self, demarche: int) -> dict[str, SyncState]:
        with self.sessions() as session:
            rows = session.scalars(select(SyncState).where(SyncState.demarche_number == demarche))
            return {row.stream: row for row in rows}

    def open_quarantine(self) -> list[QuarantineEntry]:
        with self.sessions() as session:
            return list(session.scalars(
                select(QuarantineEntry).where(QuarantineEntry.released_at.is_(None))))

    def add_copy(self, number: int, new_number: int) -> int:
        """Store a copy of a dossier under a number DS does not know (a dossier gone from DS
        without a tombstone); returns the new number."""
        with self.sessions.begin() as session:
            source = session.scalars(select(Dossier).where(Dossier.number == number)).one()
            values = {c.key: getattr(source, c.key) for c in Dossier.__table__.columns
                      if c.key != "id"}
            session.add(Dossier(**{**values, "number": new_number, "ds_id": f"copy-{new_number}"}))
        return new_number

    def close(self) -> None:
        self.engine.dispose()
