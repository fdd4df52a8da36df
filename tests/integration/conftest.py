"""Integration fixtures: the Prefect test harness, the DS sandbox, SQLite and PostgreSQL."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from eig.prefect_env import without_idle_services

POSTGRES_URL = os.environ.get("EIG_TEST_POSTGRES_URL")
REQUIRE_POSTGRES = os.environ.get("EIG_REQUIRE_POSTGRES") == "1"


@pytest.fixture(scope="session", autouse=True)
def prefect_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One Prefect test server for the session, in a temporary PREFECT_HOME, no heartbeats."""
    home = tmp_path_factory.mktemp("prefect-home")
    os.environ["PREFECT_HOME"] = str(home)
    # The harness server only records what these tests read back (flow runs, their states,
    # pauses, artifacts): its background services — the task-run recorder above all, which
    # took most of its CPU — stay off. tests/server runs a complete server.
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        temporary_settings,
    )
    from prefect.testing.utilities import prefect_test_harness

    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        with without_idle_services():  # the server's only: not the processes tests start later
            harness = prefect_test_harness(server_startup_timeout=120)
            harness.__enter__()
        try:
            yield str(PREFECT_API_URL.value())
        finally:
            harness.__exit__(None, None, None)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite store migrated once per test process; each test gets a copy."""
    from flows.runtime import open_store

    path = tmp_path_factory.mktemp("store-template") / "eig.sqlite"
    open_store(f"sqlite:///{path}").dispose()  # the last connection checkpoints the WAL
    return path


def _sqlite_url(tmp_path: Path, template: Path) -> Iterator[str]:
    shutil.copyfile(template, tmp_path / "eig.sqlite")
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
def own_outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Relevés, score charts and convention drafts go to the test's own directory (tests
    run in parallel: none writes to the checkout's var/)."""
    monkeypatch.setenv("EIG_DOCUMENTS_DIR", str(tmp_path / "documents"))


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    """DS budgets are process-wide; each test talks to a sandbox of its own (and the
    budgets shared through a store close their connections after each test)."""
    from connectors.ds._rate_limit import reset_limiters
    from connectors.store.budget import close_budgets

    reset_limiters()
    yield
    close_budgets()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A store test runs on SQLite; marked ``both_dialects`` (where SQL differs: upserts,
    claims, locks, numbering, concurrency) on PostgreSQL too."""
    if "database_url" not in metafunc.fixturenames or any(
            "database_url" in str(m.args[0]) for m in metafunc.definition.iter_markers(
                "parametrize")):
        return
    dialects: list = ["sqlite"]
    if metafunc.definition.get_closest_marker("both_dialects"):
        dialects.append(pytest.param("postgresql", marks=pytest.mark.postgres))
    metafunc.parametrize("database_url", dialects, indirect=True)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path,
                 migrated_sqlite: Path) -> Iterator[str]:
    """The store under test: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield from _sqlite_url(tmp_path, migrated_sqlite)
    else:
        yield from _postgres_url()


@pytest.fixture
def sqlite_url(tmp_path: Path, migrated_sqlite: Path) -> Iterator[str]:
    yield from _sqlite_url(tmp_path, migrated_sqlite)


@pytest.fixture
def sandbox(request: pytest.FixtureRequest):
    """A DS sandbox with 600 synthetic dossiers (180 projets, 360 candidats, 60 évaluations).

    ``@pytest.mark.sandbox(requests_per_window=3, window_seconds=1)`` tunes the sandbox;
    ``@pytest.mark.sandbox_data(dossiers=120)`` its data.
    """
    from ds_sandbox import Sandbox, generate

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
    from ds_sandbox import running_sandbox

    with running_sandbox(sandbox) as url:
        yield url


@pytest.fixture
def store(database_url: str, sandbox_url: str, monkeypatch: pytest.MonkeyPatch,
          tmp_path: Path):
    """Point the pipeline's settings at the sandbox and the store under test (with the
    embedded configuration, DS's request pace and the email lane's raised: the sandbox is
    not DS, the local SMTP server is not a relay)."""
    from ds_sandbox import DEFAULT_TOKEN
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

    from settings.environment import PROJECT_ROOT

    raw = yaml.safe_load((PROJECT_ROOT / "config" / "eig.yaml").read_text(encoding="utf-8"))
    raw["sync"]["requests_per_minute"] = 100_000
    raw["delivery"]["lanes"]["email"]["per_minute"] = 100_000  # a local SMTP server, no relay
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
