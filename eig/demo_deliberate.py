"""The demo's committee chapter: proposals, a pause for approval, publication once.

In production the operator approves in the Prefect UI (the run's form); here the demo
plays the operator with the same call the UI makes (`resume_flow_run` with the form's
answer), from another thread while the flow waits.
"""

from __future__ import annotations

import contextvars
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from ds_sandbox import Sandbox
from models.french import compte

Echo = Any
DECIDING = ("dossierAccepter", "dossierRefuser", "dossierEnvoyerMessage")


def _published(sandbox: Sandbox) -> int:
    return sum(sandbox.mutations.applied(name) for name in DECIDING)


def paused_run_id(flow: str, since: datetime, track: str | None = None) -> UUID:
    """The run of ``flow``, started after ``since`` (for ``track``, when given), that waits
    for the operator's answer (a committee, a mission) — not a paused run of an earlier
    story on the same server, nor the other committee's."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterStartTime,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    with get_client(sync_client=True) as client:
        for _ in range(600):
            runs = [run for run in client.read_flow_runs(
                flow_filter=FlowFilter(name=FlowFilterName(any_=[flow])),
                flow_run_filter=FlowRunFilter(
                    state=FlowRunFilterState(type=FlowRunFilterStateType(
                        any_=[StateType.PAUSED])),
                    start_time=FlowRunFilterStartTime(after_=since)))
                if track is None or _track_of(run.parameters) == track]
            if runs:
                return runs[0].id
            time.sleep(0.2)
    raise RuntimeError(f"no {flow} run paused for approval")


def _track_of(parameters: dict[str, Any]) -> str | None:
    params = parameters.get("params") or {}
    return params.get("track") if isinstance(params, dict) else None


@dataclass
class OpenCommittee:
    """A committee's run, started in a thread of its own, waiting for its operator."""

    track: str
    since: datetime
    thread: threading.Thread
    result: list[dict] = field(default_factory=list)


def open_committee(track: str, session_date: Any) -> OpenCommittee:
    """Start the committee's run: it prepares its proposals and relevé, then waits."""
    from flows.deliberate import DeliberateParameters
    from flows.pipeline import committee as committee_and_conventions

    result: list[dict] = []
    context = contextvars.copy_context()
    thread = threading.Thread(target=context.run, args=(lambda: result.append(
        committee_and_conventions(DeliberateParameters(track=track,
                                                       session_date=session_date))),),
        daemon=True)
    committee = OpenCommittee(track, datetime.now(UTC), thread, result)
    thread.start()
    return committee


def approve(committee: OpenCommittee, operator: str) -> tuple[dict, int]:
    """The operator approves the proposals as they are, as the UI's form does; the run
    publishes, then its effects are delivered."""
    from prefect.flow_runs import resume_flow_run

    from eig.demo_delivery import deliver
    from flows.deliberate import full_attendance, pending_decisions

    run_id = paused_run_id("deliberate", committee.since, committee.track)
    decisions = pending_decisions(run_id)
    resume_flow_run(run_id, run_input={"approuve": True, "approuve_par": operator,
                                       "decisions": decisions,
                                       **full_attendance(committee.track)})
    committee.thread.join(300)
    deliver()  # the decisions, then the conventions' emails
    return committee.result[0], len(decisions)


# The candidates' committee sits the same day as the projects': the demo opens both at
# once (two runs, as two deployments would), so that the second prepares its relevé while
# the first is approved and published; chapter 27 approves it.
OPENED: dict[str, OpenCommittee] = {}


def _run_and_approve(track: str, session_date: Any, operator: str) -> tuple[dict, int]:
    committee = OPENED.pop(track, None) or open_committee(track, session_date)
    return approve(committee, operator)


def deliberation_story(echo: Echo, sandbox: Sandbox, today: Any) -> dict[str, bool]:
    from eig.demo_delivery import deliver
    from flows.deliberate import DeliberateParameters, counted_decisions, deliberate

    os.environ.setdefault("EIG_APPROVAL_POLL_SECONDS", "1")
    before = _published(sandbox)
    echo("\n== 22. Comité de sélection des projets : propositions, relevé, approbation")
    OPENED["candidats"] = open_committee("candidats", today)
    summary, proposed = _run_and_approve("projets", today, "Camille Opératrice")
    decided = _published(sandbox) - before
    echo(f"{compte(proposed, 'dossier proposé', 'dossiers proposés')} "
         f"({counted_decisions(summary['decisions'])}). Rien n'est publié avant "
         "l'approbation ; approuvé par Camille Opératrice, tous les membres présents "
         "(présence, présidence et signatures au relevé).")
    if summary["pending"]:
        echo(f"{compte(summary['pending'], 'autre dossier attend', 'autres dossiers attendent')}"
             " encore le quorum de trois évaluations : leurs tâches en retard sont passées aux "
             "suppléants au chapitre 14, qui n'ont pas encore répondu. L'opérateur les "
             "reprend quand les évaluations sont rendues : eig score, puis un prochain "
             "comité (eig deliberate).")
    echo(f"Relevé de décision : {summary['record']['pdf']}")
    echo(f"  empreinte SHA-256 : {summary['seal']} (sha256sum {summary['record']['json']})")
    echo(f"Publication dans DS : {compte(decided, 'écriture')} (pour chaque dossier décidé, "
         "son nouvel état et un message au déposant).")
    again = deliberate(DeliberateParameters(track="projets", session_date=today))
    deliver()
    echo(f"\n== 23. Relancer le même comité : rien à refaire, "
         f"{compte(_published(sandbox) - before - decided, 'écriture')} de plus dans DS")
    return {
        "le comité publie ses décisions après approbation, une seule fois":
            summary["status"] == "approved" and decided > 0
            and again["status"] == "already_approved"
            and _published(sandbox) == before + decided,
    }
