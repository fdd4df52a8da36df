"""Store leases: one holder at a time, a second run waits then gives up naming the
holder, an expired lease is taken over, a subflow of the holder passes through."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from connectors.store import leases
from connectors.store.engine import make_sessionmaker
from flows.guard import StageBusy, stage_lease
from flows.runtime import open_store

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


class Rt:  # what stage_lease needs of a Runtime
    def __init__(self, sessions):
        self.sessions = sessions


@pytest.fixture
def rt(tmp_path):
    engine = open_store(f"sqlite:///{tmp_path / 'eig.sqlite'}")
    yield Rt(make_sessionmaker(engine))
    engine.dispose()


def test_acquire_renew_release_and_take_over(rt):
    ttl = timedelta(seconds=90)
    with rt.sessions.begin() as session:
        assert leases.acquire(session, "assignments", "a", {"pid": "1"}, NOW, ttl)
        assert not leases.acquire(session, "assignments", "b", {"pid": "2"}, NOW, ttl)
        assert leases.acquire(session, "assignments", "a", {"pid": "1"}, NOW, ttl)  # ours
        assert leases.renew(session, "assignments", "a", NOW + ttl, ttl)
        later = NOW + 3 * ttl  # a's process died: its lease ran out
        assert leases.acquire(session, "assignments", "b", {"pid": "2"}, later, ttl)
        assert not leases.renew(session, "assignments", "a", later, ttl)
        assert leases.holder(session, "assignments", later).owner == "b"
        leases.release(session, "assignments", "b")
        assert leases.holder(session, "assignments", later) is None


def test_a_second_run_waits_then_gives_up_naming_the_holder(rt):
    entered = threading.Event()
    leave = threading.Event()

    def holder():
        with stage_lease(rt, "score-dossiers"):
            entered.set()
            leave.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    entered.wait(10)
    with pytest.raises(StageBusy, match="score-dossiers : déjà en cours dans le run"), \
            stage_lease(rt, "score-dossiers", wait=0.3, poll=0.1):
        pass
    leave.set()
    thread.join()
    with stage_lease(rt, "score-dossiers", wait=0.3, poll=0.1):  # free again
        pass


def test_the_waiting_run_goes_on_once_the_holder_is_done(rt):
    order: list[str] = []
    entered = threading.Event()

    def holder():
        with stage_lease(rt, "assignments"):
            entered.set()
            time.sleep(0.5)
            order.append("first")

    thread = threading.Thread(target=holder)
    thread.start()
    entered.wait(10)
    with stage_lease(rt, "assignments", wait=10, poll=0.05):
        order.append("second")
    thread.join()
    assert order == ["first", "second"]


def test_a_subflow_of_the_holder_passes_through(rt):
    with stage_lease(rt, "assignments"), stage_lease(rt, "assignments", wait=0.1):
        pass
