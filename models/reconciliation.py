"""Reconciliation: compare a full re-scan of DS with the store (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from models.dossier_record import parse_ds_datetime


@dataclass(frozen=True)
class StoredSnapshot:
    state: str
    ds_updated_at: datetime | None
    labels: tuple[str, ...]
    hidden: bool
    deleted: bool


@dataclass
class ReconcilePlan:
    """What a full re-scan found that the incremental stream did not say."""

    to_fetch: list[int] = field(default_factory=list)
    labels: dict[int, list[str]] = field(default_factory=dict)
    unhide: list[int] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)


def plan_reconciliation(
    stored: Mapping[int, StoredSnapshot],
    seen: Iterable[Mapping[str, Any]],
    trashed: set[int],
    tombstoned: set[int],
) -> ReconcilePlan:
    plan = ReconcilePlan()
    seen_numbers: set[int] = set()
    for node in seen:
        number = int(node["number"])
        seen_numbers.add(number)
        snapshot = stored.get(number)
        updated_at = parse_ds_datetime(node.get("dateDerniereModification"))
        if (
            snapshot is None
            or snapshot.state != node["state"]
            or (updated_at and snapshot.ds_updated_at and updated_at > snapshot.ds_updated_at)
        ):
            plan.to_fetch.append(number)
            continue
        labels = sorted(label["name"] for label in node.get("labels") or [])
        if list(snapshot.labels) != labels:
            plan.labels[number] = labels
        if snapshot.hidden:
            plan.unhide.append(number)
    for number, snapshot in stored.items():
        if (number not in seen_numbers and number not in trashed and number not in tombstoned
                and not snapshot.hidden and not snapshot.deleted):
            plan.missing.append(number)
    return plan
