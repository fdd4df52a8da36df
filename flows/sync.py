"""sync-dossiers: pull the dossiers of every configured démarche from DS into the store.

The pull itself is ``flows.ds_pull``. Then the run matches the evaluation forms that
arrived to their tasks (a decline is replaced within the quarter hour), applies the
vivier candidates' own updates (the vivier démarche's forms: ``flows.vivier_forms``),
and announces what the next stages wait for (``flows.signals``): tracks with new
dossiers (the assignment), submitted evaluations (the scoring). It runs neither: on a
server their deployments are triggered by these events; in one process
``flows.pipeline`` runs them.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.states import Completed, Failed, State
from prefect.task_runners import ThreadPoolTaskRunner
from sqlalchemy import select

from flows.ds_pull import DemarcheReport, SyncParameters, pull, sync_headline
from flows.handover import hand_over
from flows.reporting import conclude
from flows.runtime import Runtime, open_runtime
from flows.signals import (
    AVAILABILITY_DECLARED,
    DOSSIERS_ARRIVED,
    EVALUATIONS_SUBMITTED,
    MISSIONS_CHANGED,
    announce,
)
from flows.vivier_forms import apply_vivier_forms
from models.tables import Assignment, Dossier, EvaluatorRow, HearingSlot, VivierMember
from models.vivier_forms import vivier_line

__all__ = ["SyncParameters", "sync_dossiers"]


@flow(name="sync-dossiers", timeout_seconds=1800,
      description="Synchronise les dossiers des démarches DS "
      "(projets, candidats, évaluations, missions, disponibilités, vivier) dans la base du "
      "programme EIG.",
      task_runner=ThreadPoolTaskRunner(max_workers=3))
def sync_dossiers(params: SyncParameters = SyncParameters()) -> State:  # noqa: B008 (frozen model)
    with open_runtime() as rt:
        summary, reports = pull(rt, params)
        tracks = _tracks_with_new_dossiers(rt, reports) if params.assign_new else []
        if params.collect_forms and _forms_arrived(rt, reports, Assignment.id):
            summary["forms"] = _collect_answers(rt)
        if params.collect_forms and _forms_arrived(rt, reports, HearingSlot.id):
            summary["jury_forms"] = _collect_jury_scores(rt)
        if _vivier_to_read(rt, reports):
            summary["vivier"] = _apply_vivier(rt)
        if params.collect_forms and _changed(reports, "disponibilites"):
            summary["availability"] = _collect_availability(rt)
    submitted = int(summary.get("forms", {}).get("submitted") or 0)
    missions = _missions_changed(reports)
    summary["arrivals"] = {"tracks": tracks, "evaluations": submitted, "missions": missions}
    for track in tracks:  # new dossiers wait for their evaluators
        announce(DOSSIERS_ARRIVED, f"eig.track.{track}", {"track": track})
    if submitted:  # new evaluations: the ranking moves
        announce(EVALUATIONS_SUBMITTED, "eig.evaluations", {"submitted": submitted})
    contacts = int((summary.get("availability") or {}).get("administrations") or 0)
    if contacts:  # a mission's contact said when they can sit: its entretiens wait no more
        announce(AVAILABILITY_DECLARED, "eig.availability.administration",
                 {"administrations": contacts})
    if missions:  # mission dossiers filed, changed, or annotated by the team
        announce(MISSIONS_CHANGED, "eig.missions", {"changed": missions})
    vivier = vivier_line(summary["vivier"]) if "vivier" in summary else None
    conclude(summary, sync_headline(summary) + (f" {vivier}" if vivier else ""))
    failed = [r for r in reports if r.error]
    if failed:
        message = "; ".join(f"{r.role} ({r.number}): {r.error}" for r in failed)
        return Failed(message=f"synchronisation en échec pour {len(failed)} démarche(s) : "
                      f"{message}", data=summary)
    return Completed(message=summary["headline"], data=summary)


def _changed(reports: list[DemarcheReport], role: str) -> bool:
    """The démarche of ``role`` brought or changed dossiers in this sync."""
    return any(r.role == role and (r.counts.created or r.counts.updated) and not r.error
               for r in reports)


def _forms_arrived(rt: Runtime, reports: list[DemarcheReport], waiting: Any) -> bool:
    """The evaluation démarche brought or changed forms, and the store has something
    they may answer (``waiting``: a column, e.g. the tasks' or the booked hearings' id)."""
    if not _changed(reports, "evaluations"):
        return False
    with rt.sessions() as session:
        return session.scalar(select(waiting).limit(1)) is not None


@task(name="collect-evaluation-forms", cache_policy=NO_CACHE)
def _collect_answers(rt: Runtime) -> dict[str, Any]:
    """Match the new forms to their tasks now (a decline is replaced within the quarter
    hour, not at the next morning's chase), and send what that decided."""
    # Imported here: a replacement needs the solver (OR-Tools, ~100 MB), which a sync
    # without new forms never loads.
    from flows.collect_forms import collect_forms

    report = collect_forms(rt)
    hand_over(rt, "sync-dossiers")
    return {"submitted": report.submitted, "declined": report.declined,
            "replaced": len(report.replaced), "rejected": len(report.rejected)}


@task(name="collect-jury-forms", cache_policy=NO_CACHE)
def _collect_jury_scores(rt: Runtime) -> dict[str, Any]:
    """Record the jurors' scores of held hearings as their forms arrive (bad ones set
    aside with field and rule: eig quarantine)."""
    from flows.jury_forms import collect_jury_forms

    report = collect_jury_forms(rt)
    hand_over(rt, "sync-dossiers")  # the fix requests leave now
    return {"forms": report.forms, "recorded": report.recorded,
            "fix_requests": report.fix_requests,
            "rejected": len(report.rejected),
            "new_rejected": sum(r["new"] for r in report.rejected)}


def _vivier_to_read(rt: Runtime, reports: list[DemarcheReport]) -> bool:
    """The vivier démarche holds forms, or open candidatures of the vivier may have
    changed: each form is read once per change (flows/vivier_forms.py), so reading them
    at every sync costs little and catches up after a run killed before it."""
    synced = {r.role for r in reports if not r.error}
    if not synced & {"vivier", "candidats"}:
        return False
    with rt.sessions() as session:
        if session.scalar(select(VivierMember.dossier_number).limit(1)) is not None:
            return True
        vivier = rt.config.demarches.get("vivier")
        return vivier is not None and session.scalar(select(Dossier.number).where(
            Dossier.demarche_number == vivier.number).limit(1)) is not None


@task(name="apply-vivier-forms", cache_policy=NO_CACHE)
def _apply_vivier(rt: Runtime) -> dict[str, Any]:
    """The vivier candidates' updates (availability, wishes, consent) into the vivier."""
    report = apply_vivier_forms(rt).as_dict()
    get_run_logger().info(vivier_line(report) or "Vivier : rien de nouveau.")
    if report["cancelled"]:  # the cancelled entretiens' people are told now
        hand_over(rt, "sync-dossiers")
    return report


@task(name="collect-availability-forms", cache_policy=NO_CACHE)
def _collect_availability(rt: Runtime) -> dict[str, Any]:
    """The jurors' and contacts' windows of the new forms; the bad ones quarantined."""
    from flows.collect_availability import collect_availability

    return collect_availability(rt).summary()


def _missions_changed(reports: list[DemarcheReport]) -> int:
    """Mission dossiers the sync brought or changed (answers, or the team's annotations:
    those count as « autres changements », as do our own writes, which change nothing)."""
    return sum(r.counts.created + r.counts.updated + r.counts.touched + r.counts.released
               for r in reports if r.role == "missions" and not r.error)


def _tracks_with_new_dossiers(rt: Runtime, reports: list[DemarcheReport]) -> list[str]:
    """Tracks whose démarche brought new dossiers, when there is a roster to assign from."""
    with rt.sessions() as session:
        roster = session.scalar(select(EvaluatorRow.email).where(EvaluatorRow.active.is_(True))
                                .limit(1))
    if roster is None:
        return []
    grown = {r.role for r in reports if r.counts.created and not r.error}
    return [name for name, track in rt.config.tracks.items() if track.demarche in grown]
