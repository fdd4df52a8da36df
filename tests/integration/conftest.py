"""Integration fixtures: the Prefect test harness, the DS sandbox, SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

POSTGRES_URL = os.environ.get("EIG_TEST_POSTGRES_URL")
REQUIRE_POSTGRES = os.environ.get("EIG_REQUIRE_POSTGRES") == "1"


@pytest.fixture(scope="session", autouse=True)
def prefect_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One Prefect test server for the session, in a temporary PREFECT_HOME, no heartbeats."""
    home = tmp_path_factory.mktemp("prefect-home")
    os.environ["PREFECT_HOME"] = str(home)
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        temporary_settings,
    )
    from prefect.testing.utilities import prefect_test_harness

    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}), \
            prefect_test_harness(server_startup_timeout=120):
        yield str(PREFECT_API_URL.value())


def _sqlite_url(tmp_path: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path / 'eig.sqlite'}"


def _postgres_url() -> Iterator[str]:
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("EIG_REQUIRE_POSTGRES=1 but EIG_TEST_POSTGRES_URL is not set")
        pytest.skip("PostgreSQL tests need EIG_TEST_POSTGRES_URL")
    schema = f"eig_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as error:  # unreachable server
        admin.dispose()
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL at EIG_TEST_POSTGRES_URL does not answer: {error}")
        pytest.skip(f"PostgreSQL unreachable: {error}")
    sep = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    """DS budgets are process-wide; each test talks to a sandbox of its own (and the
    budgets shared through a store close their connections after each test)."""
    from connectors.ds._rate_limit import reset_limiters
    from connectors.store.budget import close_budgets

    reset_limiters()
    yield
    close_budgets()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each store test runs on SQLite and on PostgreSQL (a schema of its own)."""
    if request.param == "sqlite":
        yield from _sqlite_url(tmp_path)
    else:
        yield from _postgres_url()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    yield from _sqlite_url(tmp_path)


@pytest.fixture
def sandbox(request: pytest.FixtureRequest):
    """A DS sandbox with 600 synthetic dossiers (180 projets, 360 candidats, 60 évaluations).

    ``@pytest.mark.sandbox(requests_per_window=3, window_seconds=1)`` tunes the sandbox;
    ``@pytest.mark.sandbox_data(dossiers=120)`` its data.
    """
    from connectors.ds_sandbox import Sandbox, generate

    marker = request.node.get_closest_marker("sandbox")
    # DS's pace (400 requests a minute) has tests of its own; here the sandbox answers as
    # fast as the pipeline asks. The prefill API keeps DS's 15 in 15 s: the pipeline's
    # task emails prefill by link, with no API call.
    options = {"requests_per_window": 100_000}
    box = Sandbox(**(options | (marker.kwargs if marker else {})))
    data = request.node.get_closest_marker("sandbox_data")
    generate(box.state, **({"dossiers": 600, "seed": 7} | (data.kwargs if data else {})))
    return box


@pytest.fixture
def sandbox_url(sandbox) -> Iterator[str]:
    from connectors.ds_sandbox import running_sandbox

    with running_sandbox(sandbox) as url:
        yield url


@pytest.fixture
def store(database_url: str, sandbox_url: str, monkeypatch: pytest.MonkeyPatch,
          tmp_path: Path):
    """Point the pipeline's settings at the sandbox and the store under test (with the
    embedded configuration, DS's request pace raised: the sandbox is not DS)."""
    from connectors.ds_sandbox import DEFAULT_TOKEN
    from tests.integration.sync_helpers import Store

    monkeypatch.setenv("EIG_DS_API_URL", f"{sandbox_url}/api/v2/graphql")
    monkeypatch.setenv("EIG_DS_API_TOKEN", DEFAULT_TOKEN)
    monkeypatch.setenv("EIG_DATABASE_URL", database_url)
    monkeypatch.setenv("EIG_CONFIG", str(fast_config(tmp_path / "eig.yaml")))
    view = Store(database_url)
    yield view
    view.close()


def fast_config(path: Path) -> Path:
    import yaml

    from eig.settings import PROJECT_ROOT

    raw = yaml.safe_load((PROJECT_ROOT / "config" / "eig.yaml").read_text(encoding="utf-8"))
    raw["sync"]["requests_per_minute"] = 100_000
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def smtp_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A real local SMTP server keeping a Maildir; the pipeline's settings point at it."""
    from connectors.mail import running_smtp_server

    maildir = tmp_path / "maildir"
    with running_smtp_server(maildir) as server:
        monkeypatch.setenv("EIG_SMTP_URL", server.url)
        monkeypatch.setenv("EIG_MAILDIR", str(maildir))
        yield server
