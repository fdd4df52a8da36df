"""Reading the synced availability forms: each one's windows replace its person's for
the period asked, or — when a field breaks a rule — it is quarantined with the dossier,
the field and the rule (``eig quarantine``), and the rest of the batch goes on.

Run by sync-dossiers when the availability démarche brought or changed forms (no stage
itself). A form unchanged since it was read is not read again; of a person's forms for
one request, the one read last wins, as a later CSV import does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from flows.availability_requests import DEMARCHE, enabled, ref
from flows.guard import stage_lease
from flows.runtime import Runtime
from models.availability_forms import (
    AvailabilityReading,
    AvailabilityRole,
    AvailabilityStatus,
    hour,
    read_availability,
)
from models.evaluation_forms import SUBMITTED_STATES
from models.paris_time import aware
from models.tables import AvailabilityForm, AvailabilityRequest, Dossier, JuryAvailability
from settings.environment import resolve_eval_token_secret


@dataclass
class AvailabilityReport:
    forms: int = 0
    applied: int = 0  # forms whose windows replaced their person's
    windows: int = 0
    administrations: int = 0  # of the applied forms, a mission contact's
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {"forms": self.forms, "applied": self.applied, "windows": self.windows,
                "administrations": self.administrations, "rejected": self.rejected}


def collect_availability(rt: Runtime) -> AvailabilityReport:
    """Apply every new or changed availability form (one transaction, under the lease
    « availability »: two syncs at once read each form once)."""
    if not enabled(rt.config):
        return AvailabilityReport()
    with stage_lease(rt, "availability"), rt.sessions.begin() as session:
        return _collect(session, rt)


def _collect(session: Session, rt: Runtime) -> AvailabilityReport:
    settings = rt.config.availability
    earliest, latest = hour(settings.earliest), hour(settings.latest)
    secret = resolve_eval_token_secret(rt.settings)
    now = rt.clock()
    report = AvailabilityReport()
    requests = {r.id: r for r in session.scalars(select(AvailabilityRequest))}
    refs = {i: ref(r) for i, r in requests.items()}
    stored = {f.form_number: f for f in session.scalars(select(AvailabilityForm))}
    forms = session.scalars(select(Dossier).where(
        Dossier.demarche_number == rt.config.demarches[DEMARCHE].number,
        Dossier.hidden.is_(False), Dossier.deleted.is_(False),
        Dossier.quarantined.is_(False), Dossier.state.in_(SUBMITTED_STATES))
        .order_by(Dossier.date_depot, Dossier.number)).all()
    for form in forms:
        report.forms += 1
        answered = form.champs_updated_at or form.date_depot or now
        row = stored.get(int(form.number))
        if row is not None and row.form_updated_at is not None \
                and aware(row.form_updated_at) == aware(answered):
            if row.status == AvailabilityStatus.INVALID:
                report.rejected.append(_rejected(row, new=False))
            continue  # read already, unchanged since
        reading = read_availability(int(form.number), form.fields or {}, secret, refs,
                                    answered_at=aware(answered), earliest=earliest,
                                    latest=latest)
        row = _keep(session, stored, form, reading, requests, aware(answered), now)
        if not reading.valid:
            report.rejected.append(_rejected(row, new=True))
            continue
        request = requests[reading.request_id]
        report.windows += _replace_windows(session, request, reading, now)
        request.answered_at, request.form_number = now, int(form.number)
        report.applied += 1
        report.administrations += request.role == AvailabilityRole.ADMINISTRATION
    return report


def _rejected(row: AvailabilityForm, new: bool) -> dict[str, Any]:
    return {"form": row.form_number, "field": row.problem_field, "reason": row.problem,
            "new": new}


def _keep(session: Session, stored: dict[int, AvailabilityForm], form: Dossier,
          reading: AvailabilityReading, requests: dict[int, AvailabilityRequest],
          answered: datetime, now: datetime) -> AvailabilityForm:
    row = stored.get(int(form.number))
    if row is None:
        row = AvailabilityForm(form_number=int(form.number), recorded_at=now)
        session.add(row)
        stored[int(form.number)] = row
    request = requests.get(reading.request_id) if reading.request_id else None
    row.request_id = reading.request_id
    row.email = request.email if request is not None else None
    row.status = AvailabilityStatus.VALID if reading.valid else AvailabilityStatus.INVALID
    row.windows = [{"debut": a.isoformat(), "fin": b.isoformat()} for a, b in reading.windows]
    row.problem_field, row.problem = reading.field, reading.reason
    row.form_updated_at, row.updated_at = answered, now
    session.flush()
    return row


def _replace_windows(session: Session, request: AvailabilityRequest,
                     reading: AvailabilityReading, now: datetime) -> int:
    """The person's windows starting in the period give way to the form's."""
    session.execute(delete(JuryAvailability).where(
        JuryAvailability.email == request.email,
        JuryAvailability.start >= aware(request.period_start),
        JuryAvailability.start < aware(request.period_end)))
    session.add_all(JuryAvailability(email=request.email, start=start, end=end,
                                     imported_at=now) for start, end in reading.windows)
    return len(reading.windows)


