"""Prefect defaults for local runs: offline, no telemetry, patient ephemeral server."""

import os

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
