"""Reading the synced evaluation forms: who has answered, with what, and what cannot count.

Each form is kept (`evaluations`) with its scores, or with the field and the rule that
keep it from counting — then its evaluator is told exactly what to fix, once per
problem. A later form for the same task supersedes the earlier one (kept in history); of
a dossier's valid evaluations the first k count, the others are kept and flagged. A
decline closes the task and hands the dossier to the best alternate, who gets a task
email; a declared conflict of interest joins the roster (and survives roster imports).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.documents import render_email
from connectors.store import outbox
from connectors.store.forms import (
    forms_by_number,
    forms_to_read,
    read_versions,
    rows_by_form_number,
)
from connectors.store.repository import dialect_insert
from flows.delivery.task_emails import programme
from flows.guard import stage_lease
from flows.jury_forms import is_jury_form
from flows.replacement import replace_assignment, tell_team_no_substitute
from flows.runtime import Runtime
from models.evaluation_forms import (
    AssignmentRef,
    CountedForm,
    FormKind,
    FormReading,
    FormStatus,
    ScoreCheck,
    check_scores,
    next_status,
    read_form,
    settle,
)
from models.evaluation_inputs import AssignmentStatus
from models.evaluation_task import dossier_brief
from models.french import compte
from models.outbox import Kind, mail_key
from models.tables import (
    Assignment,
    DeclaredConflict,
    Dossier,
    EvaluationLink,
    EvaluatorRow,
    JuryForm,
)
from models.tables import Evaluation as EvaluationRow
from settings.environment import resolve_eval_token_secret


@dataclass
class CollectReport:
    forms: int = 0
    submitted: int = 0
    declined: int = 0
    conflicts: int = 0
    replaced: list[dict[str, Any]] = field(default_factory=list)
    unreplaced: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    fix_requests: int = 0
    extra: int = 0


def collect_forms(rt: Runtime) -> CollectReport:
    """Apply every submitted evaluation form (one transaction; a rerun changes nothing:
    statuses only move forward and each problem is reported once). Under the lease of
    the assignments (a decline's replacement assigns an evaluator): the sync, the chase
    and the scoring all collect, and two collections at once would record a form twice."""
    with stage_lease(rt, "assignments"):
        return _collect(rt)


def _collect(rt: Runtime) -> CollectReport:
    config = rt.config
    secret = resolve_eval_token_secret(rt.settings)
    now = rt.clock()
    report = CollectReport()
    with rt.sessions.begin() as session:
        refs = {int(id_): AssignmentRef(int(id_), email, int(number), status)
                for id_, email, number, status in session.execute(select(
                    Assignment.id, Assignment.evaluator_email, Assignment.dossier_number,
                    Assignment.status))}
        applied = {(int(id_), int(number)) for id_, number in session.execute(
            select(Assignment.id, Assignment.form_number).where(
                Assignment.form_number.is_not(None)))}
        # a form counted, and the answer of the task it closed
        counted = {int(number): updated for number, task, updated in session.execute(
            select(EvaluationRow.form_number, EvaluationRow.assignment_id,
                   EvaluationRow.form_updated_at).where(
                EvaluationRow.status.in_(COUNTED), EvaluationRow.assignment_id.is_not(None)))
            if (int(task), int(number)) in applied}
        report.forms, to_read = forms_to_read(  # a juror's form: flows.jury_forms
            session, config.demarches["evaluations"].number, counted,
            read_versions(session, JuryForm))
        stored = rows_by_form_number(session, EvaluationRow, to_read)
        for form in forms_by_number(session, to_read):
            if is_jury_form(rt, form.fields):
                continue  # a juror's scores of a hearing: flows.jury_forms reads them
            report.forms += 1
            fields = form.fields or {}
            reading = read_form(
                int(form.number), fields, secret, refs,
                nature_evaluation=config.evaluation.nature_evaluation,
                nature_decline=config.evaluation.nature_decline,
                conflict_motifs=config.evaluation.conflict_motifs)
            assignment = (session.get(Assignment, reading.assignment_id)
                          if reading.valid and reading.assignment_id else None)
            check = _check(rt, assignment, fields) if (
                assignment is not None and reading.kind == FormKind.EVALUATION) else None
            problems = ([(reading.field or "", reading.problem)] if reading.problem else []
                        ) + list(check.problems if check else ())
            before = stored.get(int(form.number))
            reason = "; ".join(p for _, p in problems)
            # a form already set aside for the same reason is not news: each run reports
            # every form that does not count, and says which ones it saw first
            seen = before is not None and before.status == FormStatus.INVALID \
                and before.problem == reason
            row = _keep(session, stored, form, reading, assignment, check, problems, now)
            if problems:
                report.rejected.append({"form": form.number, "field": problems[0][0],
                                        "reason": reason, "new": not seen,
                                        "assignment": reading.assignment_id})
                report.fix_requests += _ask_for_fix(session, rt, row, fields, problems)
                continue
            assert assignment is not None
            if reading.conflict:
                report.conflicts += _declare_conflict(session, assignment, form.number, now)
            status = next_status(assignment.status, reading.kind)
            if status is None:
                continue
            assignment.status, assignment.form_number = status, int(form.number)
            assignment.closed_at = assignment.updated_at = now
            if status == AssignmentStatus.SUBMITTED:
                report.submitted += 1
                continue
            report.declined += 1
            assignment.status_reason = reading.motif or "déclin sans motif"
            _acknowledge_decline(session, rt, assignment, reading.motif or "", reading.conflict)
            replacement = replace_assignment(session, config, assignment, now)
            entry = {"dossier": assignment.dossier_number, "from": assignment.evaluator_email,
                     "reason": assignment.status_reason}
            if replacement is None:
                tell_team_no_substitute(session, config, assignment, now)
                report.unreplaced.append(entry)
            else:
                report.replaced.append(entry | {"to": replacement.evaluator_email})
            session.flush()
        report.extra = _settle(session, rt)
    return report


COUNTED = (FormStatus.VALID, FormStatus.SUPERSEDED, FormStatus.EXTRA)


def rejected_line(rejected: list[dict[str, Any]]) -> str | None:
    """One line for the forms newly set aside, grouped by reason (None when none is new):
    a form is told once, not at every run."""
    new = [r for r in rejected if r.get("new", True)]
    if not new:
        return None
    by_reason: dict[str, list[int]] = {}
    for r in new:
        by_reason.setdefault(r["reason"], []).append(int(r["form"]))
    reasons = " ; ".join(
        f"{reason} ({compte(len(forms), 'formulaire')} : n° "
        f"{', '.join(map(str, forms[:5]))}{'…' if len(forms) > 5 else ''})"
        for reason, forms in by_reason.items())
    return (f"{compte(len(new), 'nouveau formulaire', 'nouveaux formulaires')} d'évaluation "
            f"ne {'compte' if len(new) < 2 else 'comptent'} pas (eig quarantine) : {reasons}")


def _check(rt: Runtime, assignment: Assignment, fields: dict[str, Any]) -> ScoreCheck:
    track = rt.config.tracks[assignment.track]
    return check_scores(fields, {c.key: c.label for c in track.criteria}, track.scale.min,
                        track.scale.max, track.scoring.comment_required)


def _keep(session: Session, stored: dict[int, EvaluationRow], form: Dossier,
          reading: FormReading, assignment: Assignment | None, check: ScoreCheck | None,
          problems: Sequence[tuple[str, str]], now: datetime) -> EvaluationRow:
    """Insert or update the form's row; a changed form keeps its previous version."""
    values = {
        "kind": reading.kind,
        "status": FormStatus.INVALID if problems else FormStatus.VALID,
        "scores": dict(check.scores) if check else {},
        "comment": check.comment if check else (form.fields or {}).get("commentaire"),
        "problem_field": problems[0][0] if problems else None,
        "problem": "; ".join(p for _, p in problems) if problems else None,
    }
    row = stored.get(int(form.number))
    if row is None:
        row = EvaluationRow(form_number=int(form.number), history=[], recorded_at=now)
        session.add(row)
        stored[int(form.number)] = row
    elif any(getattr(row, k) != v for k, v in values.items() if k != "status") or (
            (row.status == FormStatus.INVALID) != bool(problems)):
        row.history = [*row.history, {
            "kind": row.kind, "status": row.status, "scores": row.scores,
            "comment": row.comment, "problem": row.problem,
            "form_updated_at": row.form_updated_at.isoformat() if row.form_updated_at
            else None, "replaced_at": now.isoformat()}]
    else:
        values.pop("status")  # unchanged form: superseded/extra stay as settled
    for key, value in values.items():
        setattr(row, key, value)
    row.assignment_id = assignment.id if assignment else reading.assignment_id
    row.dossier_number = assignment.dossier_number if assignment else None
    row.evaluator_email = assignment.evaluator_email if assignment else None
    row.track = assignment.track if assignment else None
    row.submitted_at, row.form_updated_at = form.date_depot, form.ds_updated_at
    row.updated_at = now
    session.flush()
    return row


def _settle(session: Session, rt: Runtime) -> int:
    """Superseded and extra evaluations, dossier by dossier (the first k count)."""
    counted: dict[int, list[CountedForm]] = {}
    current: dict[int, str] = {}
    track_of: dict[int, str] = {}
    for id_, number, task, submitted, recorded, status, track in session.execute(select(
            EvaluationRow.id, EvaluationRow.dossier_number, EvaluationRow.assignment_id,
            EvaluationRow.submitted_at, EvaluationRow.recorded_at, EvaluationRow.status,
            EvaluationRow.track).where(
            EvaluationRow.kind == FormKind.EVALUATION, EvaluationRow.status.in_(COUNTED))):
        current[id_] = status
        track_of.setdefault(int(number), track or "projets")
        counted.setdefault(int(number), []).append(CountedForm(id_, int(task),
                                                               submitted or recorded))
    extra = 0
    for number, forms in counted.items():
        k = rt.config.tracks[track_of[number]].evaluators_per_dossier
        for row_id, status in settle(forms, k).items():
            if status != current[row_id]:  # only the rows that move are loaded and written
                session.get_one(EvaluationRow, row_id).status = status
            extra += status == FormStatus.EXTRA
    return extra


def _ask_for_fix(session: Session, rt: Runtime, row: EvaluationRow, fields: dict[str, Any],
                 problems: Sequence[tuple[str, str]]) -> int:
    """Tell the evaluator what to fix — once per distinct set of problems. A form whose
    token does not verify is answered only if it names an evaluator of the roster."""
    email = row.evaluator_email or (fields.get("evaluateur_email") or "").strip().lower()
    evaluator = session.get(EvaluatorRow, email) if email else None
    if evaluator is None:
        return 0
    digest = hashlib.sha256(repr(sorted(problems)).encode()).hexdigest()[:10]
    link = (session.get(EvaluationLink, (row.assignment_id, "evaluate"))
            if row.assignment_id and row.evaluator_email else None)
    number = row.dossier_number or _as_int(fields.get("dossier_evalue"))
    dossier = session.scalar(select(Dossier).where(Dossier.number == number)) if number else None
    track = row.track or (dossier and rt.config.track_of_demarche(dossier.demarche_number)
                          ) or "projets"
    rendered = render_email("evaluation_fix", {
        "evaluator": {"name": evaluator.name, "email": evaluator.email},
        "form": row.form_number,
        "dossier": dossier_brief(track, number or 0, (dossier.fields if dossier else None)
                                 or {}, (dossier.applicant if dossier else None) or {}),
        "problems": [{"field": f, "rule": r} for f, r in problems],
        "links": {"evaluate": link.url if link else None},
        "programme": programme(rt)})
    return int(outbox.record_effect(
        session, mail_key("evaluation-fix", row.form_number, digest), Kind.EMAIL, "send",
        rendered_payload(rt, evaluator.email, evaluator.name, rendered), rt.clock()))


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


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
