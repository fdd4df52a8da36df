"""Prefect defaults for local runs: offline, no telemetry, patient ephemeral server."""

import os
from collections.abc import Iterator
from contextlib import contextmanager

DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    # stages deliver effects through tasks called outside a flow run, too (tests, CLI)
    "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
}


def apply_defaults() -> None:
    """Set our defaults unless the operator set them (call before importing prefect)."""
    for key, value in DEFAULTS.items():
        os.environ.setdefault(key, value)


# Background services of a Prefect server that the demo's ephemeral server and the tests'
# harness do without: nothing is scheduled there, no automation runs, and the task-run
# recorder and event persister write to its SQLite file at the moment a run is created.
IDLE_SERVICES = tuple(f"PREFECT_SERVER_SERVICES_{service}_ENABLED" for service in (
    "CANCELLATION_CLEANUP", "DB_VACUUM", "EVENT_LOGGER", "FOREMAN", "LATE_RUNS", "SCHEDULER",
    "REPOSSESSOR", "CLEANUP_RECONCILER", "TASK_RUN_RECORDER", "TRIGGERS", "EVENT_PERSISTER"))


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """``values`` set in the environment for the block, the previous ones restored."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def without_idle_services() -> Iterator[None]:
    """A Prefect server started inside runs without ``IDLE_SERVICES``; the environment is
    restored on exit, so the processes started later are not told so."""
    with environment(dict.fromkeys(IDLE_SERVICES, "false")):
        yield
