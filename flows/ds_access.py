"""The pipeline's DS clients: each spends its token's budget, shared by every process
that uses the same store (`connectors.store.budget`), as DS counts it for all of them."""

from __future__ import annotations

from pydantic import SecretStr

from connectors.ds import DSClient, token_bucket
from connectors.store.budget import StoreBudget, shared_budget
from settings.config import EigConfig
from settings.environment import Settings


def ds_budget(settings: Settings, config: EigConfig, token: SecretStr) -> StoreBudget:
    """This process's share of the token's budget, kept in the store under a hash of the
    token: `sync.requests_per_minute` per window of `sync.rate_window_seconds`."""
    return shared_budget(settings.database_url, token_bucket(token.get_secret_value()),
                         config.sync.requests_per_minute, config.sync.rate_window_seconds)


def ds_client(settings: Settings, config: EigConfig, token: SecretStr) -> DSClient:
    """A DS client (for one thread) under the process's limiter and the shared budget."""
    return DSClient(settings.ds_api_url, token,
                    requests_per_minute=config.sync.requests_per_minute,
                    window_seconds=config.sync.rate_window_seconds,
                    budget=ds_budget(settings, config, token))
