"""How a stage hands its effects over to the deliverers, instead of delivering them.

A stage records its effects in the outbox (in the transaction of the decision that
causes them) and, at its end, calls ``hand_over``: one Prefect event per lane it fed,
``eig.effects.recorded`` on the resource ``eig.outbox.<lane>``. The deliver-effects
deployments of that lane are triggered by it (prefect.yaml), and their schedules catch
anything an event missed. Run locally (the CLI, the demo), `eig` runs the deliverer
after the stage.
"""

from __future__ import annotations

import logging

from prefect.events import emit_event

from flows.runtime import Runtime

EVENT = "eig.effects.recorded"
log = logging.getLogger(__name__)


def lane_resource(lane: str) -> str:
    return f"eig.outbox.{lane}"


def hand_over(rt: Runtime, stage: str) -> dict[str, int]:
    """Signal the lanes this run recorded effects for; returns the counts per lane."""
    counts = rt.tally.counts()
    for lane, recorded in sorted(counts.items()):
        try:
            emit_event(event=EVENT, resource={"prefect.resource.id": lane_resource(lane),
                                              "prefect.resource.name": f"outbox {lane}"},
                       payload={"stage": stage, "recorded": recorded})
        except Exception as error:  # the deliverer's schedule will find them anyway
            log.warning("%s: event %s for lane %s not sent (%s); the lane's schedule will "
                        "deliver", stage, EVENT, lane, error)
    return counts
