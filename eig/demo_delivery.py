"""The demo's deliverer: what a deployed stage's event triggers, run here after it."""

from __future__ import annotations

from typing import Any

Echo = Any


def deliver(echo: Echo | None = None) -> dict[str, Any]:
    """Deliver what the stages handed over, lane by lane; say so in one line."""
    from flows.effects import DeliverParameters, deliver_effects

    summary = deliver_effects(DeliverParameters())
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
