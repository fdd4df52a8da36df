"""How the stages follow one another, in one place.

A stage never runs another: it announces what it leaves for the next ones
(``flows.signals``). On a Prefect server the deployments of prefect.yaml are triggered
by those events:

    sync-dossiers ── eig.dossiers.arrived ──────→ assign-evaluators
                  ├─ eig.evaluations.submitted ─→ score-dossiers (without syncing first)
                  └─ eig.missions.changed ──────→ mission-dossiers ── eig.mission.filed
                                                    → match-mission (that mission)
    deliberate-projets ── eig.committee.approved → draft-conventions
    sync-dossiers ── eig.availability.declared ─→ schedule-hearings (missions)

Run in one process — the CLI, the demo, the tests, with no worker to trigger — the same
follow-ups are run here, from the stage's summary, right after the stage. Every
follow-up is idempotent (leases, outbox keys), so a run that gets both (a CLI against a
server with its triggers) repeats nothing.
"""

from __future__ import annotations

from typing import Any

from prefect.states import State

from flows.assign import AssignParameters, assign_evaluators
from flows.conventions import draft_conventions
from flows.deliberate import DeliberateParameters, deliberate
from flows.hearings import HearingParameters, schedule_hearings_flow
from flows.mission_dossiers import mission_dossiers
from flows.missions import MissionParameters, match_mission
from flows.score import ScoreParameters, score_dossiers
from flows.sync import SyncParameters, sync_dossiers


def sync(params: SyncParameters | None = None) -> tuple[State, Any]:
    """sync-dossiers, then what its arrivals call for; returns (the sync's state, its
    summary with ``assign`` and ``score`` when they ran)."""
    state = sync_dossiers(params or SyncParameters(), return_state=True)
    summary = state.result(raise_on_failure=False)
    if isinstance(summary, dict):
        summary.update(after_sync(summary))
    return state, summary


def after_sync(summary: dict[str, Any]) -> dict[str, Any]:
    """The assignment of the tracks with new dossiers, the scoring of new evaluations,
    the entretiens de mission of a contact who declared their availability."""
    arrivals = summary.get("arrivals") or {}
    out: dict[str, Any] = {}
    if arrivals.get("tracks"):
        out["assign"] = assign_evaluators(AssignParameters(tracks=arrivals["tracks"]))
    if arrivals.get("evaluations"):
        scored = score_dossiers(ScoreParameters(sync_first=False))
        out["score"] = {t["track"]: {k: t[k] for k in ("ranked", "pending", "written_back")}
                        for t in scored["tracks"]}
    if (summary.get("availability") or {}).get("administrations"):
        # a mission's contact said when they can sit: their entretiens wait no longer
        out["hearings"] = schedule_hearings_flow(HearingParameters(tracks=["missions"]))
    if arrivals.get("missions"):
        out["missions"] = after_mission_dossiers()
    return out


def after_mission_dossiers() -> dict[str, Any]:
    """The missions démarche read, then the vivier searched for each mission opened or
    changed — match-mission as an operator runs it (the decision still waits for the
    operator's approval in deliberate-mission) — and its shortlist written back to DS."""
    read = mission_dossiers()
    searched = [match_mission(MissionParameters(mission=mission))
                for mission in read["to_search"]]
    if searched:  # the proposals and entretiens, in the dossier (nothing else changes)
        read["published"] = mission_dossiers()
    read["searched"] = [{"mission": s["mission"], "proposed": s["proposed"],
                         "booked": s["booked"]} for s in searched]
    return read


def committee(params: DeliberateParameters | None = None) -> dict[str, Any]:
    """deliberate, then — for an approved projects' committee with lauréats — their
    conventions, drafted « dès la sélection »."""
    summary = deliberate(params or DeliberateParameters())
    summary.update(after_committee(summary))
    return summary


def after_committee(summary: dict[str, Any]) -> dict[str, Any]:
    return {"conventions": draft_conventions()} if summary.get("drafts_due") else {}
