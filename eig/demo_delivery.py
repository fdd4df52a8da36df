"""The demo's deliverer: what a deployed stage's event triggers, run here after it.

A deployment of ``deliver-effects`` runs on several workers at once; the outbox's claims
make that safe (each effect is delivered once, by whichever deliverer claims it). The
demo does the same: besides the run in this process, a second deliverer in its own
process drains the email lane at the same time — the thousand emails of the story are
composed on both cores. ``start_second_deliverer`` starts it (it loads the pipeline
while the demo sets up); without it, ``deliver`` runs alone.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from multiprocessing.connection import Connection
from typing import Any

Echo = Any

_second: _SecondDeliverer | None = None


def deliver(echo: Echo | None = None) -> dict[str, Any]:
    """Deliver what the stages handed over, lane by lane; say so in one line."""
    from flows.effects import DeliverParameters, deliver_effects

    helper = _second
    if helper is not None:
        helper.request()
    summary = deliver_effects(DeliverParameters())
    if helper is not None:
        summary = _merged(summary, helper.result())
    lanes = summary["lanes"]
    if echo is not None and (summary["delivered"] or summary["skipped"] or summary["failed"]):
        echo(f"  livraison : {lanes.get('ds', {}).get('delivered', 0)} écriture(s) DS, "
             f"{lanes.get('email', {}).get('delivered', 0)} courriel(s)"
             + (f", {summary['skipped']} déjà en place" if summary["skipped"] else "")
             + (f", {summary['failed']} en échec" if summary["failed"] else ""))
    return summary


def handed(summary: dict[str, Any]) -> int:
    """How many effects a stage's run recorded and handed over."""
    return sum((summary.get("handed_over") or {}).values())


def start_second_deliverer(clock: Any) -> None:
    """Start the second deliverer's process; it reads the story's clock (``clock.offset``)
    and this process's environment at each request."""
    global _second
    if _second is None and (os.cpu_count() or 1) > 1:
        _second = _SecondDeliverer(clock)


def stop_second_deliverer() -> None:
    global _second
    helper, _second = _second, None
    if helper is not None:
        helper.stop()


def _merged(mine: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """One summary for both deliverers (the second serves the email lane only)."""
    from flows.delivery.deliverer import DeliveryReport

    merged = {**mine, **{k: mine.get(k, 0) + other.get(k, 0) for k in DeliveryReport.COUNTS}}
    merged["failures"] = [*mine.get("failures", []), *other.get("failures", [])]
    merged["seconds"] = max(mine.get("seconds", 0), other.get("seconds", 0))
    lanes = dict(mine["lanes"])
    for lane, counts in other.get("lanes", {}).items():
        lanes[lane] = {k: lanes.get(lane, {}).get(k, 0) + v for k, v in counts.items()}
    merged["lanes"] = lanes
    merged["second_deliverer"] = other.get("delivered", 0)
    return merged


class _SecondDeliverer:
    def __init__(self, clock: Any) -> None:
        self.clock = clock
        context = multiprocessing.get_context("spawn")
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child,), daemon=True,
                                       name="eig-demo-second-deliverer")
        self.process.start()
        child.close()

    def request(self) -> None:
        environment = {k: v for k, v in os.environ.items() if k.startswith("EIG_")}
        self.connection.send((environment, self.clock.offset))

    def result(self) -> dict[str, Any]:
        outcome = self.connection.recv()
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.send(None)
        self.process.join(10)
        if self.process.is_alive():
            self.process.terminate()


def _serve(connection: Connection) -> None:
    """The second deliverer's loop: drain the email lane at each request, until ``None``.
    It delivers as ``eig deliver`` does, without a flow run of its own: two runs created
    at the same instant make the ephemeral Prefect server's SQLite answer "locked" and
    its client wait a second or two before retrying."""
    import flows.effects  # noqa: F401  loaded while the demo sets up, not at the first request

    while True:
        request = connection.recv()
        if request is None:
            return
        environment, offset = request
        os.environ.update(environment)
        try:
            connection.send(_drain_emails(offset))
        except Exception as exc:  # told to the demo, which stops there
            connection.send(RuntimeError(f"second livreur : {exc}"))


def _drain_emails(offset: Any) -> dict[str, Any]:
    from eig.demo_clock import TravelClock
    from flows.delivery.deliverer import deliver_pending
    from flows.runtime import open_runtime
    from models.outbox import Lane

    with open_runtime(clock=TravelClock(offset)) as rt:
        report = deliver_pending(rt, lanes=[Lane.EMAIL])
    return {**report.counts(), "failures": report.failures,
            "lanes": {str(Lane.EMAIL): report.counts()}}
