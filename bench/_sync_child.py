"""Child process of bench/sync.py: run sync-dossiers and report its own figures as JSON.

A process of its own so that peak RSS is the sync's alone (the sandbox and the
Prefect ephemeral server run in other processes).
"""

from __future__ import annotations

import json
import resource
import sys
import time

from eig.prefect_env import apply_defaults

apply_defaults()


def measure() -> dict:
    from prefect import flow

    from flows.sync import SyncParameters, sync_dossiers

    @flow(name="bench-warm-up")
    def warm_up() -> None:
        """Start the ephemeral Prefect server before timing anything."""

    warm_up()
    figures: dict = {}
    for label, params in (("full", SyncParameters(full=True)), ("no_change", SyncParameters())):
        started = time.perf_counter()
        state = sync_dossiers(params, return_state=True)
        seconds = time.perf_counter() - started
        summary = state.result(raise_on_failure=False)
        if summary["status"] != "ok":
            sys.exit(f"bench: the {label} sync failed: {summary}")
        figures[label] = {
            "seconds": seconds,
            "requests": summary["requests"],
            "created": sum(d["created"] for d in summary["demarches"]),
            "requests_per_demarche": [d["requests"] for d in summary["demarches"]],
        }
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def main() -> None:
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    # Heartbeats detect crashed deployed runs; off here, as in the tests: a flow run
    # otherwise ends with a fixed ~1 s wait for its heartbeat thread.
    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        print(json.dumps(measure()))


if __name__ == "__main__":
    main()
