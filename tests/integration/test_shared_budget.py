"""The request budget shared by every process that uses the same store
(`connectors/store/budget.py`), on SQLite and PostgreSQL.

Each "process" here is a `StoreBudget` with an engine of its own, as a separate process
would have; the clock and sleep are fake and shared (the tests wait for nothing).
"""

from __future__ import annotations

import threading
import time
import uuid

import httpx
import pytest
from sqlalchemy import text

from connectors.ds import DSBudgetError, DSClient
from connectors.store.budget import (
    BudgetUnavailableError,
    Reservation,
    StoreBudget,
    budget_url,
    close_budgets,
    shared_budget,
)
from connectors.store.engine import make_engine
from flows.runtime import open_store
from tests.unit.ds_fakes import API_URL, FakeTime

pytestmark = pytest.mark.both_dialects  # the SQL dialect matters here

WINDOW = 10.0
LIMIT = 20


@pytest.fixture(autouse=True)
def _close_budgets():
    yield
    close_budgets()


@pytest.fixture
def store_url(database_url: str) -> str:
    open_store(database_url).dispose()  # migrated, as every flow run finds it
    return database_url


@pytest.fixture
def time_() -> FakeTime:
    return FakeTime()  # 1_700_000_000.0: the start of a window of 10 s


class Process:
    """A budget as one process holds it: its own engine on the shared store."""

    def __init__(self, url: str, time_: FakeTime, bucket: str, limit: int = LIMIT,
                 **options) -> None:
        side = budget_url(url)
        self.engine = make_engine(side)
        self.budget = StoreBudget(self.engine, bucket, limit, WINDOW,
                                  create_table=side != url, **options)
        self.time = time_
        self.sent: list[float] = []

    def send(self) -> float:
        waited = self.budget.acquire(self.time.clock, self.time.sleep)
        self.sent.append(self.time.now)
        return waited

    def close(self) -> None:
        self.engine.dispose()


@pytest.fixture
def processes(store_url: str, time_: FakeTime):
    bucket = f"test:{uuid.uuid4().hex}"
    made: list[Process] = []

    def make(**options) -> Process:
        made.append(Process(store_url, time_, bucket, **options))
        return made[-1]

    yield make
    for process in made:
        process.close()


def per_window(times: list[float]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for t in times:
        counts[int(t // WINDOW)] = counts.get(int(t // WINDOW), 0) + 1
    return counts


def test_blocks_grow_while_busy_and_shrink_near_the_limit(processes, time_, monkeypatch):
    one = processes()
    grants: list[int] = []
    reserve = one.budget.reserve

    def spy(now: float, want: int) -> Reservation:
        reservation = reserve(now, want)
        grants.append(reservation.tokens)
        return reservation

    monkeypatch.setattr(one.budget, "reserve", spy)
    for _ in range(LIMIT):
        assert one.send() == 0.0
    # 1, 2, 4 (doubling), then at most a quarter of what is left (at least one)
    assert grants == [1, 2, 4, 3, 2, 2, 1, 1, 1, 1, 1, 1]
    row = one.budget.state()
    assert (row.window_start, row.used) == (1_700_000_000, LIMIT)


def test_a_spent_window_waits_for_the_next_one_which_starts_afresh(processes, time_):
    one = processes()
    for _ in range(LIMIT):
        one.send()
        time_.now += 0.1
    waited = one.send()  # the 21st: the window is spent
    assert time_.now == 1_700_000_010.0 and waited == pytest.approx(10 - 2.0)
    assert per_window(one.sent) == {170_000_000: LIMIT, 170_000_001: 1}
    row = one.budget.state()
    # counted afresh; a busy process starts the window with half its last block
    assert (row.window_start, row.used) == (1_700_000_010, 5)


def test_unused_tokens_are_dropped_at_the_end_of_their_window(processes, time_):
    one = processes()
    for _ in range(7):  # blocks of 1, 2, 4: all used
        one.send()
    one.send()  # a block of 8 (at most a quarter of the 13 left: 3): 2 left unused
    assert one.budget.state().used == 10
    time_.now = 1_700_000_010.5  # the next window
    one.send()
    row = one.budget.state()
    assert row.window_start == 1_700_000_010
    assert row.used <= 4  # a new block, not last window's leftovers
    assert one.budget._tokens == row.used - 1


def test_the_last_moments_of_a_window_send_nothing(processes, time_):
    one = processes()
    time_.now = 1_700_000_009.5  # within the margin (a fifth of the window, at most 1 s)
    waited = one.send()
    assert waited == pytest.approx(0.5)
    assert one.sent == [1_700_000_010.0]


def test_two_processes_share_one_budget(processes, time_):
    first, second = processes(), processes()
    for _ in range(3 * LIMIT):  # three windows' worth, in turns
        first.send()
        second.send()
        time_.now += 0.05
    everything = first.sent + second.sent
    assert max(per_window(everything).values()) <= LIMIT
    assert len(per_window(everything)) >= 6  # they had to wait for later windows
    # neither starved: each got a fair share of every full window
    assert min(per_window(first.sent).values()) >= 5
    assert min(per_window(second.sent).values()) >= 5


def test_threads_of_one_process_share_its_block(store_url):
    # real time (threads and a fake clock do not mix): windows of 1 s, 40 requests each
    budget = shared_budget(store_url, f"test:{uuid.uuid4().hex}", 40, 1.0)
    assert shared_budget(store_url, budget.bucket, 40, 1.0) is budget
    sent: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(20):
            budget.acquire()
            with lock:
                sent.append(time.time())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(sent) == 80
    windows: dict[int, int] = {}
    for t in sent:
        windows[int(t)] = windows.get(int(t), 0) + 1
    assert max(windows.values()) <= 40
    assert budget.reservations < 80 // 2  # tokens went to the threads in blocks


def test_a_429_seen_by_one_process_pauses_the_others(processes, time_):
    first, second = processes(), processes()
    first.send()
    second.send()
    first.budget.pause_until(1_700_000_031.0)  # DS's RateLimit-Reset (+ margin)
    assert first.budget.state().paused_until == 1_700_000_031.0
    waited = second.send()  # its block is spent: it learns of the pause from the store
    assert second.sent[-1] >= 1_700_000_031.0 and waited >= 31.0 - 1
    first.send()
    assert first.sent[-1] >= 1_700_000_031.0
    # an earlier pause never shortens a later one
    second.budget.pause_until(1_700_000_020.0)
    assert second.budget.state().paused_until == 1_700_000_031.0


def test_limit_per_window_across_processes_and_windows(processes, time_):
    many = [processes() for _ in range(3)]
    for step in range(200):
        many[step % 3].send()
        time_.now += 0.03
    everything = [t for p in many for t in p.sent]
    assert max(per_window(everything).values()) <= LIMIT
    assert sum(per_window(everything).values()) == 200


def test_the_budget_shares_the_store_file_on_postgresql_or_a_side_file_on_sqlite(store_url):
    side = budget_url(store_url)
    if store_url.startswith("sqlite"):
        assert side.endswith(".budgets.sqlite") and side != store_url
    else:
        assert side == store_url


def test_an_unreachable_store_fails_in_french_and_sends_nothing(time_):
    # nothing listens there (the port range is ours)
    url = "postgresql+psycopg://postgres@127.0.0.1:18899/nowhere?connect_timeout=2"
    budget = shared_budget(url, f"test:{uuid.uuid4().hex}", LIMIT, WINDOW)
    with pytest.raises(BudgetUnavailableError, match="inaccessible.*Aucune requête"):
        budget.acquire(time_.clock, time_.sleep)

    sent: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda request: sent.append(request) or httpx.Response(
        200, json={"data": {"dossier": {"id": "RG9zc2llci0x", "number": 1}}}))
    with (
        DSClient(API_URL, f"secret-{uuid.uuid4()}", budget=budget, transport=transport,
                 clock=time_.clock, sleep=time_.sleep) as client,
        pytest.raises(DSBudgetError, match="budget de requêtes partagé") as caught,
    ):
        client.execute("dossier", {"number": 1})
    assert sent == []
    assert "secret-" not in str(caught.value)


def test_the_side_file_is_created_once_by_concurrent_processes(store_url, time_):
    if not store_url.startswith("sqlite"):
        pytest.skip("PostgreSQL keeps budgets in the migrated store")
    bucket = f"test:{uuid.uuid4().hex}"
    made = [Process(store_url, time_, bucket) for _ in range(4)]
    errors: list[BaseException] = []

    def first_send(process: Process) -> None:
        try:
            process.budget.acquire(time_.clock, lambda _s: None)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=first_send, args=(p,)) for p in made]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [], [str(e) for e in errors]
    with made[0].engine.connect() as conn:
        assert conn.execute(text("SELECT used FROM rate_budgets")).scalar() == 4
    for process in made:
        process.close()
