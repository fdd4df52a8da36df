"""request-availability: the jurors and the administration contacts are asked, through a
prefilled DS form, when they can sit — and reminded once.

The story of a run (daily): the period the jurors are asked about is the block of
``availability.period_days`` that starts within ``lead_days``; every active roster
member of a track with hearings who was not asked for it gets the request email, once
(its key names the request). A mission's contact is asked by the booking of its
entretiens (``flows.hearing_booking``), which waits for the answer. Each request still
unanswered ``reminder_days`` after it went out gets one reminder — the request email
promises it. The answers come back with sync-dossiers (``flows.collect_availability``);
the CSV import (``eig hearings availability FILE``) stays as a fallback.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from prefect import flow
from sqlalchemy import select
from sqlalchemy.orm import Session

from flows.availability_requests import ask, enabled, jury_periods, remind
from flows.guard import stage_lease
from flows.handover import hand_over
from flows.reporting import conclude, publish_markdown
from flows.runtime import Runtime, open_runtime
from models.availability_forms import AvailabilityRole
from models.french import compte, date_fr
from models.hearing_selection import RequestStatus
from models.paris_time import aware
from models.placement import MissionStatus
from models.tables import AvailabilityRequest, EvaluatorRow, HearingRequest, Mission


@flow(name="request-availability", timeout_seconds=900,
      description="Demande aux jurés (une fois par période) leurs disponibilités pour les "
      "auditions, par un formulaire DS prérempli ; relance une fois les demandes restées "
      "sans réponse (jurés et contacts des administrations).")
def request_availability() -> dict[str, Any]:
    with open_runtime() as rt:
        if not enabled(rt.config):
            return conclude({"asked": 0, "reminded": 0}, "Disponibilités : la démarche "
                            "« disponibilites » n'est pas configurée, rien à demander.",
                            warning=True)
        with stage_lease(rt, "availability"):
            now = rt.clock()
            periods = jury_periods(rt.config, now)
            with rt.sessions.begin() as session:
                asked = {scope: ask_jurors(session, rt, scope, start, end, now)
                         for scope, start, end in periods}
                reminded = remind_unanswered(session, rt, now)
            handed = hand_over(rt, "request-availability")
    named = " ; ".join(f"du {date_fr(start)} au {date_fr(end - timedelta(seconds=1))}"
                       for _, start, end in periods)
    total = sum(asked.values())
    headline = (f"Disponibilités ({named}) : "
                f"{compte(total, 'juré·e sollicité·e', 'juré·es sollicité·es')}, "
                f"{compte(reminded, 'relance', 'relances')}.")
    publish_markdown("request-availability", f"# {headline}\n\n" + "".join(
        f"- période {scope.split(':', 1)[1]} : {count} demandes\n"
        for scope, count in asked.items())
        + f"- envois confiés à la livraison : {sum(handed.values())}\n")
    return conclude({"periods": [scope for scope, _, _ in periods], "asked": total,
                     "reminded": reminded, "handed_over": handed}, headline)


def jurors(session: Session, rt: Runtime) -> list[EvaluatorRow]:
    """The active roster members of a track whose hearings they may sit."""
    tracks = {config.jury_track or track for track, config in rt.config.hearings.tracks.items()}
    return [row for row in session.scalars(select(EvaluatorRow).where(
        EvaluatorRow.active.is_(True)).order_by(EvaluatorRow.email))
        if tracks & set(row.tracks or ())]


def ask_jurors(session: Session, rt: Runtime, scope: str, start: datetime, end: datetime,
               now: datetime) -> int:
    """The period's request to every juror not asked yet; how many were asked now."""
    return sum(ask(session, rt, scope=scope, email=row.email, name=row.name,
                   role=AvailabilityRole.JURY, start=start, end=end, now=now)
               for row in jurors(session, rt))


def remind_unanswered(session: Session, rt: Runtime, now: datetime) -> int:
    """One reminder per request unanswered ``reminder_days`` after it went out, while its
    period (or its mission) is still ahead."""
    due = now - timedelta(days=rt.config.availability.reminder_days)
    reminded = 0
    for row in session.scalars(select(AvailabilityRequest).where(
            AvailabilityRequest.answered_at.is_(None),
            AvailabilityRequest.reminded_at.is_(None),
            AvailabilityRequest.requested_at <= due).order_by(AvailabilityRequest.id)):
        if aware(row.period_end) <= now:
            continue
        mission = None
        if row.role == AvailabilityRole.ADMINISTRATION:
            mission = session.get(Mission, int(row.scope.partition(":")[2]))
            if mission is None or mission.status != MissionStatus.OUVERTE or not session.scalar(
                    select(HearingRequest.id).where(
                        HearingRequest.mission_id == mission.id,
                        HearingRequest.status == RequestStatus.PENDING).limit(1)):
                continue  # nothing waits for them any more (booked from the CSV, closed)
            name = mission.contact_name
        else:
            member = session.get(EvaluatorRow, row.email)
            if member is None or not member.active:
                continue
            name = member.name
        reminded += remind(session, rt, row, name, mission, now)
    return reminded
