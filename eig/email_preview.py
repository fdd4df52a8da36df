"""`eig preview-email`: any email template rendered with a real dossier of the store.

Nothing is created or sent. The links are shown exactly as the task email carries them:
stored ones as stored, the others built as the email would build them (DS prefill links
need no API call), without storing them.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from connectors.documents import RenderedEmail, email_template_names, render_email
from flows.delivery.task_emails import PURPOSES, TaskEmails, programme, reminder_entry, task_context
from flows.replacement import task_due
from flows.runtime import Runtime
from models.chasing import OpenTask, replacement_day
from models.evaluation_inputs import AssignmentStatus
from models.evaluation_task import dossier_brief
from models.tables import Assignment, Dossier, EvaluationLink, EvaluatorRow
from settings.config import ConfigError
from settings.environment import MissingTokenError


class PreviewError(LookupError):
    """The dossier or evaluator to preview with is not in the store."""


def preview(rt: Runtime, template: str, dossier_number: int,
            evaluator_email: str | None = None) -> RenderedEmail:
    return render_email(template, preview_context(rt, template, dossier_number,
                                                  evaluator_email))


def preview_context(rt: Runtime, template: str, dossier_number: int,
                    evaluator_email: str | None = None) -> dict[str, Any]:
    now = rt.clock()
    tz = ZoneInfo(rt.config.evaluation.timezone)
    today = now.astimezone(tz).date()
    with rt.sessions() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.number == dossier_number))
        if dossier is None:
            raise PreviewError(f"dossier {dossier_number} is not in the store (run `eig sync`)")
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
    raise PreviewError(f"no email template {template!r}; known: "
                       f"{', '.join(email_template_names())}")


def _track_of(rt: Runtime, demarche_number: int, dossier_number: int) -> str:
    track = rt.config.track_of_demarche(demarche_number)
    if track is not None:
        return track
    raise PreviewError(f"dossier {dossier_number} belongs to démarche {demarche_number}, "
                       "which is not a track's (projets or candidats)")
