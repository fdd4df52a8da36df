"""The work of one DS page: map its dossiers, store them, move the cursors — one transaction.

Orchestration helpers for flows/sync.py; the domain rules live in models/, the I/O in
connectors/.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from connectors.store import repository as repo
from models.champs import DossierMappingError, RevisionDriftError, detect_drift, map_fields
from models.dossier_record import dossier_values, parse_ds_datetime
from models.reconciliation import ReconcilePlan, StoredSnapshot
from models.sync_cursor import StreamState
from models.tables import Dossier
from settings.config import DemarcheConfig


@dataclass
class Counts:
    """What a sync did to one démarche; summed over pages."""

    created: int = 0
    updated: int = 0  # the applicant changed answers
    touched: int = 0  # changed in DS but not the answers: state, annotations, messages
    hidden: int = 0
    deleted: int = 0
    quarantined: int = 0
    released: int = 0
    labels_changed: int = 0
    missing: int = 0
    pages: int = 0

    def add(self, other: Counts) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass
class IngestResult:
    counts: Counts = field(default_factory=Counts)
    problems: list[str] = field(default_factory=list)


def check_revision(
    session: Session, demarche: DemarcheConfig, info: dict[str, Any],
    revision: dict[str, Any], now: datetime,
) -> None:
    """Fail loudly when a mapped champ or annotation is gone or changed type; else
    snapshot the revision."""
    drifts = detect_drift(demarche.number, revision.get("champDescriptors") or [], demarche.fields)
    # the annotations the pipeline reads (a mission's recruitment step) or writes back
    drifts += detect_drift(demarche.number, revision.get("annotationDescriptors") or [],
                           demarche.annotations, annotations=True)
    if drifts:
        raise RevisionDriftError(drifts)
    repo.record_revision(session, demarche.number, info, revision, now)


def ingest_dossiers(
    session: Session, demarche: DemarcheConfig, nodes: Iterable[Mapping[str, Any]], now: datetime
) -> IngestResult:
    """Map and upsert dossiers; a dossier that does not map is stored raw and quarantined."""
    result = IngestResult()
    rows, mapped_numbers = [], []
    for raw in nodes:
        values = dossier_values(raw, demarche.number)
        try:
            values["fields"] = map_fields(
                demarche.number, values["number"], values["champs"], demarche.fields
            )
            values["quarantined"] = False
            mapped_numbers.append(values["number"])
        except DossierMappingError as error:
            values["quarantined"] = True
            repo.quarantine(session, demarche.number, values["number"], error.problems,
                            str(error), dict(raw), now)
            result.counts.quarantined += 1
            result.problems.append(str(error))
        rows.append(values)
    upserted = repo.upsert_dossiers(session, rows, now)
    result.counts.created += len(upserted.new)
    result.counts.updated += len(upserted.answers_changed)
    result.counts.touched += len(rows) - len(upserted.new) - len(upserted.answers_changed)
    result.counts.released += repo.release_from_quarantine(
        session, demarche.number, upserted.were_quarantined.intersection(mapped_numbers), now
    )
    return result


def apply_trash(
    session: Session, demarche: DemarcheConfig, nodes: Iterable[Mapping[str, Any]]
) -> int:
    """Dossiers in DS's trash (pendingDeletedDossiers): hidden, restorable."""
    changed = 0
    for node in nodes:
        when = parse_ds_datetime(node.get("dateSupression"))
        assert when is not None
        changed += repo.mark_hidden(session, demarche.number, [node], when)
    return changed


def save_positions(
    session: Session, number: int, states: Iterable[StreamState], now: datetime
) -> None:
    for state in states:
        repo.save_stream_position(session, number, state, now)


def retry_quarantined(
    session: Session, demarche: DemarcheConfig, seen_before: datetime, now: datetime
) -> IngestResult:
    """Map quarantined dossiers again with the current configuration (no DS request)."""
    entries = repo.open_quarantine(session, demarche.number, seen_before=seen_before)
    if not entries:
        return IngestResult()
    result = ingest_dossiers(session, demarche, [e.payload for e in entries], now)
    # They were already counted when first seen: only the releases are news.
    return IngestResult(Counts(released=result.counts.released,
                               quarantined=result.counts.quarantined), result.problems)


def stored_snapshots(session: Session, demarche_number: int) -> dict[int, StoredSnapshot]:
    rows = session.execute(
        select(Dossier.number, Dossier.state, Dossier.ds_updated_at, Dossier.labels,
               Dossier.hidden, Dossier.deleted)
        .where(Dossier.demarche_number == demarche_number)
    )
    return {
        r.number: StoredSnapshot(r.state, r.ds_updated_at, tuple(r.labels or ()), r.hidden,
                                 r.deleted)
        for r in rows
    }


def apply_labels_and_visibility(
    session: Session, demarche_number: int, plan: ReconcilePlan, now: datetime
) -> Counts:
    counts = Counts()
    for number, labels in plan.labels.items():
        session.execute(update(Dossier).where(Dossier.number == number)
                        .values(labels=labels, synced_at=now))
        counts.labels_changed += 1
    if plan.unhide:
        session.execute(update(Dossier).where(Dossier.number.in_(plan.unhide))
                        .values(hidden=False, hidden_at=None))
    if plan.missing:
        counts.missing = repo.mark_hidden(
            session, demarche_number, [{"number": n} for n in plan.missing], now
        )
    return counts
