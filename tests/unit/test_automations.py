"""config/automations.yaml: valid Prefect automations, naming deployments that exist, one
"longer than expected" per eig deployment; `eig setup` creates, updates, leaves and
deletes by name."""

from __future__ import annotations

import importlib
import uuid
from pathlib import Path
from typing import get_args

import pytest
import yaml
from prefect.events.schemas.automations import AutomationCore

from eig.automations import (
    PREFIX,
    AutomationsError,
    apply,
    build,
    load_specs,
    referenced_deployments,
)
from flows.notify import AlertKind
from settings.config import load_config
from settings.environment import PROJECT_ROOT

CONFIG = load_config(PROJECT_ROOT / "config" / "eig.yaml")


def deployments() -> dict[str, dict]:
    raw = yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text())["deployments"]
    return {d["name"]: d for d in raw}


def flow_of(deployment: dict):
    path, name = deployment["entrypoint"].split(":")
    return getattr(importlib.import_module(path.removesuffix(".py").replace("/", ".")), name)


def built() -> list[AutomationCore]:
    specs = load_specs(CONFIG)
    return build(specs, {name: uuid.uuid5(uuid.NAMESPACE_URL, name)
                         for name in referenced_deployments(specs)})


def test_every_automation_is_a_valid_prefect_automation_named_as_ours():
    automations = built()
    assert all(isinstance(a, AutomationCore) for a in automations)
    names = [a.name for a in automations]
    assert len(set(names)) == len(names) and all(n.startswith(PREFIX) for n in names)


def test_actions_run_deployments_that_exist_with_a_known_alert():
    deployed = {f"{flow_of(d).name}/{name}" for name, d in deployments().items()}
    specs = load_specs(CONFIG)
    assert referenced_deployments(specs) <= deployed
    for spec in specs:
        for action in spec["actions"]:
            if action["type"] == "run-deployment":
                assert action["parameters"]["params"]["kind"] in get_args(AlertKind)
                assert action["parameters"]["params"]["flow_run"] == "{{ event.resource.id }}"


def test_the_alerting_deployment_never_alerts_on_itself():
    notify = deployments()["notify-team"]
    assert "eig" not in notify["tags"] and "schedules" not in notify
    assert "notify-team" not in CONFIG.operations.expected_minutes


def test_each_eig_deployment_has_an_expected_duration_below_its_flow_timeout():
    tagged = {name: d for name, d in deployments().items() if "eig" in d.get("tags", [])}
    assert set(CONFIG.operations.expected_minutes) == set(tagged)
    for name, minutes in CONFIG.operations.expected_minutes.items():
        assert minutes * 60 < flow_of(tagged[name]).timeout_seconds, name
    late = {a.trigger.match_related.root["prefect.resource.name"]: a for a in built()
            if a.name.endswith("plus long que prévu")}
    assert set(late) == set(tagged)
    assert late["sync-dossiers"].trigger.within.total_seconds() == 600


def test_committees_awaiting_are_the_deliberate_deployments():
    [awaiting] = [a for a in built() if a.name == "EIG — comité en attente d'approbation"]
    names = awaiting.trigger.match_related.root["prefect.resource.name"]
    committees = deployments()
    assert {flow_of(committees[n]).name for n in names} == {"deliberate", "deliberate-mission"}
    assert {"prefect.flow-run.Suspended", "prefect.flow-run.Paused"} <= awaiting.trigger.expect


def test_a_suspended_committee_is_not_a_zombie():
    """A suspended run's process has exited: it stops beating without being dead."""
    [zombie] = [a for a in built() if "sans signe de vie" in a.name]
    assert zombie.trigger.after == {"prefect.flow-run.heartbeat"}
    assert {"prefect.flow-run.Suspended", "prefect.flow-run.Paused",
            "prefect.flow-run.Completed", "prefect.flow-run.heartbeat"} <= zombie.trigger.expect
    assert zombie.trigger.within.total_seconds() == CONFIG.operations.zombie_after_seconds
    assert CONFIG.operations.zombie_after_seconds >= 3 * CONFIG.operations.heartbeat_seconds
    [action] = zombie.actions
    assert action.type == "change-flow-run-state" and action.state.value == "CRASHED"


def test_the_reminder_waits_the_approval_delay():
    [reminder] = [a for a in built() if "rappel" in a.name]
    hours = CONFIG.deliberation.approval_timeout_hours
    assert reminder.trigger.within.total_seconds() == hours * 3600
    assert "prefect.flow-run.Resuming" in reminder.trigger.expect


def test_an_alert_is_not_lost_with_its_worker():
    """notify-team (untagged, so no alert about itself) is handed back to the pool when
    its worker dies: at once when Crashed, after the relaunch delay when still Pending."""
    relaunch = [a for a in built() if "relancée" in a.name]
    assert len(relaunch) == 2
    for automation in relaunch:
        related = automation.trigger.match_related.root
        assert related["prefect.resource.name"] == "notify-team"
        [action] = automation.actions
        assert (action.type, action.state.value, action.force) == (
            "change-flow-run-state", "SCHEDULED", True)
    crashed, pending = sorted(relaunch, key=lambda a: a.trigger.posture.value != "Reactive")
    assert crashed.trigger.expect == {"prefect.flow-run.Crashed"}
    assert pending.trigger.after == {"prefect.flow-run.Pending"}
    assert "prefect.flow-run.Running" in pending.trigger.expect
    assert pending.trigger.within.total_seconds() == (
        CONFIG.operations.alert_relaunch_after_seconds)


def write(tmp_path: Path, automations: list[dict]) -> Path:
    path = tmp_path / "automations.yaml"
    path.write_text(yaml.safe_dump({"automations": automations}, allow_unicode=True))
    return path


def test_an_unknown_value_or_a_foreign_name_is_refused(tmp_path):
    trigger = {"type": "event", "posture": "Reactive", "expect": ["x"], "within": 0}
    with pytest.raises(AutomationsError, match="inconnue"):
        load_specs(CONFIG, write(tmp_path, [{"name": f"{PREFIX}x", "description": "${nope}",
                                             "trigger": trigger, "actions": []}]))
    with pytest.raises(AutomationsError, match="doit commencer"):
        load_specs(CONFIG, write(tmp_path, [{"name": "autre", "trigger": trigger,
                                             "actions": []}]))
    specs = load_specs(CONFIG, write(tmp_path, [{
        "name": f"{PREFIX}x", "trigger": trigger,
        "actions": [{"type": "run-deployment", "deployment": "absent/absent"}]}]))
    with pytest.raises(AutomationsError, match="absent/absent"):
        build(specs, {})


class FakeClient:
    def __init__(self, existing: list) -> None:
        self.automations = {a.id: a for a in existing}
        self.calls: list[tuple[str, str]] = []

    def read_automations(self):
        return list(self.automations.values())

    def create_automation(self, automation):
        from prefect.events.schemas.automations import Automation

        created = Automation(id=uuid.uuid4(), **automation.model_dump())
        self.automations[created.id] = created
        self.calls.append(("create", automation.name))
        return created.id

    def update_automation(self, automation_id, automation):
        from prefect.events.schemas.automations import Automation

        self.automations[automation_id] = Automation(id=automation_id,
                                                     **automation.model_dump())
        self.calls.append(("update", automation.name))

    def delete_automation(self, automation_id):
        self.calls.append(("delete", self.automations.pop(automation_id).name))


def test_setting_up_twice_creates_nothing_twice_and_removes_what_left_the_file():
    from prefect.events.schemas.automations import Automation

    wanted = built()
    stale = Automation(id=uuid.uuid4(), **{**wanted[0].model_dump(), "name": f"{PREFIX}ancienne"})
    foreign = Automation(id=uuid.uuid4(), **{**wanted[0].model_dump(), "name": "à quelqu'un"})
    client = FakeClient([stale, foreign])
    first = apply(client, wanted)
    assert {o.status for o in first if o.name != stale.name} == {"créée"}
    assert ("delete", stale.name) in client.calls and foreign.id in client.automations
    client.calls.clear()
    again = apply(client, built())  # trigger ids differ from one load to the next
    assert {o.status for o in again} == {"inchangée"} and client.calls == []
    changed = built()
    changed[0] = changed[0].model_copy(update={"description": "autre"})
    assert [o.status for o in apply(client, changed)][0] == "mise à jour"
    duplicate = Automation(id=uuid.uuid4(), **changed[1].model_dump())
    client.automations[duplicate.id] = duplicate
    apply(client, changed)
    assert [a.name for a in client.automations.values()].count(changed[1].name) == 1
