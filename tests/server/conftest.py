"""Fixtures of the real-server tests: one Prefect server for the session (its pool and
the deployments these tests use, deployed from prefect.yaml), and per test a world of
its own — a DS sandbox over HTTP, a local SMTP server, a SQLite store — whose settings
every worker started by the test inherits."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from settings.environment import PROJECT_ROOT
from tests.server.real_server import RealServer, free_port

POSTGRES_URL = os.environ.get("EIG_TEST_POSTGRES_URL")
DEPLOYED = ("deliberate-projets", "deliberate-candidats", "deliberate-mission", "deliver-ds",
            "deliver-emails", "notify-team", "draft-conventions")
LATE_SECONDS = 20  # deliberate-candidats "longer than expected" after this
REMINDER_SECONDS = 60  # a committee still waiting is reminded after this
ZOMBIE_SECONDS = 60  # a silent run is marked Crashed after this (the least allowed: 2 beats)
RELAUNCH_SECONDS = 30  # an alert taken by a worker that died is handed back after this
HEARTBEAT = {"PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "30"}  # as `eig serve` gives its workers


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealServer]:
    """A real ``prefect server start`` with the process pool ``eig``, the deployments of
    DEPLOYED (from prefect.yaml, this checkout as their working directory) and the
    automations of config/automations.yaml, created by ``eig setup`` — twice: the second
    time changes nothing."""
    home = tmp_path_factory.mktemp("prefect-real-server")
    with prefect_database() as database_url:
        server = RealServer(home, database_url=database_url)
        try:
            server.start()
            server.prefect("work-pool", "create", "eig", "--type", "process")
            server.prefect("deploy", *[f"--name={name}" for name in DEPLOYED],
                           "--no-prompt")
            env = server.env({"EIG_CONFIG": str(server_config(home / "eig.yaml"))})
            first = server.run([sys.executable, "-m", "eig", "setup"], env)
            second = server.run([sys.executable, "-m", "eig", "setup"], env)
            assert "créée" in first.stdout and "créée" not in second.stdout, second.stdout
            assert "mise à jour" not in second.stdout, second.stdout
            yield server
        finally:
            server.close()


@contextmanager
def prefect_database() -> Iterator[str | None]:
    """A PostgreSQL database of its own for the Prefect server when EIG_TEST_POSTGRES_URL
    is set (as in production: SQLite locks under a server, its workers and their flows),
    dropped afterwards; else None (SQLite in PREFECT_HOME)."""
    if not POSTGRES_URL:
        yield None
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"eig_prefect_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(POSTGRES_URL).set(drivername="postgresql+asyncpg", database=name,
                                         query={})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def workers(prefect_server: RealServer) -> Iterator[list]:
    """The workers a test starts (with its world's settings), stopped when it ends."""
    started: list = []
    yield started
    for worker in started:
        worker.stop()


@pytest.fixture
def clock():
    from ds_sandbox.testing import FakeClock
    from tests.integration.chase_helpers import START

    return FakeClock(START)


@pytest.fixture
def world(prefect_server: RealServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
          clock) -> Iterator[dict]:
    """Four projets in a sandbox served over HTTP, a local SMTP server, a SQLite store;
    the EIG_* settings point at them (in this process and in every worker started after)
    and this process's Prefect client at the real server."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from connectors.mail import running_smtp_server
    from ds_sandbox import DEFAULT_TOKEN, running_sandbox
    from tests.integration.chase_helpers import small_sandbox
    from tests.integration.sync_helpers import Store

    sandbox = small_sandbox(clock, 4)
    sandbox_port = free_port()
    maildir = tmp_path / "maildir"
    database = f"sqlite:///{tmp_path / 'eig.sqlite'}"
    with running_sandbox(sandbox, port=sandbox_port) as sandbox_url, \
            running_smtp_server(maildir, port=free_port({sandbox_port})) as smtp, \
            temporary_settings({PREFECT_API_URL: prefect_server.api}):
        monkeypatch.setenv("EIG_DS_API_URL", f"{sandbox_url}/api/v2/graphql")
        monkeypatch.setenv("EIG_DS_API_TOKEN", DEFAULT_TOKEN)
        monkeypatch.setenv("EIG_DATABASE_URL", database)
        monkeypatch.setenv("EIG_CONFIG", str(server_config(tmp_path / "eig.yaml")))
        monkeypatch.setenv("EIG_SMTP_URL", smtp.url)
        monkeypatch.setenv("EIG_MAILDIR", str(maildir))
        monkeypatch.setenv("EIG_DOCUMENTS_DIR", str(tmp_path / "documents"))
        monkeypatch.setenv("PREFECT_API_URL", prefect_server.api)
        store = Store(database)
        try:
            yield {"sandbox": sandbox, "smtp": smtp, "store": store, "maildir": maildir,
                   "clock": clock}
        finally:
            store.close()


def server_config(path: Path) -> Path:
    """The embedded configuration, DS's pace raised (the sandbox is not DS), and alerts
    that come within a test's minutes: deliberate-candidats is late after LATE_SECONDS, a
    committee is reminded after REMINDER_SECONDS, a silent run is a zombie after
    ZOMBIE_SECONDS."""
    raw = yaml.safe_load((PROJECT_ROOT / "config" / "eig.yaml").read_text(encoding="utf-8"))
    raw["sync"]["requests_per_minute"] = 100_000
    raw["evaluation"]["prefill_requests_per_window"] = 10_000
    raw["evaluation"]["prefill_window_seconds"] = 1
    raw["operations"]["expected_minutes"]["deliberate-candidats"] = LATE_SECONDS / 60
    raw["deliberation"]["approval_timeout_hours"] = REMINDER_SECONDS / 3600
    raw["operations"]["zombie_after_seconds"] = ZOMBIE_SECONDS
    raw["operations"]["alert_relaunch_after_seconds"] = RELAUNCH_SECONDS
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
