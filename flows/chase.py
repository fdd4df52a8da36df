"""chase-evaluators: every working morning, make sure each evaluation arrives in time.

The story of a run: sync the evaluation démarche, learn who has answered (a decline hands
the dossier to the best alternate), then walk the ladder for every task still open — one
digest per evaluator for the day's reminders, the late list to the programme team, the
task handed to the next alternate at the ladder's replacement step (the team told once
when nobody can take it) — and deliver. Each step of the ladder is taken once per task;
the statuses are read again inside the transaction that records a reminder, so nobody is
reminded of something they answered a moment ago.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.documents import render_email
from connectors.documents.french import date_fr
from connectors.store import outbox
from flows.collect_forms import CollectReport, collect_forms, rejected_line, rendered_payload
from flows.delivery.task_emails import programme
from flows.ds_pull import SyncParameters, pull
from flows.guard import stage_lease
from flows.handover import hand_over
from flows.jury_forms import chase_jury, collect_jury_forms
from flows.replacement import replace_assignment, tell_team_no_substitute
from flows.reporting import conclude, labelled, publish_markdown, publish_table
from flows.runtime import Runtime, open_runtime
from models.chasing import ChasePlan, OpenTask, StepAction, is_working_day, plan_chase
from models.chasing import replacement_day as replacement_day_of
from models.evaluation_inputs import OPEN_STATUSES, STATUS_LABELS, AssignmentStatus
from models.evaluation_task import dossier_brief
from models.french import compte
from models.outbox import Kind, mail_key
from models.tables import Assignment, ChaseStep, Dossier, EvaluationLink, EvaluatorRow


class ChaseParameters(BaseModel):
    """Run form of the chase-evaluators deployment."""
    model_config = ConfigDict(frozen=True)  # the flow's default instance is shared

    sync_first: bool = Field(default=True, title="Synchroniser d'abord",
                             description="Relire la démarche d'évaluation avant de relancer, "
                             "pour ne relancer personne qui vient de répondre.")
    force: bool = Field(default=False, title="Même un jour non ouvré",
                        description="Relancer même un samedi, un dimanche ou un jour férié.")


@task(name="collect-evaluation-forms", cache_policy=NO_CACHE)
def collect_evaluation_forms(rt: Runtime) -> CollectReport:
    return collect_forms(rt)


@task(name="chase-jury-scores", cache_policy=NO_CACHE)
def chase_jury_scores(rt: Runtime, today: date) -> dict[str, Any]:
    """The jurors' forms of held hearings: read those that came, then the same ladder
    for the missing ones — reminders, the team told; no replacement (nobody else heard
    the hearing)."""
    collected = collect_jury_forms(rt)
    chased = chase_jury(rt, today)
    return {"forms": collected.forms, "recorded": collected.recorded,
            "rejected": collected.rejected, "missing": chased.missing,
            "reminders": chased.reminders, "reminded": chased.reminded,
            "escalated": chased.escalated, "skipped_steps": chased.skipped}


@task(name="plan-chase", cache_policy=NO_CACHE)
def plan_today(rt: Runtime, today: date) -> ChasePlan:
    with rt.sessions() as session:
        return plan_chase(open_tasks(session), rt.config.evaluation.ladder, today, _tz(rt))


def open_tasks(session: Session) -> list[OpenTask]:
    done: dict[int, set[str]] = {}
    for assignment_id, step in session.execute(select(ChaseStep.assignment_id, ChaseStep.step)):
        done.setdefault(assignment_id, set()).add(step)
    return [OpenTask(a.id, a.evaluator_email, int(a.dossier_number), a.track, a.due_at,
                     frozenset(done.get(a.id, ())))
            for a in session.scalars(select(Assignment).where(
                Assignment.status.in_(OPEN_STATUSES), Assignment.due_at.is_not(None))
                .order_by(Assignment.id))]


def _still_open(session: Session, actions: list[StepAction]) -> list[StepAction]:
    """Re-read, under lock, the tasks and the steps already taken: what is still to do."""
    ids = [a.task.assignment_id for a in actions]
    status = dict(session.execute(
        select(Assignment.id, Assignment.status).where(Assignment.id.in_(ids))
        .with_for_update()).all())
    taken = set(session.execute(select(ChaseStep.assignment_id, ChaseStep.step)
                                .where(ChaseStep.assignment_id.in_(ids))).all())
    return [a for a in actions if status.get(a.task.assignment_id) in OPEN_STATUSES
            and (a.task.assignment_id, a.step) not in taken]


def _digest_key(purpose: str, who: str, today: date, actions: list[StepAction]) -> str:
    items = ",".join(f"{a.task.assignment_id}.{a.step}" for a in actions)
    digest = hashlib.sha256(items.encode()).hexdigest()[:12]
    return mail_key(purpose, who, today.isoformat(), digest)


def _mark(session: Session, actions: list[StepAction], outcome: str, key: str | None,
          rt: Runtime) -> None:
    for action in actions:
        session.add(ChaseStep(assignment_id=action.task.assignment_id, step=action.step,
                              outcome=outcome, effect_key=key, done_at=rt.clock()))


@task(name="send-reminders", cache_policy=NO_CACHE)
def send_reminders(rt: Runtime, plan: ChasePlan, today: date) -> int:
    """One digest per evaluator: the reminder and its steps are recorded together."""
    sent = 0
    for evaluator, actions in plan.reminders.items():
        with rt.sessions.begin() as session:
            actions = _still_open(session, actions)
            if not actions:
                continue
            key = _digest_key("reminder", evaluator, today, actions)
            outbox.record_effect(session, key, Kind.EMAIL, "eval-reminder", {
                "evaluator": evaluator, "today": today.isoformat(),
                "items": [{"assignment": a.task.assignment_id, "step": a.step}
                          for a in actions]}, rt.clock())
            _mark(session, actions, "sent", key, rt)
            sent += 1
    return sent


@task(name="escalate-late-evaluations", cache_policy=NO_CACHE)
def escalate(rt: Runtime, plan: ChasePlan, today: date) -> list[dict[str, Any]]:
    """The programme team gets the day's late list, once."""
    if not plan.escalations:
        return []
    with rt.sessions.begin() as session:
        actions = _still_open(session, plan.escalations)
        if not actions:
            return []
        reminders = Counter(assignment_id for assignment_id, in session.execute(
            select(ChaseStep.assignment_id).where(
                ChaseStep.assignment_id.in_([a.task.assignment_id for a in actions]),
                ChaseStep.outcome == "sent")))
        late = [_late_entry(session, rt, a, reminders[a.task.assignment_id]) for a in actions]
        rendered = render_email("escalation", {"today": today, "late": late,
                                               "programme": programme(rt)})
        key = _digest_key("escalation", "equipe", today, actions)
        payload = rendered_payload(rt, rt.config.evaluation.team[0], "", rendered)
        payload["to"] = [{"email": e} for e in rt.config.evaluation.team]
        outbox.record_effect(session, key, Kind.EMAIL, "send", payload, rt.clock())
        _mark(session, actions, "sent", key, rt)
    return [{"évaluateur": e["evaluator"]["email"], "dossier": e["dossier"]["number"],
             "jours de retard": e["days_late"]} for e in late]


def _late_entry(session: Session, rt: Runtime, action: StepAction, reminders: int
                ) -> dict[str, Any]:
    task_ = action.task
    evaluator = session.get(EvaluatorRow, task_.evaluator)
    return {
        "evaluator": {"name": evaluator.name if evaluator else "", "email": task_.evaluator},
        "dossier": _brief(session, task_.track, task_.dossier),
        "track_label": rt.config.tracks[task_.track].label,
        "due": task_.due, "days_late": action.days_late, "reminders": reminders,
        "replacement_on": replacement_day_of(task_, rt.config.evaluation.ladder, _tz(rt),
                                             rt.config.evaluation.holidays_country),
    }


@task(name="replace-late-evaluators", cache_policy=NO_CACHE)
def replace_late(rt: Runtime, plan: ChasePlan) -> dict[str, list[dict[str, Any]]]:
    """Hand each task late beyond the ladder to the next alternate (one transaction each).

    Without a feasible alternate, the task stays open with the late evaluator, the step is
    not taken (it is tried again at the next chase), the reason is kept on the assignment
    and the team is told once (``unreplaced``; ``still_unreplaced`` on later tries)."""
    done: dict[str, list[dict[str, Any]]] = {"replaced": [], "unreplaced": [],
                                             "still_unreplaced": []}
    for action in plan.replacements:
        now = rt.clock()
        with rt.sessions.begin() as session:
            if not _still_open(session, [action]):
                continue
            late = session.get(Assignment, action.task.assignment_id)
            assert late is not None
            previous_status = late.status
            late.status, late.closed_at, late.updated_at = AssignmentStatus.REPLACED, now, now
            late.status_reason = f"en retard de {action.days_late} jours"
            session.flush()
            replacement = replace_assignment(session, rt.config, late, now)
            entry = {"dossier": late.dossier_number, "from": late.evaluator_email}
            if replacement is None:
                late.status, late.closed_at = previous_status, None
                late.status_reason = (f"remplacement impossible le {now.date().isoformat()} : "
                                      "aucun évaluateur faisable disponible")
                told = tell_team_no_substitute(session, rt.config, late, now, action.days_late)
                done["unreplaced" if told else "still_unreplaced"].append(entry)
                continue
            _mark(session, [action], "replaced", mail_key("eval-request", replacement.id), rt)
            _notify_replaced(session, rt, late)
            done["replaced"].append(entry | {"to": replacement.evaluator_email})
    return done


def _notify_replaced(session: Session, rt: Runtime, late: Assignment) -> None:
    """The late evaluator learns the task moved on — and may still submit."""
    link = session.get(EvaluationLink, (late.id, "evaluate"))
    if link is None:  # the task email never left: there is nothing to call off
        return
    evaluator = session.get(EvaluatorRow, late.evaluator_email)
    name = evaluator.name if evaluator else ""
    rendered = render_email("replacement_notice", {
        "evaluator": {"name": name, "email": late.evaluator_email},
        "dossier": _brief(session, late.track, late.dossier_number), "due": late.due_at,
        "links": {"evaluate": link.url}, "programme": programme(rt)})
    outbox.record_effect(session, mail_key("replaced", late.id), Kind.EMAIL, "send",
                         rendered_payload(rt, late.evaluator_email, name, rendered), rt.clock())


def _record_skipped(rt: Runtime, plan: ChasePlan) -> int:
    if not plan.skipped:
        return 0
    with rt.sessions.begin() as session:
        skipped = _still_open(session, plan.skipped)
        _mark(session, skipped, "skipped", None, rt)
    return len(skipped)


def _brief(session: Session, track: str, number: int) -> dict[str, Any]:
    dossier = session.scalar(select(Dossier).where(Dossier.number == number))
    return dossier_brief(track, number, (dossier.fields if dossier else None) or {},
                         (dossier.applicant if dossier else None) or {})


def _tz(rt: Runtime) -> ZoneInfo:
    return ZoneInfo(rt.config.evaluation.timezone)


def assignment_overview(session: Session, tz: ZoneInfo, today: date) -> dict[str, Any]:
    counts = Counter(s for s, in session.execute(select(Assignment.status)))
    late = [{"évaluateur": a.evaluator_email, "dossier": a.dossier_number, "parcours": a.track,
             "échéance": a.due_at.astimezone(tz).date().isoformat(),
             "jours de retard": (today - a.due_at.astimezone(tz).date()).days}
            for a in session.scalars(select(Assignment).where(
                Assignment.status.in_(OPEN_STATUSES), Assignment.due_at.is_not(None))
                .order_by(Assignment.due_at))
            if a.due_at.astimezone(tz).date() < today]
    return {"by_status": dict(sorted(counts.items())), "late": late}


@flow(name="chase-evaluators", timeout_seconds=1800,
      description="Relance les évaluateurs (rappels groupés, alerte de l'équipe, "
      "remplacement, aux marches de evaluation.ladder) et prend en compte les déclins ; "
      "relance aussi les jurés dont les notes d'audition manquent (rappels, alerte de "
      "l'équipe).")
def chase_evaluators(params: ChaseParameters = ChaseParameters()) -> dict[str, Any]:  # noqa: B008 (frozen model)
    logger = get_run_logger()
    with open_runtime() as rt, stage_lease(rt, "assignments"):
        tz = _tz(rt)
        today = rt.clock().astimezone(tz).date()
        if not params.force and not is_working_day(today, rt.config.evaluation.holidays_country):
            headline = f"Relances du {date_fr(today)} : jour non ouvré, aucune relance."
            publish_markdown("chase-evaluators", f"# {headline}\n")
            return conclude({"today": today.isoformat(), "working_day": False}, headline)
        if params.sync_first:
            pull(rt, SyncParameters(  # forms are collected just below, in this run
                demarches=[rt.config.demarches["evaluations"].number], assign_new=False,
                collect_forms=False))
        collected = collect_evaluation_forms(rt)
        plan = plan_today(rt, today)
        skipped = _record_skipped(rt, plan)
        digests = send_reminders(rt, plan, today)
        escalated = escalate(rt, plan, today)
        replaced = replace_late(rt, plan)
        jury = chase_jury_scores(rt, today)
        handed = hand_over(rt, "chase-evaluators")
        with rt.sessions() as session:
            overview = assignment_overview(session, tz, today)
    if (line := rejected_line(collected.rejected)) is not None:
        logger.warning("%s", line)
    new_jury = [r for r in jury["rejected"] if r["new"]]
    if new_jury:
        logger.warning("%s (eig quarantine) : %s", compte(
            len(new_jury), "formulaire de notation d'audition ne compte pas",
            "formulaires de notation d'audition ne comptent pas"), " ; ".join(
            f"n° {r['form']}, champ {r['field']} : {r['reason']}" for r in new_jury[:5])
            + (" …" if len(new_jury) > 5 else ""))
    for item in [*collected.unreplaced, *replaced["unreplaced"]]:
        logger.warning("dossier %s : pas de remplaçant pour %s (l'équipe est prévenue)",
                       item["dossier"], item["from"])
    summary = {
        "today": today.isoformat(), "working_day": True,
        "forms": {"seen": collected.forms, "submitted": collected.submitted,
                  "declined": collected.declined, "conflicts": collected.conflicts,
                  "rejected": collected.rejected},
        "reminder_digests": digests, "reminded_tasks": sum(
            len(v) for v in plan.reminders.values()),
        "escalated": escalated, "skipped_steps": skipped,
        "replaced": collected.replaced + replaced["replaced"],
        "unreplaced": collected.unreplaced + replaced["unreplaced"],
        "still_unreplaced": replaced["still_unreplaced"],
        "assignments": overview["by_status"], "late": overview["late"],
        "handed_over": handed, "jury": jury,
    }
    forms = summary["forms"]
    refused = sum(r["new"] for r in collected.rejected)
    headline = (
        f"Relances du {date_fr(today)} : "
        f"{compte(forms['submitted'], 'évaluation reçue', 'évaluations reçues')}, "
        f"{compte(forms['declined'], 'déclin')}, "
        f"{compte(refused, 'formulaire refusé', 'formulaires refusés')} ; "
        f"{compte(digests, 'rappel groupé', 'rappels groupés')} pour "
        f"{compte(summary['reminded_tasks'], 'tâche')}, "
        f"{compte(len(escalated), 'retard signalé', 'retards signalés')} à l'équipe, "
        f"{compte(len(summary['replaced']), 'remplacement')}"
        + (f" ; jury : {compte(jury['recorded'], 'note reçue', 'notes reçues')} par "
           f"formulaire, {compte(jury['reminders'], 'rappel')}, "
           f"{compte(len(jury['escalated']), 'retard signalé', 'retards signalés')}"
           if jury["missing"] or jury["forms"] else "") + ".")
    publish_table(
        "chase-evaluators-statuts",
        [{"Statut": STATUS_LABELS.get(k, k), "Affectations": v}
         for k, v in overview["by_status"].items()], headline, empty="Aucune affectation")
    publish_table(
        "chase-evaluators-retards", labelled(overview["late"], LATE_LABELS),
        "Évaluations en retard (échéance dépassée, ni rendues ni déclinées).",
        empty="Aucun retard")
    return conclude(summary, headline)


LATE_LABELS = {"évaluateur": "Évaluateur", "dossier": "Dossier", "parcours": "Parcours",
               "échéance": "Échéance", "jours de retard": "Jours de retard"}
