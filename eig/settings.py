"""Process settings, from the environment (prefix ``EIG_``) or a ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent

SANDBOX_TOKEN = "sandbox-token"  # the local sandbox's token: not a secret
"""Token accepted by the local DS sandbox; never valid against DS itself."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EIG_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{PROJECT_ROOT / 'var' / 'eig.sqlite'}",
        description="SQLAlchemy URL of the store (SQLite file or PostgreSQL).",
    )
    ds_api_url: str = Field(
        default="http://127.0.0.1:8765/api/v2/graphql",
        description="DS GraphQL endpoint, e.g. https://www.demarches-simplifiees.fr/api/v2/graphql.",
    )
    ds_api_token: SecretStr | None = Field(
        default=None,
        description="DS API token. When unset, the Prefect Secret block named by "
        "ds_token_block supplies it; failing that, the sandbox token.",
    )
    ds_token_block: str = Field(
        default="ds-api-token", description="Prefect Secret block holding the DS token."
    )
    config: Path = Field(
        default=PROJECT_ROOT / "config" / "eig.yaml", description="Path to the YAML configuration."
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()


def resolve_ds_token(settings: Settings) -> SecretStr:
    """The DS token: from settings, else from a Prefect Secret block, else the sandbox's."""
    if settings.ds_api_token is not None:
        return settings.ds_api_token
    try:
        from prefect.blocks.system import Secret

        return SecretStr(Secret.load(settings.ds_token_block).get())
    except Exception:  # no block, or no Prefect API reachable: fall back to the sandbox
        return SecretStr(SANDBOX_TOKEN)
