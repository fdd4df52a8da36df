"""A sync process killed between two pages leaves a consistent store; the next run resumes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from ds_sandbox import CANDIDATS
from settings.environment import PROJECT_ROOT
from tests.integration.sync_helpers import by_role, run_sync

pytestmark = pytest.mark.both_dialects  # the SQL dialect matters here


def stream_order(sandbox, demarche: int) -> list[int]:
    """The dossiers of a démarche in DS's updatedSince order: (updated_at, id)."""
    with sandbox.state.lock:
        records = [r for r in sandbox.state.dossiers.values()
                   if r.demarche == demarche and r.hidden_at is None]
    return [r.number for r in sorted(records, key=lambda r: (r.updated_at, r.number))]


def test_killed_between_pages_then_resumed(sandbox, store, prefect_harness):
    original = sandbox.handle

    def slow_handle(authorization, body):
        time.sleep(0.3)  # time to be killed between two pages
        return original(authorization, body)

    sandbox.handle = slow_handle
    env = {**os.environ, "PREFECT_API_URL": prefect_harness}
    child = subprocess.Popen([sys.executable, "-m", "eig", "sync", "--full"], cwd=PROJECT_ROOT,
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while len(store.dossiers(CANDIDATS.number)) == 0:
            assert child.poll() is None, child.stderr.read().decode()
            assert time.monotonic() < deadline, "the sync never stored a candidats page"
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()

    stored = set(store.dossiers(CANDIDATS.number))
    order = stream_order(sandbox, CANDIDATS.number)
    assert 0 < len(stored) < len(order), "killed too late to test a resume"
    assert len(stored) % 100 == 0, "a page was stored partially"
    assert stored == set(order[: len(stored)]), "the store is not a prefix of the stream"
    cursor = store.positions(CANDIDATS.number)["dossiers"].cursor
    assert cursor is not None

    sandbox.handle = original
    _, summary = run_sync()
    candidats = by_role(summary, "candidats")
    remaining_pages = -(-(len(order) - len(stored)) // 100)
    assert candidats["requests"] == max(remaining_pages, 1)
    assert candidats["created"] == len(order) - len(stored)
    assert set(store.dossiers(CANDIDATS.number)) == set(order)
