"""deliver-effects: the outbox's deliverer — each effect claimed, then delivered once.

The story of a run: for each lane (DS writes, emails), side by side, claim a few due
effects (a lease in their row: no other deliverer touches them meanwhile), deliver each
through the executor of its kind, and record the outcome; claim again until the lane is
empty or the run's time is up. An attempt records, and commits, the moment it passes
its point of no return (the SMTP server asked for the content; a DS mutation is about
to be sent): an effect whose deliverer died after that moment is not blindly redone.
A DS effect is redone safely (the executor reads the dossier first); an email is looked
for in the local server's Maildir when there is one, and otherwise set aside as
*uncertain* for a person (at most once). Stages record effects and hand over
(``flows.handover``); they never drain the outbox themselves.
"""

from __future__ import annotations

import time
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, ConfigDict, Field

from flows.delivery.deliverer import (
    LANE_LABELS,
    DeliveryReport,
    LaneDeliverer,
    backlog_markdown,
    backlog_rows,
)
from flows.reporting import conclude, publish_markdown
from flows.runtime import Runtime, open_runtime
from models.french import compte
from models.outbox import Kind, Lane


class DeliverParameters(BaseModel):
    """Run form of the deliver-effects deployments."""
    model_config = ConfigDict(frozen=True)  # the flow's default instance is shared

    lanes: list[Lane] = Field(default_factory=list, title="Voies",
                              description="ds (écritures DS), email (courriels) ; vide : "
                              "toutes, chacune de son côté.")
    limit: int = Field(default=5000, ge=1, title="Effets au plus (par voie)",
                       description="Nombre maximal d'effets traités par voie dans ce run.")
    max_minutes: float | None = Field(default=None, gt=0, title="Durée au plus (minutes)",
                                      description="Vide : la configuration (delivery).")
    kinds: list[Kind] = Field(default_factory=list, title="Types (ancien nom des voies)",
                              description="Conservé pour les anciens runs : ds, email.")

    def chosen_lanes(self) -> list[Lane]:
        chosen = list(self.lanes) or [Lane(str(k)) for k in self.kinds]
        return chosen or list(Lane)


@task(name="deliver-lane", cache_policy=NO_CACHE)
def deliver_lane(rt: Runtime, lane: Lane, limit: int, deadline: float) -> DeliveryReport:
    """Drain one lane (its own connections and pace)."""
    return LaneDeliverer(rt, lane).drain(limit, deadline)


@flow(name="deliver-effects", timeout_seconds=1800,
      description="Délivre les effets en attente (écritures DS, courriels), chacun une seule "
      "fois, voie par voie.")
def deliver_effects(params: DeliverParameters = DeliverParameters()) -> dict[str, Any]:  # noqa: B008 (frozen model)
    logger = get_run_logger()
    started = time.perf_counter()
    lanes = params.chosen_lanes()
    with open_runtime() as rt:
        minutes = params.max_minutes or rt.config.delivery.max_minutes
        deadline = time.monotonic() + minutes * 60
        futures = {str(lane): deliver_lane.submit(rt, lane, params.limit, deadline)
                   for lane in lanes}
        reports = {lane: future.result() for lane, future in futures.items()}
        rows = backlog_rows(rt)
    total = DeliveryReport()
    for report in reports.values():
        total.add(report)
    for failure in total.failures:
        logger.error("effect %s %s: %s", failure["key"], failure["status"], failure["error"])
    pending = sum(r["due"] + r["later"] + r["in_flight"] for r in rows)
    summary = {**total.counts(), "pending": pending, "failures": total.failures,
               "lanes": {lane: r.counts() for lane, r in reports.items()},
               "backlog": rows, "seconds": round(time.perf_counter() - started, 3)}
    said = [compte(total.delivered, "effet délivré", "effets délivrés")] + [
        f"{n} {label}" for n, label in (
            (total.skipped, "déjà en place"), (total.verified, "vérifiés"),
            (total.retrying, "à réessayer"), (total.failed, "en échec"),
            (total.dead, "abandonnés"), (total.uncertain, "incertains")) if n]
    headline = (f"Livraison ({', '.join(LANE_LABELS[str(x)] for x in lanes)}) : "
                f"{', '.join(said)} ; {pending} en attente.")
    publish_markdown(
        "deliver-effects", f"# {headline}\n\n{backlog_markdown(rows, reports)}\n",
        description="Effets délivrés par voie, file d'attente et plus ancien effet dû.")
    return conclude(summary, headline, warning=bool(total.failed or total.dead
                                                    or total.uncertain))
