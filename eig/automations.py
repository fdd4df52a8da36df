"""`eig setup`: the Prefect automations of config/automations.yaml on the server.

The file holds automations in Prefect's own shape (trigger, actions) with two additions
resolved here: ``deployment: flow/deployment`` in a run-deployment action (its id on
this server), and ``${name}`` values from the configuration (``per_deployment:
expected_minutes`` repeats an automation for each deployment listed there). Setting up
is idempotent: an automation is found by its name, created, updated or left as it is;
a server automation named like ours (``EIG — …``) that the file no longer has is deleted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any
from uuid import UUID

import yaml

from models.french import nombre_fr
from settings.config import EigConfig
from settings.environment import PROJECT_ROOT

AUTOMATIONS_FILE = PROJECT_ROOT / "config" / "automations.yaml"
PREFIX = "EIG — "
_WHOLE = re.compile(r"^\$\{(\w+)\}$")


class AutomationsError(ValueError):
    """The automations file is invalid, or names what the server does not have."""


def values(config: EigConfig) -> dict[str, Any]:
    """The ``${…}`` values every automation may use."""
    ops, hours = config.operations, config.deliberation.approval_timeout_hours
    return {"approval_hours": nombre_fr(hours), "approval_seconds": round(hours * 3600),
            "heartbeat_seconds": ops.heartbeat_seconds,
            "zombie_seconds": ops.zombie_after_seconds,
            "relaunch_seconds": ops.alert_relaunch_after_seconds}


def _substitute(node: Any, known: Mapping[str, Any], where: str) -> Any:
    if isinstance(node, dict):
        return {key: _substitute(value, known, where) for key, value in node.items()}
    if isinstance(node, list):
        return [_substitute(value, known, where) for value in node]
    if not isinstance(node, str) or "${" not in node:
        return node
    whole = _WHOLE.match(node)
    try:
        if whole:  # a number stays a number
            return known[whole.group(1)]
        return Template(node).substitute(known)
    except (KeyError, ValueError) as error:
        raise AutomationsError(f"{where} : valeur inconnue {error} dans « {node} » "
                               f"(connues : {', '.join(sorted(known))})") from None


def load_specs(config: EigConfig, path: Path = AUTOMATIONS_FILE) -> list[dict[str, Any]]:
    """The automations of the file, values substituted and per-deployment ones repeated."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    specs: list[dict[str, Any]] = []
    base = values(config)
    for position, entry in enumerate(raw.get("automations") or [], start=1):
        entry = dict(entry)
        repeat = entry.pop("per_deployment", None)
        where = f"{path.name}, automation {position} ({entry.get('name', '?')})"
        if repeat is None:
            specs.append(_substitute(entry, base, where))
            continue
        if repeat != "expected_minutes":
            raise AutomationsError(f"{where} : per_deployment ne connaît que "
                                   f"expected_minutes, pas {repeat!r}")
        for deployment, minutes in config.operations.expected_minutes.items():
            known = base | {"deployment": deployment, "expected_minutes": nombre_fr(minutes),
                            "expected_seconds": round(minutes * 60)}
            specs.append(_substitute(entry, known, where))
    names = [spec.get("name", "") for spec in specs]
    for name in names:
        if not name.startswith(PREFIX):
            raise AutomationsError(f"{path.name} : le nom « {name} » doit commencer par "
                                   f"« {PREFIX} » (c'est ainsi que eig setup reconnaît les "
                                   "siennes)")
        if names.count(name) > 1:
            raise AutomationsError(f"{path.name} : deux automations s'appellent « {name} »")
    return specs


def referenced_deployments(specs: list[dict[str, Any]]) -> set[str]:
    """The ``flow/deployment`` names the actions run."""
    return {action["deployment"] for spec in specs for action in _actions(spec)
            if "deployment" in action}


def _actions(spec: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [*spec.get("actions", []), *spec.get("actions_on_trigger", []),
            *spec.get("actions_on_resolve", [])]


def build(specs: list[dict[str, Any]], deployment_ids: Mapping[str, UUID]) -> list[Any]:
    """Prefect ``AutomationCore`` models (validated) with deployments resolved to ids."""
    from prefect.events.schemas.automations import AutomationCore
    from pydantic import ValidationError

    built = []
    for spec in specs:
        resolved = dict(spec)
        for field in ("actions", "actions_on_trigger", "actions_on_resolve"):
            if field in spec:
                resolved[field] = [_resolve(action, deployment_ids)
                                   for action in spec[field]]
        try:
            built.append(AutomationCore.model_validate(resolved))
        except ValidationError as error:
            raise AutomationsError(f"automation « {spec.get('name')} » invalide : "
                                   f"{error}") from None
    return built


def _resolve(action: Mapping[str, Any], deployment_ids: Mapping[str, UUID]) -> dict:
    action = dict(action)
    name = action.pop("deployment", None)
    if name is not None:
        if name not in deployment_ids:
            raise AutomationsError(f"le déploiement {name} n'existe pas sur ce serveur : "
                                   "déployez d'abord (prefect deploy --all)")
        action |= {"source": "selected", "deployment_id": str(deployment_ids[name])}
    return action


@dataclass
class Outcome:
    name: str
    status: str  # créée, mise à jour, inchangée, supprimée


def _comparable(automation: Any) -> Any:
    """An automation as data, without its trigger's id; lists of names sorted (a trigger's
    ``expect``, ``after``, ``for_each`` are sets, whose order varies between processes)."""
    from prefect.events.schemas.automations import AutomationCore

    core = AutomationCore.model_validate(automation.model_dump())
    return _sorted_names(core.model_dump(mode="json", exclude={"trigger": {"id"}}))


def _sorted_names(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _sorted_names(value) for key, value in node.items()}
    if isinstance(node, list):
        items = [_sorted_names(value) for value in node]
        return sorted(items) if all(isinstance(i, str) for i in items) else items
    return node


def apply(client: Any, wanted: list[Any]) -> list[Outcome]:
    """Create, update or leave each wanted automation (found by name); delete ours that
    are no longer wanted, and duplicates."""
    existing: dict[str, list[Any]] = {}
    for automation in client.read_automations():
        existing.setdefault(automation.name, []).append(automation)
    outcomes = []
    for automation in wanted:
        found = existing.pop(automation.name, [])
        for duplicate in found[1:]:
            client.delete_automation(duplicate.id)
        if not found:
            client.create_automation(automation)
            outcomes.append(Outcome(automation.name, "créée"))
        elif _comparable(found[0]) == _comparable(automation):
            outcomes.append(Outcome(automation.name, "inchangée"))
        else:
            client.update_automation(found[0].id, automation)
            outcomes.append(Outcome(automation.name, "mise à jour"))
    for name, stale in existing.items():
        if name.startswith(PREFIX):
            for automation in stale:
                client.delete_automation(automation.id)
            outcomes.append(Outcome(name, "supprimée"))
    return outcomes


def setup(config: EigConfig, path: Path = AUTOMATIONS_FILE) -> list[Outcome]:
    """Everything `eig setup` does, against the Prefect API of the settings."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    specs = load_specs(config, path)
    with get_client(sync_client=True) as client:
        ids = {}
        for name in sorted(referenced_deployments(specs)):
            try:
                ids[name] = client.read_deployment_by_name(name).id
            except ObjectNotFound:
                raise AutomationsError(
                    f"le déploiement {name} n'existe pas sur ce serveur : déployez d'abord "
                    "(prefect deploy --all, ou make serve)") from None
        return apply(client, build(specs, ids))
