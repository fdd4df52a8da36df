"""Jury scores through DS: each juror's prefilled scoring form, its reading, its chase.

Shared by sync-dossiers (forms read as they arrive), chase-evaluators (the ladder for the
forms still missing) and the hearing invitations (the link). No stage: no flow here.

- The link: the evaluation démarche's start page prefilled by URL (no API call) with the
  heard dossier, the juror's address, the nature « audition » and a token signed for that
  slot, juror and dossier (``models.jury_token``). The invitation gives it; a reminder
  gives it again.
- The reading: every submitted form of nature « audition » is checked
  (``models.jury_forms``); a valid one is recorded as the CSV would record it
  (``HearingScore``: one per juror and hearing, the form's beats a CSV row's), a bad one is
  kept with its field and rule (``eig quarantine``) and counts for nothing.
- The chase: a juror of a held hearing without scores is reminded, then the team told,
  by the evaluation ladder counted from ``hearings.scores_due_days`` after the hearing.
  Never replaced: nobody else heard the hearing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.documents import render_email
from connectors.ds import prefill_base_url, prefill_link
from connectors.store import outbox
from connectors.store.forms import (
    forms_by_number,
    forms_to_read,
    read_versions,
    rows_by_form_number,
)
from flows.delivery.task_emails import programme
from flows.guard import stage_lease
from flows.runtime import Runtime
from models.chasing import OpenTask, StepAction, due_at, plan_chase
from models.evaluation_task import dossier_brief
from models.hearing_outcome import HEARING_LABELS, criteria_track
from models.hearing_selection import RequestStatus, SlotStatus
from models.jury_forms import (
    FORM_SOURCE,
    NOT_YET,
    CountedJuryForm,
    HeldSlot,
    JuryFormReading,
    JuryFormStatus,
    Scale,
    from_form,
    read_jury_form,
    settle_jury_forms,
)
from models.jury_token import make_jury_token
from models.outbox import Kind, mail_key
from models.paris_time import aware
from models.tables import (
    Dossier,
    Evaluation,
    EvaluatorRow,
    HearingRequest,
    HearingScore,
    HearingSlot,
    JuryChaseStep,
    JuryForm,
)
from settings.environment import resolve_eval_token_secret

LEASE = "jury-scores"
"""Held by whoever writes hearing scores (the forms' collection, the chase, the CSV)."""


# -- the link -------------------------------------------------------------------------------


def jury_link(rt: Runtime, slot_id: int, juror: str, dossier_number: int) -> str:
    """`https://<DS>/commencer/<evaluation démarche's path>?champ_<id>=…`: the same link
    for the same slot and juror, every time."""
    fields = rt.config.demarches["evaluations"].fields
    secret = resolve_eval_token_secret(rt.settings)
    values = {"dossier_evalue": dossier_number,
              "jeton": make_jury_token(secret, slot_id, juror, dossier_number),
              "evaluateur_email": juror.strip().lower(),
              "nature": rt.config.evaluation.nature_audition}
    public = rt.settings.ds_public_url or prefill_base_url(rt.settings.ds_api_url)
    return prefill_link(public, rt.config.procedure_path("evaluations"),
                        {fields[k].id: v for k, v in values.items() if k in fields})


def scores_due(rt: Runtime, slot_end: datetime) -> datetime:
    """When a juror's scores of a hearing ending at ``slot_end`` are due."""
    evaluation = rt.config.evaluation
    return due_at(aware(slot_end), rt.config.hearings.scores_due_days,
                  ZoneInfo(evaluation.timezone), evaluation.holidays_country)


# -- the reading ----------------------------------------------------------------------------


@dataclass
class JuryReport:
    forms: int = 0
    recorded: int = 0
    superseded: int = 0
    withdrawn: int = 0
    fix_requests: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)


def is_jury_form(rt: Runtime, fields: dict[str, Any] | None) -> bool:
    """A form of the evaluation démarche that scores a hearing (nature « audition »)."""
    return ((fields or {}).get("nature") or "").strip() == rt.config.evaluation.nature_audition


def collect_jury_forms(rt: Runtime) -> JuryReport:
    """Read every submitted jury form, record the scores of the valid ones (one
    transaction; a rerun changes nothing), under the lease of the hearing scores."""
    with stage_lease(rt, LEASE):
        return _collect(rt)


def _scales(rt: Runtime) -> dict[str, Scale]:
    scales = {}
    for track in {*rt.config.hearings.tracks, *rt.config.tracks}:
        config = rt.config.tracks.get(criteria_track(track))
        if config is None:
            continue
        scales[track] = Scale({c.key: c.label for c in config.criteria}, config.scale.min,
                              config.scale.max, config.scoring.comment_required)
    return scales


def _held_slots(session: Session) -> dict[int, HeldSlot]:
    return {slot.id: HeldSlot(slot.id, request.id, int(request.dossier_number), request.track,
                              tuple(slot.jury), aware(slot.start),
                              slot.status != SlotStatus.SCHEDULED
                              or request.status == RequestStatus.WITHDRAWN)
            for slot, request in session.execute(select(HearingSlot, HearingRequest).join(
                HearingRequest, HearingRequest.id == HearingSlot.request_id))}


def _collect(rt: Runtime) -> JuryReport:
    secret = resolve_eval_token_secret(rt.settings)
    now = rt.clock()
    report = JuryReport()
    scales = _scales(rt)
    with rt.sessions.begin() as session:
        slots = _held_slots(session)
        counted = dict(session.execute(select(JuryForm.form_number, JuryForm.form_updated_at)
                                       .where(JuryForm.status != JuryFormStatus.INVALID)
                                       ).tuples().all())
        report.forms, to_read = forms_to_read(  # an evaluator's: flows.collect_forms
            session, rt.config.demarches["evaluations"].number, counted,
            read_versions(session, Evaluation))
        stored = rows_by_form_number(session, JuryForm, to_read)
        forms = [f for f in forms_by_number(session, to_read) if is_jury_form(rt, f.fields)]
        for form in forms:
            report.forms += 1
            before = stored.get(int(form.number))
            reading = read_jury_form(int(form.number), form.fields or {}, secret, slots,
                                     scales, now)
            seen = (before is not None and before.status == JuryFormStatus.INVALID
                    and before.problem == reading.reason)
            row = _keep(session, stored, form, reading, now)
            if not reading.valid:
                report.fix_requests += _ask_for_fix(session, rt, row, reading)
                report.rejected.append({
                    "form": int(form.number), "field": reading.problems[0][0],
                    "reason": reading.reason, "new": not seen,
                    "dossier": reading.slot.dossier if reading.slot else None,
                    "juror": reading.juror})
        session.flush()
        report.recorded, report.superseded, report.withdrawn = _settle(session, now)
    return report


def _ask_for_fix(session: Session, rt: Runtime, row: JuryForm,
                 reading: JuryFormReading) -> int:
    """Tell the juror what to fix — once per form and distinct set of problems — when the
    token showed them to be a juror of that hearing (a form of a stranger, or one sent
    before the hearing, which will count once it has begun, gets nothing)."""
    slot, juror = reading.slot, reading.juror
    if slot is None or juror not in slot.jury or any(
            rule == NOT_YET for _, rule in reading.problems):
        return 0
    person = session.get(EvaluatorRow, juror)
    if person is None:
        return 0
    request = session.get(HearingRequest, slot.request_id)
    digest = hashlib.sha256(repr(sorted(reading.problems)).encode()).hexdigest()[:10]
    dossier = session.scalar(select(Dossier).where(Dossier.number == slot.dossier))
    rendered = render_email("jury_fix", {
        "juror": {"name": person.name, "email": juror}, "form": row.form_number,
        "hearing": {"kind_label": HEARING_LABELS[request.hearing_type] if request else "",
                    "start": slot.start, "dossier": dossier_brief(
                        criteria_track(slot.track), slot.dossier,
                        (dossier.fields if dossier else None) or {},
                        (dossier.applicant if dossier else None) or {})},
        "problems": [{"field": f, "rule": r} for f, r in reading.problems],
        "link": None if slot.cancelled else jury_link(rt, slot.id, juror, slot.dossier),
        "programme": programme(rt)})
    return int(outbox.record_effect(
        session, mail_key("jury-fix", row.form_number, digest), Kind.EMAIL, "send",
        {"to": [{"email": juror, "name": person.name}], "subject": rendered.subject,
         "text": rendered.text, "html": rendered.html,
         "reply_to": {"email": rt.config.evaluation.contact}}, rt.clock()))


def _keep(session: Session, stored: dict[int, JuryForm], form: Dossier,
          reading: JuryFormReading, now: datetime) -> JuryForm:
    """Insert or update the form's row; a changed form keeps its previous version."""
    values = {"slot_id": reading.slot.id if reading.slot else None,
              "request_id": reading.slot.request_id if reading.slot else None,
              "dossier_number": reading.slot.dossier if reading.slot else None,
              "juror": reading.juror, "scores": dict(reading.scores),
              "comment": reading.comment if reading.valid else (
                  form.fields or {}).get("commentaire"),
              "problem_field": reading.problems[0][0] if reading.problems else None,
              "problem": reading.reason}
    row = stored.get(int(form.number))
    if row is None:
        row = JuryForm(form_number=int(form.number), history=[], recorded_at=now,
                       status=JuryFormStatus.VALID if reading.valid else JuryFormStatus.INVALID)
        session.add(row)
        stored[int(form.number)] = row
    elif any(getattr(row, k) != v for k, v in values.items()):
        row.history = [*row.history, {
            "status": row.status, "scores": row.scores, "comment": row.comment,
            "problem": row.problem, "replaced_at": now.isoformat(),
            "form_updated_at": row.form_updated_at.isoformat() if row.form_updated_at
            else None}]
    if not reading.valid:
        row.status = JuryFormStatus.INVALID
    elif row.status == JuryFormStatus.INVALID:
        row.status = JuryFormStatus.VALID
    for key, value in values.items():
        setattr(row, key, value)
    row.submitted_at, row.form_updated_at = form.date_depot, form.ds_updated_at
    row.updated_at = now
    return row


def _settle(session: Session, now: datetime) -> tuple[int, int, int]:
    """The latest valid form of each juror and hearing becomes their ``HearingScore``
    (replacing a CSV row, not a form's identical one); a score from a form that no longer
    counts is withdrawn. Returns (scores recorded or changed, superseded, withdrawn)."""
    rows = {r.id: r for r in session.scalars(select(JuryForm).where(
        JuryForm.status.in_((JuryFormStatus.VALID, JuryFormStatus.SUPERSEDED))))}
    statuses = settle_jury_forms([CountedJuryForm(
        r.id, int(r.request_id), str(r.juror), aware(r.submitted_at or r.recorded_at))
        for r in rows.values()])
    recorded = superseded = 0
    counting = set()
    for row_id, status in statuses.items():
        row = rows[row_id]
        row.status = status
        if status == JuryFormStatus.SUPERSEDED:
            superseded += 1
            continue
        counting.add(f"{FORM_SOURCE}{row.form_number}")
        score = session.scalar(select(HearingScore).where(
            HearingScore.request_id == row.request_id, HearingScore.juror == row.juror))
        source = f"{FORM_SOURCE}{row.form_number}"
        if score is not None and score.source == source and score.scores == row.scores \
                and score.comment == row.comment:
            continue
        if score is None:
            score = HearingScore(request_id=row.request_id, juror=row.juror)
            session.add(score)
        score.scores, score.comment = dict(row.scores), row.comment
        score.source, score.imported_at = source, now
        request = session.get(HearingRequest, row.request_id)
        if request is not None and request.status != RequestStatus.WITHDRAWN:
            request.status, request.updated_at = RequestStatus.HELD, now
        recorded += 1
    withdrawn = 0
    for score in session.scalars(select(HearingScore)):
        if from_form(score.source) and score.source not in counting:
            session.delete(score)
            withdrawn += 1
    return recorded, superseded, withdrawn


def form_score_owner(session: Session, request_id: int, juror: str) -> str | None:
    """The source of a score a DS form gave this juror for this hearing (which a CSV
    row does not replace), or None."""
    source = session.scalar(select(HearingScore.source).where(
        HearingScore.request_id == request_id, HearingScore.juror == juror))
    return source if from_form(source) else None


# -- the chase ------------------------------------------------------------------------------


@dataclass
class JuryChase:
    reminders: int = 0
    reminded: int = 0
    escalated: list[dict[str, Any]] = field(default_factory=list)
    skipped: int = 0
    missing: int = 0


@dataclass(frozen=True)
class _Missing:
    slot_id: int
    juror: str
    request_id: int
    dossier: int
    track: str
    hearing_type: str
    start: datetime
    due: datetime


def missing_scores(rt: Runtime, session: Session) -> list[_Missing]:
    """Each juror of a hearing held (its slot began) whose scores have not come, by any
    way (form or CSV)."""
    now = rt.clock()
    scored = set(session.execute(select(HearingScore.request_id, HearingScore.juror)).all())
    rows = session.execute(select(HearingSlot, HearingRequest).join(
        HearingRequest, HearingRequest.id == HearingSlot.request_id).where(
        HearingSlot.status == SlotStatus.SCHEDULED,
        HearingRequest.status != RequestStatus.WITHDRAWN).order_by(HearingSlot.id)).all()
    return [_Missing(slot.id, juror, request.id, int(request.dossier_number), request.track,
                     request.hearing_type, aware(slot.start), scores_due(rt, slot.end))
            for slot, request in rows if aware(slot.start) <= now
            for juror in slot.jury if (request.id, juror) not in scored]


def chase_jury(rt: Runtime, today: date) -> JuryChase:
    """Walk the ladder (reminders, escalation; no replacement) for the missing scores:
    one reminder per juror and day, one late list to the team; each step once."""
    ladder = [s for s in rt.config.evaluation.ladder if s.action != "replace"]
    tz = ZoneInfo(rt.config.evaluation.timezone)
    result = JuryChase()
    with stage_lease(rt, LEASE), rt.sessions.begin() as session:
        missing = missing_scores(rt, session)
        result.missing = len(missing)
        done: dict[tuple[int, str], set[str]] = {}
        for slot_id, juror, step in session.execute(select(
                JuryChaseStep.slot_id, JuryChaseStep.juror, JuryChaseStep.step)):
            done.setdefault((slot_id, juror), set()).add(step)
        tasks = {index: item for index, item in enumerate(missing)}
        plan = plan_chase([OpenTask(index, m.juror, m.dossier, m.track, m.due,
                                    frozenset(done.get((m.slot_id, m.juror), ())))
                           for index, m in tasks.items()], ladder, today, tz)
        now = rt.clock()

        def mark(actions: list[StepAction], outcome: str, key: str | None) -> None:
            for action in actions:
                item = tasks[action.task.assignment_id]
                session.add(JuryChaseStep(slot_id=item.slot_id, juror=item.juror,
                                          step=action.step, outcome=outcome, effect_key=key,
                                          done_at=now))

        mark(plan.skipped, "skipped", None)
        result.skipped = len(plan.skipped)
        for juror, actions in plan.reminders.items():
            items = [tasks[a.task.assignment_id] for a in actions]
            key = _key("jury-reminder", juror, today, actions)
            outbox.record_effect(session, key, Kind.EMAIL, "send",
                                 _reminder(rt, session, juror, items, today), now)
            mark(actions, "sent", key)
            result.reminders += 1
            result.reminded += len(actions)
        if plan.escalations:
            late = [_late_entry(rt, session, tasks[a.task.assignment_id], a, today)
                    for a in plan.escalations]
            key = _key("jury-escalation", "equipe", today, plan.escalations)
            rendered = render_email("jury_escalation", {"today": today, "late": late,
                                                        "programme": programme(rt)})
            outbox.record_effect(session, key, Kind.EMAIL, "send", {
                "to": [{"email": e} for e in rt.config.evaluation.team],
                "subject": rendered.subject, "text": rendered.text, "html": rendered.html,
                "reply_to": {"email": rt.config.evaluation.contact}}, now)
            mark(plan.escalations, "sent", key)
            result.escalated = [{"juré": e["juror"]["email"], "dossier": e["dossier"]["number"],
                                 "jours de retard": e["days_late"]} for e in late]
    return result


def _key(purpose: str, who: str, today: date, actions: list[StepAction]) -> str:
    items = ",".join(sorted(f"{a.task.dossier}.{a.task.track}.{a.step}" for a in actions))
    return mail_key(purpose, who, today.isoformat(),
                    hashlib.sha256(items.encode()).hexdigest()[:12])


def _brief(session: Session, item: _Missing) -> dict[str, Any]:
    dossier = session.scalar(select(Dossier).where(Dossier.number == item.dossier))
    return dossier_brief(criteria_track(item.track), item.dossier,
                         (dossier.fields if dossier else None) or {},
                         (dossier.applicant if dossier else None) or {})


def _reminder(rt: Runtime, session: Session, juror: str, items: list[_Missing],
              today: date) -> dict[str, Any]:
    person = session.get(EvaluatorRow, juror)
    name = person.name if person else ""
    tz = ZoneInfo(rt.config.evaluation.timezone)
    rendered = render_email("jury_reminder", {
        "juror": {"name": name, "email": juror}, "today": today,
        "hearings": [{"kind_label": HEARING_LABELS[item.hearing_type],
                      "dossier": _brief(session, item), "start": item.start, "due": item.due,
                      "late": item.due.astimezone(tz).date() < today,
                      "link": jury_link(rt, item.slot_id, juror, item.dossier)}
                     for item in items],
        "programme": programme(rt)})
    return {"to": [{"email": juror, "name": name}], "subject": rendered.subject,
            "text": rendered.text, "html": rendered.html,
            "reply_to": {"email": rt.config.evaluation.contact}}


def _late_entry(rt: Runtime, session: Session, item: _Missing, action: StepAction,
                today: date) -> dict[str, Any]:
    person = session.get(EvaluatorRow, item.juror)
    sent = len(session.scalars(select(JuryChaseStep.id).where(
        JuryChaseStep.slot_id == item.slot_id, JuryChaseStep.juror == item.juror,
        JuryChaseStep.outcome == "sent")).all())
    return {"juror": {"name": person.name if person else "", "email": item.juror},
            "kind_label": HEARING_LABELS[item.hearing_type], "dossier": _brief(session, item),
            "start": item.start, "due": item.due, "days_late": action.days_late,
            "reminders": sent}
