"""prefect.yaml: every deployment points at a flow, every flow has a deployment and an
`eig` command, schedules are in Paris time."""

from __future__ import annotations

import importlib
import pkgutil

import yaml
from prefect import Flow
from typer.main import get_command

import flows
from eig.cli import app
from settings.environment import PROJECT_ROOT

COMMANDS = {"sync-dossiers": "sync", "deliver-effects": "deliver-effects",
            "assign-evaluators": "assign", "chase-evaluators": "chase",
            "score-dossiers": "score", "deliberate": "deliberate",
            "draft-conventions": "conventions",
            "schedule-hearings": "hearings", "match-mission": "missions",
            "deliberate-mission": "missions", "missions-digest": "missions",
            "mission-dossiers": "missions",
            "notify-team": "notify", "purge-personal-data": "rgpd",
            "pipeline-report": "pipeline-report",
            "request-availability": "hearings"}


def deployments() -> list[dict]:
    return yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text())["deployments"]


def all_flows() -> dict[str, Flow]:
    found = {}
    for module in pkgutil.iter_modules(flows.__path__):
        loaded = importlib.import_module(f"flows.{module.name}")
        found |= {v.name: v for v in vars(loaded).values() if isinstance(v, Flow)}
    return found


def test_every_deployment_points_at_a_flow_scheduled_in_paris():
    for deployment in deployments():
        path, name = deployment["entrypoint"].split(":")
        target = getattr(importlib.import_module(path.removesuffix(".py").replace("/", ".")),
                         name)
        assert isinstance(target, Flow), deployment["name"]
        for schedule in deployment.get("schedules", []):
            assert schedule["timezone"] == "Europe/Paris"


def test_every_flow_has_a_deployment_and_a_command():
    deployed = {d["entrypoint"].split(":")[1] for d in deployments()}
    commands = set(get_command(app).commands)
    for name, flow_ in all_flows().items():
        assert flow_.fn.__name__ in deployed, f"{name} has no deployment"
        assert COMMANDS[name] in commands, f"{name} has no eig command"


def test_chase_runs_on_working_mornings():
    [chase] = [d for d in deployments() if d["name"] == "chase-evaluators"]
    assert [s["cron"] for s in chase["schedules"]] == ["0 9 * * 1-5"]


def test_every_flow_has_a_timeout():
    for name, flow_ in all_flows().items():
        assert flow_.timeout_seconds and flow_.timeout_seconds <= 3600, name


def test_no_deployment_holds_a_prefect_concurrency_slot():
    """A slot held by a waiting or killed run blocks its deployment, and queued runs fill
    the worker's log with aborted submissions: stages hold store leases instead."""
    assert [d["name"] for d in deployments() if "concurrency_limit" in d] == []


def test_each_delivery_lane_is_triggered_by_the_handover_event():
    from flows.handover import EVENT, lane_resource
    from models.outbox import Lane

    by_lane = {}
    for deployment in deployments():
        if deployment["entrypoint"].endswith(":deliver_effects"):
            [lane] = deployment["parameters"]["params"]["lanes"]
            by_lane[lane] = deployment
    assert set(by_lane) == {str(lane) for lane in Lane}
    for lane, deployment in by_lane.items():
        [trigger] = deployment["triggers"]
        assert trigger["expect"] == [EVENT]
        assert trigger["match"] == {"prefect.resource.id": lane_resource(lane)}
        assert deployment["schedules"], "a schedule catches what an event missed"


def test_a_run_does_not_pipe_its_output_through_its_worker():
    """Piped, a run crashes on its first log line once its worker died (rich raises
    SystemExit on a broken pipe); unpiped, it outlives the worker and logs to the API."""
    pools = {d["work_pool"]["name"]: d["work_pool"] for d in deployments()}
    assert pools["eig"]["job_variables"]["stream_output"] is False


def test_the_stages_follow_one_another_by_their_events():
    """flows.pipeline's chain, on a server: each follower deployment is triggered by
    the event its predecessor announces, and keeps a schedule for what an event missed."""
    from flows import signals

    by_name = {d["name"]: d for d in deployments()}
    for name, event, resource in (
            ("assign-evaluators", signals.DOSSIERS_ARRIVED, "eig.track.*"),
            ("score-dossiers", signals.EVALUATIONS_SUBMITTED, "eig.evaluations"),
            ("draft-conventions", signals.COMMITTEE_APPROVED, "eig.committee.*"),
            ("schedule-hearings", signals.AVAILABILITY_DECLARED,
             "eig.availability.administration"),
            ("mission-dossiers", signals.MISSIONS_CHANGED, "eig.missions")):
        [trigger] = by_name[name]["triggers"]
        assert trigger["expect"] == [event], name
        assert trigger["match"] == {"prefect.resource.id": resource}, name
        assert by_name[name]["schedules"], name
    # a mission filed in DS: its search, for that mission (mission-dossiers, on its
    # schedule, announces it again until match-mission has searched)
    [trigger] = by_name["match-mission"]["triggers"]
    assert (trigger["expect"], trigger["match"]) == (
        [signals.MISSION_FILED], {"prefect.resource.id": "eig.mission.*"})
    assert trigger["parameters"] == {"params": {"mission": "{{ event.payload.mission }}"}}
    # triggered by new evaluations, the scoring does not sync again
    [trigger] = by_name["score-dossiers"]["triggers"]
    assert trigger["parameters"] == {"params": {"sync_first": False}}
