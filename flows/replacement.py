"""Creating an assignment with its task email, and handing a task to the best alternate.

Shared by assign-evaluators (new assignments) and chase-evaluators (a decline, or a late
evaluator replaced at the ladder's replacement step). Everything happens in the caller's
transaction, so the new assignment, the old one's status and the task email (or the
team's notice that nobody could take the task) are recorded together or not at all.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.documents import render_email
from connectors.store import outbox
from connectors.store.assignments import evaluator_specs, team_state, track_dossier_specs
from models.assignment import replace
from models.chasing import due_at
from models.evaluation_inputs import AssignmentStatus
from models.evaluation_task import dossier_brief
from models.outbox import Kind, mail_key
from models.tables import Alternates, Assignment, Dossier, Effect, EvaluatorRow
from settings.config import EigConfig

TASK_ACTION = "eval-task"


def task_due(config: EigConfig, track: str, now: datetime, replacement: bool = False
             ) -> datetime:
    track_config = config.tracks[track]
    days = track_config.replacement_due_days if replacement else track_config.due_days
    return due_at(now, days, ZoneInfo(config.evaluation.timezone),
                  config.evaluation.holidays_country)


def create_assignment(session: Session, *, dossier: int, evaluator: str, track: str,
                      now: datetime, due: datetime, reasons: dict[str, Any],
                      run_id: int | None = None, replaces: int | None = None) -> Assignment:
    """The assignment and its task email (rendered at send time: links, PDF, .ics)."""
    assignment = Assignment(dossier_number=dossier, evaluator_email=evaluator, track=track,
                            status=AssignmentStatus.PROPOSED, reasons=reasons, run_id=run_id,
                            created_at=now, updated_at=now, due_at=due, replaces_id=replaces)
    session.add(assignment)
    session.flush()
    outbox.record_effect(session, mail_key("eval-request", assignment.id), Kind.EMAIL,
                         TASK_ACTION, {"assignment": assignment.id}, now)
    return assignment


def replace_assignment(session: Session, config: EigConfig, leaving: Assignment,
                       now: datetime) -> Assignment | None:
    """Hand ``leaving``'s dossier to the best feasible alternate (None: nobody can take it,
    or the dossier no longer needs an evaluator). ``leaving`` must already be closed."""
    track = config.tracks[leaving.track]
    state = team_state(session)
    window = (now.date(), (now + timedelta(days=track.replacement_due_days)).date())
    dossiers = track_dossier_specs(
        session, config.demarches[track.demarche].number, leaving.track,
        track.evaluators_per_dossier, state.teams, dict(track.specialty_families),
        numbers=[leaving.dossier_number], former=state.former)
    if not dossiers or dossiers[0].needed == 0:
        return None
    evaluators = {e.email: e for e in evaluator_specs(session, state.load, *window)}
    ranked = session.scalar(select(Alternates.evaluators)
                            .where(Alternates.dossier_number == leaving.dossier_number)) or []
    # The stored alternates first (ranked by the solver), then anyone else feasible.
    candidates = [*ranked, *(e for e in evaluators if e not in ranked)]
    chosen = replace(dossiers[0], leaving.evaluator_email, evaluators, candidates, {})
    if chosen is None:
        return None
    why = {"remplacement": f"remplace {leaving.evaluator_email} ({leaving.status})",
           "rang": (f"alternate n°{ranked.index(chosen) + 1}" if chosen in ranked
                    else "hors des alternates, meilleur faisable")}
    return create_assignment(
        session, dossier=leaving.dossier_number, evaluator=chosen, track=leaving.track,
        now=now, due=task_due(config, leaving.track, now, replacement=True), reasons=why,
        replaces=leaving.id)


def tell_team_no_substitute(session: Session, config: EigConfig, leaving: Assignment,
                            now: datetime, days_late: int | None = None) -> bool:
    """The programme team learns, once per task, that nobody could take it over (a decline,
    or a late evaluator at the ladder's replacement step, ``days_late``). The email is
    keyed by the task and recorded in the caller's transaction; False when it already was
    (the replacement is retried at each chase, the team is not told again)."""
    key = mail_key("no-substitute", leaving.id)
    if session.scalar(select(Effect.id).where(Effect.key == key)) is not None:
        return False
    dossier = session.scalar(select(Dossier).where(Dossier.number == leaving.dossier_number))
    evaluator = session.get(EvaluatorRow, leaving.evaluator_email)
    rendered = render_email("no_substitute", {
        "leaving": {"name": evaluator.name if evaluator else "",
                    "email": leaving.evaluator_email},
        "dossier": dossier_brief(leaving.track, leaving.dossier_number,
                                 (dossier.fields if dossier else None) or {},
                                 (dossier.applicant if dossier else None) or {}),
        "track_label": config.tracks[leaving.track].label,
        "declined": days_late is None, "reason": leaving.status_reason or "",
        "due": leaving.due_at, "days_late": days_late or 0,
        "programme": {"name": config.evaluation.programme_name,
                      "contact": config.evaluation.contact}})
    payload = {"to": [{"email": e} for e in config.evaluation.team],
               "subject": rendered.subject, "text": rendered.text, "html": rendered.html,
               "reply_to": {"email": config.evaluation.contact}}
    return outbox.record_effect(session, key, Kind.EMAIL, "send", payload, now)
