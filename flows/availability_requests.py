"""Asking people when they can sit, through the availability démarche (a DS form
prefilled by link): the requests, their emails and reminders, and the windows a mission's
administration contact declared. Shared by the stages that ask (request-availability,
and the booking of entretiens de mission in ``flows.hearing_booking``); no stage itself.

A request names a person and a period (``scope``): ``jury:<first day>`` for the jurors,
asked once per period of ``availability.period_days``; ``mission:<id>`` for a mission's
administration contact, asked when its entretiens are to be booked. Its email carries a
link to the démarche with a signed token (``models.availability_token``) and the
person's address prefilled; the answers come back with the sync
(``flows.collect_availability``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.documents import render_email
from connectors.ds import prefill_base_url, prefill_link
from connectors.store import outbox
from connectors.store.repository import dialect_insert
from flows.delivery.hearing_emails import mission_context
from flows.delivery.task_emails import programme
from flows.runtime import Runtime
from models.availability_forms import (
    AvailabilityRole,
    AvailabilityStatus,
    RequestRef,
    hour,
    period_last_day,
)
from models.availability_token import make_token
from models.french import date_fr, heure_fr
from models.hearing_schedule import Interval
from models.outbox import Kind, mail_key
from models.paris_time import PARIS, aware
from models.tables import (
    AvailabilityForm,
    AvailabilityRequest,
    HearingRequest,
    JuryAvailability,
    Mission,
)
from settings.config import EigConfig
from settings.environment import resolve_eval_token_secret

DEMARCHE = "disponibilites"
ANCHOR = date(2024, 1, 1)  # a Monday: the jurors' periods are counted from it


def enabled(config: EigConfig) -> bool:
    """Whether availability is asked through DS (the démarche is configured)."""
    return DEMARCHE in config.demarches


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), PARIS).astimezone(UTC)


def jury_periods(config: EigConfig, now: datetime) -> list[tuple[str, datetime, datetime]]:
    """(scope, start, end) of the periods the jurors are asked about at ``now``: the blocks
    of ``period_days`` (counted from a Monday) that overlap the next ``lead_days`` — a new
    block is asked ``lead_days`` before it starts; the one running, from today."""
    settings = config.availability
    today = now.astimezone(PARIS).date()
    span = timedelta(days=settings.period_days)
    first = ANCHOR + (today - ANCHOR).days // settings.period_days * span
    periods = []
    while first <= today + timedelta(days=settings.lead_days):
        periods.append((f"jury:{first.isoformat()}", midnight(max(first, today)),
                        midnight(first + span)))
        first += span
    return periods


def ref(row: AvailabilityRequest) -> RequestRef:
    return RequestRef(row.id, row.email, row.scope, aware(row.period_start),
                      aware(row.period_end))


def form_link(rt: Runtime, row: AvailabilityRequest) -> str:
    """The prefilled link of a request: its token and the person's address."""
    fields = rt.config.demarches[DEMARCHE].fields
    token = make_token(resolve_eval_token_secret(rt.settings), row.id, row.email, row.scope)
    base = rt.settings.ds_public_url or prefill_base_url(rt.settings.ds_api_url)
    return prefill_link(base, rt.config.procedure_path(DEMARCHE),
                        {fields["jeton"].id: token, fields["courriel"].id: row.email})


def ask(session: Session, rt: Runtime, *, scope: str, email: str, name: str, role: str,
        start: datetime, end: datetime, now: datetime, mission: Mission | None = None
        ) -> bool:
    """Record the request of ``scope`` to ``email`` and its email, once: False when the
    person was already asked for that period."""
    email = email.strip().lower()
    inserted = session.execute(dialect_insert(session, AvailabilityRequest).values(
        scope=scope, email=email, role=role, period_start=start, period_end=end,
        requested_at=now).on_conflict_do_nothing().returning(AvailabilityRequest.id)
    ).scalar_one_or_none()
    if inserted is None:
        return False
    row = session.get(AvailabilityRequest, inserted)
    _record_email(session, rt, row, name, mission, reminder=False, now=now)
    return True


def remind(session: Session, rt: Runtime, row: AvailabilityRequest, name: str,
           mission: Mission | None, now: datetime) -> bool:
    """The one reminder of an unanswered request (with why its last form did not count)."""
    problem = session.scalar(select(AvailabilityForm).where(
        AvailabilityForm.request_id == row.id,
        AvailabilityForm.status == AvailabilityStatus.INVALID)
        .order_by(AvailabilityForm.updated_at.desc()).limit(1))
    row.reminded_at = now
    return _record_email(session, rt, row, name, mission, reminder=True, now=now,
                         problem={"form": problem.form_number, "reason": problem.problem}
                         if problem is not None else None)


def reminder_day(rt: Runtime, row: AvailabilityRequest) -> date | None:
    """The day an unanswered request is reminded (the request email gives it); None when
    its period is over by then (no reminder: the email promises none)."""
    day = (aware(row.requested_at).astimezone(PARIS)
           + timedelta(days=rt.config.availability.reminder_days)).date()
    return day if day <= period_last_day(ref(row)) else None


def request_context(rt: Runtime, row: AvailabilityRequest, name: str,
                    mission: Mission | None, *, reminder: bool,
                    problem: dict[str, Any] | None = None) -> dict[str, Any]:
    """The context of ``emails/availability_request``."""
    settings = rt.config.availability
    return {
        "person": {"name": name, "email": row.email},
        "role": row.role,
        "mission": mission_context(mission) if mission is not None else None,
        "period": {"first": aware(row.period_start).astimezone(PARIS).date(),
                   "last": period_last_day(ref(row))},
        "hours": {"earliest": _hour_fr(settings.earliest), "latest": _hour_fr(settings.latest)},
        "link": form_link(rt, row),
        "reminder": reminder,
        "reminder_on": reminder_day(rt, row),
        "problem": problem,
        "programme": programme(rt),
    }


def _hour_fr(text: str) -> str:
    return heure_fr(datetime.combine(ANCHOR, hour(text), PARIS))


def _record_email(session: Session, rt: Runtime, row: AvailabilityRequest, name: str,
                  mission: Mission | None, *, reminder: bool, now: datetime,
                  problem: dict[str, Any] | None = None) -> bool:
    rendered = render_email("availability_request", request_context(
        rt, row, name, mission, reminder=reminder, problem=problem))
    purpose = "availability-reminder" if reminder else "availability-request"
    return outbox.record_effect(
        session, mail_key(purpose, row.id), Kind.EMAIL, "send",
        {"to": [{"email": row.email, "name": name}], "subject": rendered.subject,
         "text": rendered.text, "html": rendered.html,
         "reply_to": {"email": rt.config.evaluation.contact}}, now)


# -- a mission's administration contact ------------------------------------------------------


def mission_scope(mission_id: int) -> str:
    return f"mission:{mission_id}"


def contact_availability(session: Session, rt: Runtime, request: HearingRequest,
                         now: datetime) -> tuple[tuple[Interval, ...] | None, str | None]:
    """For an entretien de mission: ``(windows, None)`` — the hearing must fit in the
    contact's declared windows —, or ``(None, why)`` — it waits: the contact has declared
    none yet (asked now, once, with a reminder later). ``(None, None)`` outside missions,
    or when availability is not asked through DS (the contact is booked as before)."""
    if not request.mission_id or not enabled(rt.config):
        return None, None
    mission = session.get(Mission, request.mission_id)
    if mission is None:
        return None, None
    email = mission.contact_email.strip().lower()
    scope = mission_scope(mission.id)
    asked = session.scalar(select(AvailabilityRequest).where(
        AvailabilityRequest.scope == scope, AvailabilityRequest.email == email))
    windows = tuple(Interval(aware(w.start), aware(w.end)) for w in session.scalars(
        select(JuryAvailability).where(JuryAvailability.email == email,
                                       JuryAvailability.end > now)
        .order_by(JuryAvailability.start)))
    in_period = [w for w in windows if w.end > aware(request.earliest)
                 and w.start < aware(request.latest)]
    if in_period or (asked is not None and asked.answered_at is not None):
        return windows, None
    if asked is None:
        pending = list(session.scalars(select(HearingRequest).where(
            HearingRequest.mission_id == mission.id)))
        start = min([aware(r.earliest) for r in pending] + [aware(request.earliest)])
        end = max([aware(r.latest) for r in pending] + [aware(request.latest)])
        ask(session, rt, scope=scope, email=email, name=mission.contact_name,
            role=AvailabilityRole.ADMINISTRATION, start=max(start, now), end=end, now=now,
            mission=mission)
        since = now
    else:
        since = aware(asked.requested_at)
    return None, (f"en attente des disponibilités de l'administration ({email}), demandées "
                  f"le {date_fr(since)} par le formulaire DS")

