"""notify-team: tell the programme team that a run needs a person — it failed, crashed,
takes longer than expected, or a committee waits for its approval.

Run by the Prefect automations of config/automations.yaml (`eig setup`), never by a
schedule; its deployment is not tagged ``eig``, so it never alerts on itself. The story
of a run: read the run from the Prefect API, check the alert still holds (a late run
that ended meanwhile, a committee already approved: nothing to say), render a French
email with the link to the run's page in the UI, record it in the outbox under
``mail:alert:<run>:<kind>`` — the same alert twice (an automation firing again) is one
email — and deliver it at once, ahead of the email lane's backlog.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from prefect import flow, get_run_logger
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.documents import render_email
from connectors.store import outbox
from flows.delivery.deliverer import deliver_keys
from flows.delivery.task_emails import programme
from flows.reporting import conclude, publish_markdown
from flows.runtime import Runtime, open_runtime
from models.french import date_fr
from models.outbox import Kind, mail_key
from models.tables import CommitteeSession, Mission

AlertKind = Literal["failed", "crashed", "late", "awaiting", "reminder"]
KIND_LABELS = {"failed": "run en échec", "crashed": "run interrompu",
               "late": "run plus long que prévu", "awaiting": "comité à approuver",
               "reminder": "comité toujours à approuver"}
DECISION_FORMS = {"laureat": ("lauréat", "lauréats"),
                  "liste_attente": ("en liste d'attente", "en liste d'attente"),
                  "refus": ("refus", "refus"), "vivier": ("au vivier", "au vivier")}
RUN_PREFIX = "prefect.flow-run."
MAX_ATTEMPTS = 5  # an alert's run handed back this often (config/automations.yaml, (e))
TERMINAL = ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")


class NotifyParameters(BaseModel):
    """Run form of notify-team (filled by the automations)."""

    flow_run: str = Field(title="Run concerné",
                          description="Son identifiant (ou prefect.flow-run.<identifiant>).")
    kind: AlertKind = Field(title="Alerte", description="failed, crashed, late, awaiting, "
                            "reminder.")


@dataclass
class RunFacts:
    """What the alert says about the run, read from the Prefect API."""

    id: str
    name: str
    flow: str
    deployment: str | None
    state_type: str
    state_name: str
    message: str
    started: datetime | None
    paused_reschedule: bool = False
    tags: list[str] = field(default_factory=list)


def run_id_of(value: str) -> UUID:
    """The run's id, from an id or an event's resource id (``prefect.flow-run.<id>``)."""
    text = value.strip()
    return UUID(text.removeprefix(RUN_PREFIX))


def read_run(run_id: UUID) -> RunFacts:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        run = client.read_flow_run(run_id)
        flow_ = client.read_flow(run.flow_id)
        deployment = (client.read_deployment(run.deployment_id).name
                      if run.deployment_id else None)
    state = run.state
    return RunFacts(
        id=str(run.id), name=run.name, flow=flow_.name, deployment=deployment,
        state_type=state.type.value if state else "UNKNOWN",
        state_name=(state.name or state.type.value) if state else "inconnu",
        message=(state.message or "") if state else "",
        started=run.start_time, tags=list(run.tags or []),
        paused_reschedule=bool(state and state.state_details.pause_reschedule))


def ui_url() -> str:
    """The Prefect UI's root (PREFECT_UI_URL, else the API's server)."""
    from prefect.settings import get_current_settings

    settings = get_current_settings()
    root = settings.ui_url or str(settings.api.url or "").removesuffix("/api")
    return root.rstrip("/")


def run_link(run_id: str) -> str | None:
    """The run's page in the UI; None when there is no UI to link to (an ephemeral
    server: the demo, a terminal) — a relative link in an email leads nowhere."""
    root = ui_url()
    if not root.startswith(("http://", "https://")):
        return None
    return f"{root}/runs/flow-run/{run_id}"


def moot(kind: AlertKind, run: RunFacts) -> str | None:
    """Why the alert no longer holds (None: it does)."""
    if kind == "late" and (run.state_type in TERMINAL or run.state_type == "PAUSED"):
        return f"le run est passé à l'état {run.state_name} entre-temps"
    if kind in ("awaiting", "reminder") and run.state_type != "PAUSED":
        return f"le run n'attend plus (état {run.state_name})"
    return None


def waiting_for(session: Session, run_id: str) -> dict[str, Any] | None:
    """What a waiting run asks the operator to approve (a committee, a mission)."""
    committee = session.scalar(select(CommitteeSession).where(
        CommitteeSession.flow_run_id == run_id))
    if committee is not None:
        decisions = [p.get("decision") for p in committee.proposals or []]
        day = f"{date_fr(committee.session_date)}"
        return {"label": f"Comité {committee.track} du {day}",
                "phrase": f"le comité {committee.track} du {day}",
                "proposals": len(decisions),
                "by_decision": [{"count": decisions.count(key), "label": forms[
                    decisions.count(key) > 1]} for key, forms in DECISION_FORMS.items()
                    if decisions.count(key)],
                "pending": len((committee.agenda or {}).get("pending") or [])}
    mission = session.scalar(select(Mission).where(Mission.flow_run_id == run_id))
    if mission is not None:
        what = f"mission n° {mission.id} « {mission.titre} » ({mission.administration})"
        return {"label": f"Mission n° {mission.id} « {mission.titre} »",
                "phrase": f"la décision de la {what}", "proposals": None,
                "by_decision": [], "pending": 0}
    return None


def alert_context(rt: Runtime, kind: AlertKind, run: RunFacts,
                  waiting: dict[str, Any] | None, now: datetime) -> dict[str, Any]:
    """The context of ``emails/alert``."""
    operations = rt.config.operations
    minutes = int((now - run.started).total_seconds() // 60) if run.started else None
    return {
        "kind": kind,
        "run": {"id": run.id, "name": run.name, "flow": run.flow,
                "deployment": run.deployment or run.flow, "state": run.state_name,
                "message": run.message, "started": run.started, "minutes": minutes,
                "link": run_link(run.id)},
        "expected_minutes": operations.expected_minutes.get(run.deployment or ""),
        "approval_hours": rt.config.deliberation.approval_timeout_hours,
        "waiting": waiting,
        "programme": programme(rt),
    }


def alert_payload(rt: Runtime, context: dict[str, Any]) -> dict[str, Any]:
    rendered = render_email("alert", context)
    return {"to": [{"email": email} for email in rt.config.evaluation.team],
            "subject": rendered.subject, "text": rendered.text, "html": rendered.html,
            "reply_to": {"email": rt.config.evaluation.contact}}


def alert_key(run_id: str, kind: AlertKind) -> str:
    return mail_key("alert", run_id, kind)


@flow(name="notify-team", timeout_seconds=300,
      description="Prévient l'équipe du programme qu'un run demande une personne (échec, "
      "interruption, durée anormale, comité à approuver) : un courriel par run et par "
      "alerte, envoyé aussitôt. Lancé par les automations (eig setup).")
def notify_team(params: NotifyParameters) -> dict[str, Any]:
    from prefect.runtime import flow_run

    logger = get_run_logger()
    if (attempt := flow_run.run_count or 1) > MAX_ATTEMPTS:
        logger.error("alerte %s du run %s : %d essais interrompus, abandon (voir les runs "
                     "de notify-team dans l'interface)", params.kind, params.flow_run,
                     attempt - 1)
        return conclude({"flow_run": params.flow_run, "kind": params.kind,
                         "abandoned": attempt - 1},
                        f"Alerte « {KIND_LABELS[params.kind]} » abandonnée après "
                        f"{attempt - 1} essais interrompus.")
    run_id = str(run_id_of(params.flow_run))
    run = read_run(UUID(run_id))
    key = alert_key(run_id, params.kind)
    summary: dict[str, Any] = {"flow_run": run_id, "kind": params.kind, "key": key,
                               "state": run.state_name, "recorded": False, "delivered": 0}
    if (why := moot(params.kind, run)) is not None:
        summary["moot"] = why
        return conclude(summary, _artifact(run, params.kind, f"rien à envoyer, {why}."))
    with open_runtime() as rt:
        with rt.sessions() as session:
            waiting = waiting_for(session, run_id)
        context = alert_context(rt, params.kind, run, waiting, rt.clock())
        payload = alert_payload(rt, context)
        with rt.sessions.begin() as session:
            summary["recorded"] = outbox.record_effect(session, key, Kind.EMAIL, "send",
                                                       payload, rt.clock())
        report = deliver_keys(rt, [key])
    summary |= {"delivered": report.delivered, "to": rt.config.evaluation.team,
                "subject": payload["subject"], "failures": report.failures}
    if not summary["recorded"]:
        logger.info("%s : déjà signalé (%s), pas de second courriel", run.name, key)
    for failure in report.failures:
        logger.error("alerte %s : %s (%s)", key, failure["status"], failure["error"])
    headline = _artifact(run, params.kind, (
        f"courriel « {payload['subject']} » à {', '.join(rt.config.evaluation.team)} "
        + ("envoyé." if report.delivered else "déjà envoyé par un run précédent."
           if not summary["recorded"] else "pas encore envoyé : l'envoi sera réessayé "
           "(voir eig effects).")))
    return conclude(summary, headline)


def _linked(run: RunFacts) -> str:
    link = run_link(run.id)
    return f"[{run.name}]({link})" if link else f"{run.name} (`{run.id}`)"


def _artifact(run: RunFacts, kind: AlertKind, outcome: str) -> str:
    """The run's artifact; returns its headline."""
    headline = f"Alerte « {KIND_LABELS[kind]} » pour le run {run.name} : {outcome}"
    publish_markdown(
        "notify-team",
        f"# {headline}\n\n- Run : {_linked(run)} ({run.deployment or run.flow}), état "
        f"{run.state_name}\n",
        description=f"Alerte « {KIND_LABELS[kind]} » pour le run {run.name}.")
    return headline
