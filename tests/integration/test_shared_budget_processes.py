"""Three processes, one DS token, one store: together they stay under DS's limit.

A sandbox served over HTTP counts 40 requests per fixed 5-second window (DS: 400 per
minute); three real processes (tests/integration/budget_child.py) each send far more than
that — a full sync and, at the same time, label rounds through `connectors.ds` — with the
pipeline's window set to match. The sandbox then reports, for the token, its busiest
window and its 429 answers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from connectors.ds import token_bucket
from connectors.store.budget import shared_budget
from ds_sandbox import DEFAULT_TOKEN, PROJETS
from flows.runtime import open_store
from settings.environment import PROJECT_ROOT

# The dialect matters; and these tests' processes keep to 5-second windows to within a
# second: one at a time (one pytest-xdist worker), not six processes racing for two cores.
pytestmark = [pytest.mark.both_dialects, pytest.mark.xdist_group("budget-processes")]

LIMIT = 40
WINDOW = 5.0
PROCESSES = 3


def tight_config(path: Path, page_size: int = 20) -> Path:
    """The embedded configuration with the sandbox's pace, and small pages (more requests)."""
    raw = yaml.safe_load((PROJECT_ROOT / "config" / "eig.yaml").read_text(encoding="utf-8"))
    raw["sync"].update(requests_per_minute=LIMIT, rate_window_seconds=WINDOW,
                       page_size=page_size, min_page_size=min(10, page_size))
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def run_children(mode: str, env: dict[str, str], dossiers: list[int], rounds: int,
                 logs: Path, timeout: float = 300) -> list[dict]:
    """Start the processes, let them import, start them together, collect their summaries."""
    children = []
    for index, number in enumerate(dossiers):
        log = (logs / f"{mode}-{index}.log").open("w")
        children.append((subprocess.Popen(
            [sys.executable, "-m", "tests.integration.budget_child", mode,
             "--dossier", str(number), "--rounds", str(rounds)],
            cwd=PROJECT_ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=log, text=True), log))
    try:
        for child, _ in children:
            assert child.stdout is not None and child.stdout.readline().strip() == "ready", \
                f"a {mode} process did not start: see {logs}"
        for child, _ in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        summaries = []
        deadline = time.monotonic() + timeout
        for child, log in children:
            out, _ = child.communicate(timeout=max(1.0, deadline - time.monotonic()))
            log.close()
            assert child.returncode == 0, (logs / f"{mode}-{children.index((child, log))}.log"
                                           ).read_text()[-3000:]
            summaries.append(json.loads(out.strip().splitlines()[-1]))
        return summaries
    finally:
        for child, log in children:
            if child.poll() is None:
                child.kill()
            log.close()


def child_env(sandbox_url: str, database_url: str, config: Path, prefect_api: str
              ) -> dict[str, str]:
    return {**os.environ, "EIG_DS_API_URL": f"{sandbox_url}/api/v2/graphql",
            "EIG_DS_API_TOKEN": DEFAULT_TOKEN, "EIG_DATABASE_URL": database_url,
            "EIG_CONFIG": str(config), "PREFECT_API_URL": prefect_api}


def projets_numbers(sandbox, count: int) -> list[int]:
    with sandbox.state.lock:
        numbers = sorted(r.number for r in sandbox.state.dossiers.values()
                         if r.demarche == PROJETS.number and r.hidden_at is None)
    return numbers[:count]


@pytest.mark.sandbox(requests_per_window=LIMIT, window_seconds=WINDOW)
def test_three_processes_syncing_and_mutating_stay_under_the_limit_together(
        sandbox, sandbox_url, database_url, prefect_harness, tmp_path):
    open_store(database_url).dispose()  # migrated once, before the processes start
    env = child_env(sandbox_url, database_url, tight_config(tmp_path / "eig.yaml"),
                    prefect_harness)
    sandbox.stats.reset()
    started = time.monotonic()
    summaries = run_children("shared", env, projets_numbers(sandbox, PROCESSES), rounds=20,
                             logs=tmp_path)
    elapsed = time.monotonic() - started

    for summary in summaries:
        assert "error" not in summary, summary
        assert summary["sync_status"] == "ok" and summary["rounds"] == 20
        # each process alone asks for far more than a window allows
        assert summary["sync_requests"] + summary["mutation_requests"] > LIMIT
    total = sandbox.stats.count(token=DEFAULT_TOKEN)
    assert total >= sum(s["sync_requests"] + s["mutation_requests"] for s in summaries)
    assert total > PROCESSES * LIMIT
    seen = sandbox.stats.rate_limit()
    assert sandbox.stats.rate_limited(DEFAULT_TOKEN) == 0, seen
    assert sandbox.stats.max_in_window(DEFAULT_TOKEN) <= LIMIT, seen
    # ...and the budget was what held them back: they needed at least that many windows
    assert elapsed >= (total // LIMIT - 1) * WINDOW
    bucket = token_bucket(DEFAULT_TOKEN)
    row = shared_budget(database_url, bucket, LIMIT, WINDOW).state()
    assert row is not None and row.used <= LIMIT and row.paused_until == 0.0


@pytest.mark.sandbox(requests_per_window=LIMIT, window_seconds=WINDOW)
def test_without_the_shared_budget_three_processes_exceed_the_limit(
        sandbox, sandbox_url, sqlite_url, prefect_harness, tmp_path):
    env = child_env(sandbox_url, sqlite_url, tight_config(tmp_path / "eig.yaml"),
                    prefect_harness)
    sandbox.stats.reset()
    summaries = run_children("local", env, projets_numbers(sandbox, PROCESSES),
                             rounds=LIMIT + 5, logs=tmp_path)
    assert all(s["rounds"] == LIMIT + 5 for s in summaries)
    # each process keeps to 40 per window on its own; together they do not
    seen = sandbox.stats.rate_limit()
    assert sandbox.stats.max_in_window(DEFAULT_TOKEN) > LIMIT, seen
    assert sandbox.stats.rate_limited(DEFAULT_TOKEN) > 0, seen
