"""Process settings, from the environment (prefix ``EIG_``) or a ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent

SANDBOX_TOKEN = "sandbox-token"  # the local sandbox's token: not a secret
"""Token accepted by the local DS sandbox; never valid against DS itself."""

SANDBOX_EVAL_SECRET = "sandbox-evaluation-links"  # signs sandbox links only: not a secret
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


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
    ds_instructeur_email: str = Field(
        default="instructeur@eig.example",
        description="The DS account (an instructeur of the démarches) our mutations act as.",
    )
    smtp_url: SecretStr = Field(
        default=SecretStr("smtp://127.0.0.1:8025"),
        description="smtp://host:port[?starttls=1] or smtps://user:password@host:465",
    )
    smtp_timeout: float = 30.0
    max_input_bytes: int = Field(
        default=5_000_000, ge=1, description="The largest file the CLI reads from a person "
        "(roster, availability, jury scores); a roster of 150 people is ~30 kB.")
    mail_sender_email: str = Field(default="eig@beta.gouv.fr", description="From: address")
    mail_sender_name: str = Field(default="Programme EIG", description="From: display name")
    mail_reply_to: str | None = None
    eval_token_secret: SecretStr | None = Field(
        default=None,
        description="Key of the HMAC that signs each evaluation link's token. When unset, "
        "the Prefect Secret block named by eval_token_block; the sandbox needs none.",
    )
    eval_token_block: str = Field(
        default="eval-token-secret", description="Prefect Secret block holding that key."
    )
    ds_public_url: str | None = Field(
        default=None,
        description="DS host root for the prefill API and dossier links; derived from "
        "ds_api_url when unset.",
    )
    documents_dir: Path = Field(
        default=PROJECT_ROOT / "var",
        description="Where the documents are written: relevés (releves/), convention "
        "drafts (conventions/), score charts (reports/).",
    )
    maildir: Path = Field(
        default=PROJECT_ROOT / "var" / "maildir",
        description="Where the local SMTP server (demo, tests) keeps what it receives.",
    )
    mail_check_maildir: bool | None = Field(
        default=None,
        description="Before resending an email whose fate is unknown (a deliverer died "
        "after the server accepted the envelope), look for it in `maildir` by its outbox "
        "key. Unset: yes when the SMTP server is on this machine and the Maildir exists "
        "(the local server); otherwise such an email is set aside as uncertain, never "
        "resent without a person's check.",
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()


class MissingTokenError(RuntimeError):
    """No DS token for a DS that is not the local sandbox."""


def resolve_ds_token(settings: Settings) -> SecretStr:
    """The DS token: from settings, else from a Prefect Secret block, else — for the local
    sandbox only — the sandbox's token."""
    if settings.ds_api_token is not None:
        return settings.ds_api_token
    stored = _secret_block(settings.ds_token_block)  # deployments, `make serve`
    if stored:
        return SecretStr(stored)
    if is_local_ds(settings):
        return SecretStr(SANDBOX_TOKEN)
    raise MissingTokenError(
        f"no DS API token for {settings.ds_api_url}: set EIG_DS_API_TOKEN or create the "
        f"Prefect Secret block {settings.ds_token_block!r} (DS > Mon profil > Jetons)"
    )


def is_local_ds(settings: Settings) -> bool:
    """Whether DS is the local sandbox (which accepts the sandbox's token and key)."""
    return (urlsplit(settings.ds_api_url).hostname or "") in LOCAL_HOSTS


def _secret_block(name: str) -> str | None:
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        return None
    from prefect.blocks.system import Secret

    try:
        return Secret.load(name).get()
    except ValueError:  # no such block
        return None


def resolve_eval_token_secret(settings: Settings) -> bytes:
    """The key that signs evaluation tokens: settings, else a Prefect Secret block, else —
    for the local sandbox only — a fixed development key."""
    if settings.eval_token_secret is not None:
        return settings.eval_token_secret.get_secret_value().encode()
    stored = _secret_block(settings.eval_token_block)
    if stored:
        return stored.encode()
    if is_local_ds(settings):
        return SANDBOX_EVAL_SECRET.encode()
    raise MissingTokenError(
        f"no key to sign evaluation links for {settings.ds_api_url}: set "
        f"EIG_EVAL_TOKEN_SECRET (e.g. `openssl rand -hex 32`) or create the Prefect Secret "
        f"block {settings.eval_token_block!r}"
    )
