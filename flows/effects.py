"""deliver-effects: deliver the outbox, oldest first, each effect exactly once.

The story of a run: take the effects whose time has come, hand each to the executor of
its kind (DS mutation or email), mark it delivered right after, or record why not —
a permanent error fails that effect and the others go on; a transient one waits with
backoff. Every stage that records effects calls ``deliver_pending`` at its end.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, Field

from connectors.store import outbox
from flows.effect_executors import Executors, build_executors
from flows.runtime import Runtime, open_runtime
from models.outbox import Kind, Status, after_failure
from models.tables import Effect

BATCH = 50


class DeliverParameters(BaseModel):
    """Run form of the deliver-effects deployment."""

    limit: int = Field(default=1000, ge=1, title="Effets au plus",
                       description="Nombre maximal d'effets traités dans ce run.")
    kinds: list[Kind] = Field(default_factory=list, title="Types",
                              description="ds, email ; vide : tous.")


@dataclass
class DeliveryReport:
    delivered: int = 0
    skipped: int = 0  # already true in the world: marked delivered without acting
    failed: int = 0
    retrying: int = 0
    dead: int = 0
    failures: list[dict[str, str]] = field(default_factory=list)

    def add(self, other: DeliveryReport) -> None:
        for name in ("delivered", "skipped", "failed", "retrying", "dead"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.failures += other.failures


@task(name="deliver-batch", cache_policy=NO_CACHE)
def deliver_batch(rt: Runtime, executors: Executors, effect_ids: list[int]) -> DeliveryReport:
    """Deliver some effects; each outcome is committed right after its effect."""
    report = DeliveryReport()
    for effect_id in effect_ids:
        with rt.sessions() as session:
            effect = session.get(Effect, effect_id)
            assert effect is not None
            key, kind, action = effect.key, Kind(effect.kind), effect.action
            payload, attempts = effect.payload, effect.attempts
        try:
            result = executors.deliver(kind, action, payload, key)
        except Exception as error:  # classified below: nothing is lost, nothing repeated
            permanent = executors.is_permanent(kind, error)
            outcome = after_failure(attempts + 1, rt.clock(), f"{type(error).__name__}: {error}",
                                    permanent)
            with rt.sessions.begin() as session:
                outbox.mark_attempt_failed(session, effect_id, outcome, rt.clock())
            if outcome.status is Status.PENDING:
                report.retrying += 1
            else:
                report.failed += outcome.status is Status.FAILED
                report.dead += outcome.status is Status.DEAD
                report.failures.append({"key": key, "status": str(outcome.status),
                                        "error": outcome.error or ""})
            continue
        with rt.sessions.begin() as session:
            outbox.mark_delivered(session, effect_id, rt.clock(), result)
        if result and result.get("skipped"):
            report.skipped += 1
        else:
            report.delivered += 1
    return report


def deliver_pending(rt: Runtime, limit: int = 1000, kinds: list[Kind] | None = None,
                    executors: Executors | None = None) -> DeliveryReport:
    """Deliver what is due, in batches; what a stage calls at its end."""
    report = DeliveryReport()
    executors = executors or build_executors(rt)
    seen: set[int] = set()
    try:
        while len(seen) < limit:
            with rt.sessions() as session:
                due = [e.id for e in outbox.due_effects(session, rt.clock(), BATCH, kinds)
                       if e.id not in seen]
            if not due:
                break
            seen.update(due)
            report.add(deliver_batch(rt, executors, due))
    finally:
        executors.close()
    return report


@flow(name="deliver-effects", description="Délivre les effets en attente (écritures DS, "
      "courriels), chacun une seule fois.")
def deliver_effects(params: DeliverParameters | None = None) -> dict[str, Any]:
    params = params or DeliverParameters()
    logger = get_run_logger()
    started = time.perf_counter()
    with open_runtime() as rt:
        report = deliver_pending(rt, params.limit, params.kinds or None)
        with rt.sessions() as session:
            pending = len(outbox.list_effects(session, [Status.PENDING]))
    for failure in report.failures:
        logger.error("effect %s %s: %s", failure["key"], failure["status"], failure["error"])
    summary = {
        "delivered": report.delivered, "skipped": report.skipped, "failed": report.failed,
        "dead": report.dead, "retrying": report.retrying, "pending": pending,
        "failures": report.failures, "seconds": round(time.perf_counter() - started, 3),
    }
    create_table_artifact(
        key="deliver-effects",
        table=[{"effet": f["key"], "statut": f["status"], "raison": f["error"]}
               for f in report.failures] or [{"effet": "—", "statut": "—", "raison": "—"}],
        description=(f"{report.delivered} délivrés, {report.skipped} déjà en place, "
                     f"{report.failed} en échec, {report.dead} abandonnés, "
                     f"{report.retrying} à réessayer, {pending} en attente."),
    )
    return summary
