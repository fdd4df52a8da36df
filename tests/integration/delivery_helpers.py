"""The deliverer after a stage: deployed, the stage's event triggers it; here tests run it."""

from __future__ import annotations

from typing import Any


def deliver_all() -> dict[str, Any]:
    """Deliver every lane now (a deliver-effects run under the harness)."""
    from flows.effects import DeliverParameters, deliver_effects

    return deliver_effects(DeliverParameters())
