"""The client-side rate limit (per token, shared by the process) and the 429 waits."""

from __future__ import annotations

import threading
import uuid

import httpx
import pytest

from connectors.ds import (
    DSBudgetError,
    DSClient,
    DSRateLimitError,
    RateLimiter,
    limiter_for_token,
    token_bucket,
)
from tests.unit.ds_fakes import API_URL, FakeTime

OK = {"data": {"dossier": {"id": "RG9zc2llci0x", "number": 1}}}
WINDOW = 60.0


class RecordingDS:
    """A mock DS noting the (fake) time of each request it receives."""

    def __init__(self, time_: FakeTime, *answers: httpx.Response) -> None:
        self.time = time_
        self.answers = list(answers) or [httpx.Response(200, json=OK)]
        self.received: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.received.append(self.time.now)
        return self.answers[min(len(self.received), len(self.answers)) - 1]


def new_token() -> str:
    return f"secret-{uuid.uuid4()}"


def client_for(ds: RecordingDS, token: str, time_: FakeTime, **kwargs) -> DSClient:
    return DSClient(
        API_URL,
        token,
        transport=httpx.MockTransport(ds),
        sleep=time_.sleep,
        clock=time_.clock,
        **kwargs,
    )


def max_in_any_window(times: list[float], window: float = WINDOW) -> int:
    """Most requests in any window of `window` seconds, both ends included."""
    times = sorted(times)
    return max(sum(1 for t in times if start <= t <= start + window) for start in times)


def test_the_limiter_never_lets_more_than_n_requests_in_any_window() -> None:
    time_ = FakeTime()
    ds = RecordingDS(time_)
    with client_for(ds, new_token(), time_, requests_per_minute=5) as client:
        for number in range(17):
            client.execute("dossier", {"number": number})
            time_.now += 7.0  # some work between requests, shorter than the window

    assert len(ds.received) == 17
    assert max_in_any_window(ds.received) == 5
    assert time_.sleeps, "the limiter must have made the client wait"
    # It waits, rather than failing, and no longer than needed: the 6th request goes out
    # as soon as the 1st leaves the window.
    assert ds.received[5] - ds.received[0] == pytest.approx(WINDOW, abs=0.01)


def test_two_clients_with_the_same_token_share_the_budget() -> None:
    time_ = FakeTime()
    token = new_token()
    ds = RecordingDS(time_)
    with (
        client_for(ds, token, time_, requests_per_minute=4) as first,
        client_for(ds, token, time_, requests_per_minute=4) as second,
    ):
        for number in range(6):
            first.execute("dossier", {"number": number})
            second.execute("dossier", {"number": number})

    assert len(ds.received) == 12
    assert max_in_any_window(ds.received) == 4
    assert first.requests_sent == 6 and second.requests_sent == 6


def test_clients_with_different_tokens_do_not_share_the_budget() -> None:
    time_ = FakeTime()
    ds = RecordingDS(time_)
    with (
        client_for(ds, new_token(), time_, requests_per_minute=4) as first,
        client_for(ds, new_token(), time_, requests_per_minute=4) as second,
    ):
        for number in range(4):
            first.execute("dossier", {"number": number})
            second.execute("dossier", {"number": number})

    assert len(ds.received) == 8
    assert time_.sleeps == []  # each token had its own 4 requests


def test_the_registry_is_keyed_by_token_and_the_strictest_limit_wins() -> None:
    token = new_token()
    limiter = limiter_for_token(token, 400)
    assert limiter_for_token(token, 400) is limiter
    assert limiter_for_token(new_token(), 400) is not limiter
    limiter_for_token(token, 100)
    assert limiter.limit == 100
    limiter_for_token(token, 400)
    assert limiter.limit == 100


def test_the_limiter_is_thread_safe() -> None:
    limiter = RateLimiter(limit=5, period=WINDOW)
    admitted: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(20)

    class MustWait(Exception):
        pass

    def refuse_to_sleep(seconds: float) -> None:
        raise MustWait

    def worker(index: int) -> None:
        start.wait()
        try:
            limiter.acquire(lambda: 1_000.0, refuse_to_sleep)
        except MustWait:
            return
        with lock:
            admitted.append(index)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(admitted) == 5


def test_429_waits_until_the_reset_epoch_then_resumes() -> None:
    time_ = FakeTime()
    reset = time_.now + 37  # DS sends an absolute epoch, and no Retry-After
    ds = RecordingDS(
        time_,
        httpx.Response(429, text="Too many requests", headers={"RateLimit-Reset": str(int(reset))}),
        httpx.Response(200, json=OK),
    )
    with client_for(ds, new_token(), time_) as client:
        assert client.execute("dossier", {"number": 1}) == OK["data"]
        assert client.requests_sent == 2

    first, second = ds.received
    assert second >= reset  # the retry waited for the window to reset...
    assert second - reset <= 2.0  # ...plus a small margin only
    assert sum(time_.sleeps) == pytest.approx(second - first)


def test_429_wait_is_capped_by_max_rate_limit_wait() -> None:
    time_ = FakeTime()
    far = str(int(time_.now) + 3_600)
    ds = RecordingDS(
        time_,
        httpx.Response(429, headers={"RateLimit-Reset": far}),
        httpx.Response(200, json=OK),
    )
    with client_for(ds, new_token(), time_, max_rate_limit_wait=90.0) as client:
        client.execute("dossier", {"number": 1})
    assert ds.received[1] - ds.received[0] == pytest.approx(90.0)


def test_a_429_pauses_every_client_of_the_token_and_only_them() -> None:
    time_ = FakeTime()
    token = new_token()
    reset = time_.now + 20
    limited = RecordingDS(time_, httpx.Response(429, headers={"RateLimit-Reset": str(int(reset))}))
    same_token = RecordingDS(time_)
    other_token = RecordingDS(time_)
    with (
        client_for(limited, token, time_, max_attempts=1) as first,
        client_for(same_token, token, time_) as second,
        client_for(other_token, new_token(), time_) as third,
    ):
        with pytest.raises(DSRateLimitError):
            first.execute("dossier", {"number": 1})
        third.execute("dossier", {"number": 3})
        second.execute("dossier", {"number": 2})

    assert other_token.received[0] < reset  # another token's budget is untouched
    assert same_token.received[0] >= reset  # the same token waits for DS's reset


def test_429_is_bounded_and_raises_with_the_reset_epoch() -> None:
    time_ = FakeTime()
    reset = int(time_.now) + 30
    ds = RecordingDS(time_, httpx.Response(429, headers={"RateLimit-Reset": str(reset)}))
    client = client_for(ds, new_token(), time_, max_attempts=3)
    with client, pytest.raises(DSRateLimitError) as caught:
        client.execute("dossier", {"number": 1})

    assert len(ds.received) == 3
    assert caught.value.reset_at == reset
    assert caught.value.status_code == 429
    assert "GetDossier (number=1)" in str(caught.value)
    assert "400 requests per minute per token" in str(caught.value)


class FakeBudget:
    """A `SharedBudget` that notes what it was asked (the store's is tested elsewhere)."""

    def __init__(self, time_: FakeTime, fail: Exception | None = None) -> None:
        self.time = time_
        self.fail = fail
        self.acquired: list[float] = []
        self.pauses: list[float] = []

    def acquire(self, clock, sleep) -> float:
        if self.fail is not None:
            raise self.fail
        self.acquired.append(clock())
        return 0.0

    def pause_until(self, epoch: float) -> None:
        self.pauses.append(epoch)


def test_every_request_spends_the_shared_budget_and_a_429_pauses_it() -> None:
    time_ = FakeTime()
    reset = time_.now + 20
    ds = RecordingDS(
        time_,
        httpx.Response(200, json=OK),
        httpx.Response(429, headers={"RateLimit-Reset": str(int(reset))}),
        httpx.Response(200, json=OK),
    )
    budget = FakeBudget(time_)
    with client_for(ds, new_token(), time_, budget=budget) as client:
        client.execute("dossier", {"number": 1})
        client.execute("dossier", {"number": 2})  # 429, then sent again after the reset

    assert budget.acquired == ds.received  # one token per request sent, retries included
    assert budget.pauses == [pytest.approx(reset + 1.0)]  # DS's reset + the margin


def test_a_budget_that_cannot_be_consulted_fails_and_nothing_is_sent() -> None:
    time_ = FakeTime()
    ds = RecordingDS(time_)
    budget = FakeBudget(time_, fail=RuntimeError("le budget partagé est inaccessible"))
    with (
        client_for(ds, new_token(), time_, budget=budget) as client,
        pytest.raises(DSBudgetError, match="le budget partagé est inaccessible"),
    ):
        client.execute("dossier", {"number": 1})
    assert ds.received == []


def test_the_local_limiter_counts_in_the_configured_window() -> None:
    time_ = FakeTime()
    ds = RecordingDS(time_)
    with client_for(ds, new_token(), time_, requests_per_minute=3, window_seconds=5) as client:
        for number in range(7):
            client.execute("dossier", {"number": number})
    assert max_in_any_window(ds.received, 5.0) == 3
    assert ds.received[-1] - ds.received[0] == pytest.approx(10.0, abs=0.01)


def test_a_token_s_bucket_is_a_hash_of_it() -> None:
    token = new_token()
    assert token_bucket(token) == token_bucket(token) != token_bucket(new_token())
    assert token not in token_bucket(token) and len(token_bucket(token)) <= 96
