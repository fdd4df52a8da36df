"""One of the processes of tests/integration/test_shared_budget_processes.py.

    python -m tests.integration.budget_child shared --dossier N --rounds R
    python -m tests.integration.budget_child local --dossier N --rounds R

Settings come from the environment (EIG_…, PREFECT_API_URL). It prints ``ready`` once
imported, waits for a line on stdin (so that the processes start together), then:
- ``shared``: a full sync-dossiers flow run and, at the same time in another thread, R
  rounds of a label put on / taken off dossier N (a snapshot read, then the mutation),
  through the pipeline's DS clients — which spend the budget shared through the store;
- ``local``: R snapshot reads of dossier N through a `DSClient` with the process's own
  limiter only (what every process had before the shared budget).
Last line on stdout: a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from typing import Any

from eig.prefect_env import apply_defaults

apply_defaults()

LABEL = "Liste d'attente"


def label_rounds(ds: Any, number: int, rounds: int) -> int:
    from connectors.ds import add_label, demarche_labels, fetch_dossier_snapshot, remove_label

    done = 0
    label_id: str | None = None
    for _ in range(rounds):
        snapshot = fetch_dossier_snapshot(ds, number)
        if label_id is None:
            label_id = demarche_labels(ds, snapshot.demarche_number)[LABEL]
        if LABEL in snapshot.labels:
            remove_label(ds, snapshot.id, label_id)
        else:
            add_label(ds, snapshot.id, label_id)
        done += 1
    return done


def shared(number: int, rounds: int) -> dict[str, Any]:
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    from flows.ds_access import ds_client
    from flows.sync import SyncParameters, sync_dossiers
    from settings.config import load_config
    from settings.environment import Settings, resolve_ds_token

    settings = Settings()
    config = load_config(settings.config)
    result: dict[str, Any] = {}

    def mutate() -> None:
        try:
            with ds_client(settings, config, resolve_ds_token(settings)) as ds:
                result["rounds"] = label_rounds(ds, number, rounds)
                result["mutation_requests"] = ds.requests_sent
        except Exception as error:  # reported in the summary
            result["error"] = f"{type(error).__name__}: {error}"

    ready_and_wait()
    worker = threading.Thread(target=mutate)
    worker.start()
    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        state = sync_dossiers(SyncParameters(full=True), return_state=True)
    summary = state.result(raise_on_failure=False)
    worker.join()
    result["sync_status"] = summary["status"] if isinstance(summary, dict) else str(summary)
    result["sync_requests"] = summary.get("requests") if isinstance(summary, dict) else None
    return result


def local(number: int, rounds: int) -> dict[str, Any]:
    from connectors.ds import DSClient, fetch_dossier_snapshot
    from settings.config import load_config
    from settings.environment import Settings, resolve_ds_token

    settings = Settings()
    config = load_config(settings.config)
    ready_and_wait()
    with DSClient(settings.ds_api_url, resolve_ds_token(settings),
                  requests_per_minute=config.sync.requests_per_minute,
                  window_seconds=config.sync.rate_window_seconds) as ds:
        for _ in range(rounds):
            fetch_dossier_snapshot(ds, number)
        return {"rounds": rounds, "mutation_requests": ds.requests_sent}


def ready_and_wait() -> None:
    print("ready", flush=True)
    sys.stdin.readline()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["shared", "local"])
    parser.add_argument("--dossier", type=int, required=True)
    parser.add_argument("--rounds", type=int, required=True)
    args = parser.parse_args()
    run = shared if args.mode == "shared" else local
    print(json.dumps(run(args.dossier, args.rounds)), flush=True)


if __name__ == "__main__":
    main()
