"""Where the DS token comes from, and that it is never shown."""

import pytest
from pydantic import SecretStr

from settings.environment import SANDBOX_TOKEN, MissingTokenError, Settings, resolve_ds_token


def test_token_from_environment_is_secret(monkeypatch):
    monkeypatch.setenv("EIG_DS_API_TOKEN", "very-secret")
    settings = Settings()
    assert resolve_ds_token(settings).get_secret_value() == "very-secret"
    assert "very-secret" not in repr(settings)


def test_local_sandbox_falls_back_to_its_token(monkeypatch):
    monkeypatch.delenv("EIG_DS_API_TOKEN", raising=False)
    settings = Settings(ds_api_url="http://127.0.0.1:8765/api/v2/graphql",
                        ds_token_block="no-such-block-here")
    assert resolve_ds_token(settings) == SecretStr(SANDBOX_TOKEN)


def test_real_ds_without_token_says_how_to_get_one(monkeypatch):
    monkeypatch.delenv("EIG_DS_API_TOKEN", raising=False)
    settings = Settings(ds_api_url="https://www.demarches-simplifiees.fr/api/v2/graphql",
                        ds_token_block="no-such-block-here")
    with pytest.raises(MissingTokenError, match="EIG_DS_API_TOKEN"):
        resolve_ds_token(settings)
