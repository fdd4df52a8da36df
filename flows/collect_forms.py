"""Learning from the synced evaluation forms who has answered: submitted, or declined.

A decline closes the task and hands the dossier to the best alternate, who gets a task
email; a declared conflict of interest joins the roster's conflicts (and survives the
next roster import). Forms that cannot count are listed with the field and the rule;
their quarantine and the email telling the evaluator what to fix belong to the scoring.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.documents import render_email
from connectors.store import outbox
from connectors.store.repository import dialect_insert
from eig.settings import resolve_eval_token_secret
from flows.replacement import replace_assignment
from flows.runtime import Runtime
from flows.task_emails import programme
from models.evaluation_forms import SUBMITTED_STATES, AssignmentRef, next_status, read_form
from models.evaluation_task import dossier_brief
from models.outbox import Kind, mail_key
from models.tables import Assignment, DeclaredConflict, Dossier, EvaluatorRow


@dataclass
class CollectReport:
    forms: int = 0
    submitted: int = 0
    declined: int = 0
    conflicts: int = 0
    replaced: list[dict[str, Any]] = field(default_factory=list)
    unreplaced: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)


def collect_forms(rt: Runtime) -> CollectReport:
    """Apply every submitted evaluation form to its assignment (one transaction; a rerun
    changes nothing: statuses only move forward)."""
    config = rt.config
    secret = resolve_eval_token_secret(rt.settings)
    now = rt.clock()
    report = CollectReport()
    with rt.sessions.begin() as session:
        refs = {a.id: AssignmentRef(a.id, a.evaluator_email, int(a.dossier_number), a.status)
                for a in session.scalars(select(Assignment))}
        forms = session.scalars(select(Dossier).where(
            Dossier.demarche_number == config.demarches["evaluations"].number,
            Dossier.hidden.is_(False), Dossier.deleted.is_(False),
            Dossier.state.in_(SUBMITTED_STATES)).order_by(Dossier.date_depot, Dossier.number))
        for form in forms:
            report.forms += 1
            reading = read_form(
                int(form.number), form.fields or {}, secret, refs,
                nature_evaluation=config.evaluation.nature_evaluation,
                nature_decline=config.evaluation.nature_decline,
                conflict_motifs=config.evaluation.conflict_motifs)
            if not reading.valid:
                report.rejected.append({"form": form.number, "field": reading.field,
                                        "reason": reading.problem,
                                        "assignment": reading.assignment_id})
                continue
            assignment = session.get(Assignment, reading.assignment_id)
            assert assignment is not None
            if reading.conflict:
                report.conflicts += _declare_conflict(session, assignment, form.number, now)
            status = next_status(assignment.status, reading.kind)
            if status is None:
                continue
            assignment.status, assignment.form_number = status, int(form.number)
            assignment.closed_at = assignment.updated_at = now
            if status == "submitted":
                report.submitted += 1
                continue
            report.declined += 1
            assignment.status_reason = reading.motif or "déclin sans motif"
            _acknowledge_decline(session, rt, assignment, reading.motif or "", reading.conflict)
            replacement = replace_assignment(session, config, assignment, now)
            entry = {"dossier": assignment.dossier_number, "from": assignment.evaluator_email,
                     "reason": assignment.status_reason}
            if replacement is None:
                report.unreplaced.append(entry)
            else:
                report.replaced.append(entry | {"to": replacement.evaluator_email})
            session.flush()
    return report


def _declare_conflict(session: Session, assignment: Assignment, form: int,
                      now: datetime) -> int:
    inserted = session.execute(dialect_insert(session, DeclaredConflict).values(
        evaluator_email=assignment.evaluator_email, dossier_number=assignment.dossier_number,
        source=f"formulaire d'évaluation n°{form}", declared_at=now,
    ).on_conflict_do_nothing().returning(DeclaredConflict.dossier_number))
    return int(inserted.scalar_one_or_none() is not None)


def _acknowledge_decline(session: Session, rt: Runtime, assignment: Assignment, motif: str,
                         conflict: bool) -> None:
    evaluator = session.get(EvaluatorRow, assignment.evaluator_email)
    dossier = session.scalar(select(Dossier).where(Dossier.number == assignment.dossier_number))
    name = evaluator.name if evaluator else ""
    brief = dossier_brief(assignment.track, assignment.dossier_number,
                          (dossier.fields if dossier else None) or {},
                          (dossier.applicant if dossier else None) or {})
    rendered = render_email("decline_ack", {
        "evaluator": {"name": name, "email": assignment.evaluator_email},
        "dossier": brief, "reason": motif, "conflict": conflict,
        "programme": programme(rt)})
    outbox.record_effect(session, mail_key("decline-ack", assignment.id), Kind.EMAIL, "send",
                         rendered_payload(rt, assignment.evaluator_email, name, rendered),
                         rt.clock())


def rendered_payload(rt: Runtime, email: str, name: str, rendered: Any) -> dict[str, Any]:
    """An outbox ``send`` payload from a rendered email (replies go to the contact)."""
    return {"to": [{"email": email, "name": name}], "subject": rendered.subject,
            "text": rendered.text, "html": rendered.html,
            "reply_to": {"email": rt.config.evaluation.contact}}
