"""`eig preview-email`: any email template rendered with a real dossier of the store.

Nothing is created or sent. The evaluation emails (``CONTEXT_BUILT``) are rendered from
the dossier and its task, an example task when it has none; their links are shown exactly
as the task email carries them: stored ones as stored, the others built as the email
would build them (DS prefill links need no API call), without storing them.

The others (``RECORDED``) exist only once a stage has recorded them (a hearing booked, a
convention drafted, a mission decided, an alert): the last one recorded for the dossier
is composed as the deliverer would compose it now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from connectors.documents import render_email
from connectors.mail import OutgoingEmail
from flows.delivery.task_emails import PURPOSES, TaskEmails, programme, reminder_entry, task_context
from flows.replacement import task_due
from flows.runtime import Runtime
from models.chasing import OpenTask, replacement_day
from models.evaluation_inputs import AssignmentStatus
from models.evaluation_task import dossier_brief
from models.tables import (
    Assignment,
    Dossier,
    Effect,
    EvaluationLink,
    EvaluatorRow,
    HearingRequest,
    HearingSlot,
    Mission,
    Placement,
)
from settings.config import ConfigError
from settings.environment import MissingTokenError


class PreviewError(LookupError):
    """The dossier or evaluator to preview with is not in the store."""


CONTEXT_BUILT = ("eval_request", "eval_reminder", "escalation", "replacement_notice",
                 "no_substitute", "decline_ack", "evaluation_fix")
"""Rendered from the dossier's data (``preview_context``)."""

RECORDED = {"hearing_invitation": "hearing-invite", "hearing_cancellation": "hearing-cancel",
            "convention_draft": "convention", "mission_proposal": "mission-proposal",
            "mission_decision": "mission-decision",
            "mission_decision_admin": "mission-decision-admin",
            "missions_digest": "missions-digest", "alert": "alert",
            "pipeline_report": "pipeline-report", "jury_reminder": "jury-reminder",
            "jury_escalation": "jury-escalation", "jury_fix": "jury-fix",
            "availability_request": "availability-request"}
"""Template → the purpose of its outbox key (``mail:<purpose>:…``)."""

WITHOUT_DOSSIER = ("missions_digest", "alert", "pipeline_report", "jury_reminder",
                   "jury_escalation", "jury_fix", "availability_request")
"""Not about one dossier: the last one recorded is shown."""

RECORDED_BY = {"hearing_invitation": "eig hearings", "hearing_cancellation":
               "eig hearings --reschedule", "convention_draft": "eig conventions",
               "mission_proposal": "eig missions match", "mission_decision":
               "eig missions deliberate", "mission_decision_admin": "eig missions deliberate",
               "missions_digest": "eig missions digest", "alert": "eig notify",
               "pipeline_report": "eig pipeline-report (le lundi, ou --courriel toujours)",
               "jury_reminder": "eig chase (notes d'audition attendues)",
               "jury_escalation": "eig chase (notes d'audition en retard)",
               "jury_fix": "eig sync ou eig chase (un formulaire de notation à corriger)",
               "availability_request": "eig hearings availability-requests (les jurés) ou "
               "eig missions match (le contact de l'administration)"}


def previewable() -> list[str]:
    """Every email template `eig preview-email` can show (all of them)."""
    return sorted(set(CONTEXT_BUILT) | set(RECORDED))


@dataclass(frozen=True)
class Preview:
    subject: str
    text: str
    html: str
    to: list[str]
    attachments: list[str]


def preview(rt: Runtime, template: str, dossier_number: int | None,
            evaluator_email: str | None = None) -> Preview:
    """The email ``template`` as the dossier's person would receive it; nothing is sent."""
    if template not in previewable():
        raise PreviewError(f"pas de modèle de courriel « {template} » ; modèles : "
                           f"{', '.join(previewable())}")
    if template in RECORDED:
        return _recorded(rt, template, dossier_number, evaluator_email)
    if dossier_number is None:
        raise PreviewError(f"« {template} » : indiquez le dossier (--dossier N)")
    context = preview_context(rt, template, dossier_number, evaluator_email)
    rendered = render_email(template, context)
    person = context.get("evaluator")  # the escalation goes to the programme team
    to = ([f"{person['name']} <{person['email']}>"] if person
          else list(rt.config.evaluation.team))
    return Preview(rendered.subject, rendered.text, rendered.html, to, [])


def _recorded(rt: Runtime, template: str, dossier: int | None,
              evaluator_email: str | None) -> Preview:
    """The last email of ``template`` a stage recorded for ``dossier`` (for anyone, or
    for ``evaluator_email``), composed as the deliverer would compose it now."""
    from flows.delivery.executors import EmailExecutor  # the mail lane, loaded when needed

    if dossier is None and template not in WITHOUT_DOSSIER:
        raise PreviewError(f"« {template} » : indiquez le dossier (--dossier N)")
    purpose = RECORDED[template]
    if template in WITHOUT_DOSSIER:
        dossier = None
    with rt.sessions() as session:
        effects = [(e.action, dict(e.payload), e.key) for e in session.scalars(
            select(Effect).where(Effect.key.in_(_keys_of(session, purpose, dossier)))
            .order_by(Effect.id.desc()))]
    composer = EmailExecutor(rt)
    try:
        for action, payload, key in effects:
            email = composer.compose(action, payload, key)
            if email is not None and (evaluator_email is None or evaluator_email.lower() in
                                      {a.email.lower() for a in email.to}):
                return _shown(email)
    finally:
        composer.close()
    whom = f" pour {evaluator_email}" if evaluator_email else ""
    about = f" du dossier {dossier}" if dossier is not None else ""
    raise PreviewError(f"aucun courriel « {template} »{about}{whom} dans la file : il y est "
                       f"mis par {RECORDED_BY[template]}")


def _keys_of(session: Any, purpose: str, dossier: int | None) -> list[str]:
    """The outbox keys of ``purpose`` that concern ``dossier`` (all, without one)."""
    keys = list(session.scalars(select(Effect.key).where(
        Effect.key.like(f"mail:{purpose}:%"))))
    if dossier is None:
        return keys
    if purpose in ("hearing-invite", "hearing-cancel"):
        ids = {str(i) for i in session.scalars(select(HearingSlot.id).join(
            HearingRequest, HearingRequest.id == HearingSlot.request_id).where(
            HearingRequest.dossier_number == dossier))}
    elif purpose == "convention":
        ids = {str(dossier)}
    elif purpose in ("mission-proposal", "mission-decision"):
        ids = {str(i) for i in session.scalars(select(Placement.id).where(
            Placement.dossier_number == dossier))}
    else:  # the administration's decision: the missions the dossier was heard for or is
        ids = {str(i) for i in session.scalars(select(Placement.mission_id).where(
            Placement.dossier_number == dossier))} | {str(i) for i in session.scalars(
            select(Mission.id).where(Mission.projet_dossier == dossier))}
    return [key for key in keys if key.split(":")[2] in ids]


def _shown(email: OutgoingEmail) -> Preview:
    return Preview(email.subject, email.text, email.html or "",
                   [f"{a.name} <{a.email}>" if a.name else a.email for a in email.to],
                   [f"{a.filename} ({a.content_type}, {len(a.content)} o)"
                    for a in email.attachments])


def preview_context(rt: Runtime, template: str, dossier_number: int,
                    evaluator_email: str | None = None) -> dict[str, Any]:
    now = rt.clock()
    tz = ZoneInfo(rt.config.evaluation.timezone)
    today = now.astimezone(tz).date()
    with rt.sessions() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.number == dossier_number))
        if dossier is None:
            raise PreviewError(f"le dossier {dossier_number} n'est pas dans la base "
                               "(eig sync d'abord)")
        track = _track_of(rt, dossier.demarche_number, dossier_number)
        query = select(Assignment).where(Assignment.dossier_number == dossier_number)
        if evaluator_email:
            query = query.where(Assignment.evaluator_email == evaluator_email.lower())
        assignment = session.scalars(query.order_by(Assignment.id)).first()
        if assignment is None:  # an example assignment, never stored
            assignment = Assignment(id=0, dossier_number=dossier_number, track=track,
                                    evaluator_email=evaluator_email or "evaluatrice@exemple.fr",
                                    status=AssignmentStatus.PROPOSED,
                                    due_at=task_due(rt.config, track, now))
        evaluator = session.get(EvaluatorRow, assignment.evaluator_email) or EvaluatorRow(
            email=assignment.evaluator_email, name="Camille Exemple")
        links = {link.purpose: link.url for link in session.scalars(
            select(EvaluationLink).where(EvaluationLink.assignment_id == assignment.id))}
        session.expunge_all()
    if any(p not in links for p in PURPOSES):
        try:
            tasks = TaskEmails(rt)
            links |= {p: tasks.link(assignment, p) for p in PURPOSES if p not in links}
        except (ConfigError, MissingTokenError) as error:
            raise PreviewError(str(error)) from error
    person = {"name": evaluator.name, "email": evaluator.email}
    brief = dossier_brief(track, dossier_number, dossier.fields or {}, dossier.applicant or {})
    if template == "eval_request":
        return task_context(rt, assignment, dossier, evaluator, links, {
            "pdf": f"dossier-{dossier_number}.pdf", "pdf_source": "ds",
            "ics": f"evaluation-{dossier_number}.ics"})
    if template == "eval_reminder":
        return {"evaluator": person, "today": today, "programme": programme(rt),
                "tasks": [reminder_entry(rt, assignment, dossier, today, links)]}
    if template == "escalation":
        due_day = assignment.due_at.astimezone(tz).date()
        task = OpenTask(assignment.id, assignment.evaluator_email, dossier_number, track,
                        assignment.due_at)
        return {"today": today, "programme": programme(rt), "late": [{
            "evaluator": person, "dossier": brief,
            "track_label": rt.config.tracks[track].label, "due": assignment.due_at,
            "days_late": max((today - due_day).days, 4), "reminders": 2,
            "replacement_on": replacement_day(task, rt.config.evaluation.ladder, tz,
                                              rt.config.evaluation.holidays_country)
            or date.today()}]}
    if template == "no_substitute":
        due_day = assignment.due_at.astimezone(tz).date()
        return {"leaving": person, "dossier": brief, "programme": programme(rt),
                "track_label": rt.config.tracks[track].label, "declined": False, "reason": "",
                "due": assignment.due_at, "days_late": max((today - due_day).days, 3)}
    if template == "replacement_notice":
        return {"evaluator": person, "dossier": brief, "due": assignment.due_at,
                "links": {"evaluate": links["evaluate"]}, "programme": programme(rt)}
    if template == "decline_ack":
        return {"evaluator": person, "dossier": brief, "programme": programme(rt),
                "reason": rt.config.evaluation.conflict_motifs[0], "conflict": True}
    if template == "evaluation_fix":
        first = rt.config.tracks[track].criteria[0]
        return {"evaluator": person, "dossier": brief, "form": 0, "programme": programme(rt),
                "links": {"evaluate": links["evaluate"]},
                "problems": [{"field": f"note_{first.key}",
                              "rule": f"la note « {first.label} » est absente"},
                             {"field": "commentaire", "rule": "le commentaire est obligatoire"}]}
    raise PreviewError(f"« {template} » ne se prépare pas à partir d'un dossier ; modèles : "
                       f"{', '.join(CONTEXT_BUILT)}")


def _track_of(rt: Runtime, demarche_number: int, dossier_number: int) -> str:
    track = rt.config.track_of_demarche(demarche_number)
    if track is not None:
        return track
    raise PreviewError(f"le dossier {dossier_number} est de la démarche {demarche_number}, "
                       "qui n'est pas celle d'un parcours (projets ou candidats)")
