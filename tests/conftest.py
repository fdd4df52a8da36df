"""Shared test settings: Prefect offline and quiet, before anything imports it."""

from eig.prefect_env import apply_defaults

apply_defaults()
