"""Client-side rate limiting (DS counts 400 requests per minute per token).

Two layers, both crossed before each request:
- `RateLimiter`, shared by every thread of the process that spends the same budget: DS
  counts fixed one-minute windows; we keep at most `limit` requests in any *rolling*
  window, which can never exceed a fixed one. The rolling-window log is pyrate-limiter's
  `InMemoryBucket`; the waiting loop is ours, because pyrate-limiter's `Limiter` sleeps
  with `time.sleep` and its own clock, which tests could not control.
- a `SharedBudget`, when one is given: the same budget counted for every *process* that
  uses the token (the pipeline's is kept in the store, `connectors/store/budget.py`; this
  package only knows the protocol, so that it never imports the store).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Mapping
from typing import Protocol

from pyrate_limiter import InMemoryBucket, Rate, RateItem

Clock = Callable[[], float]
"""Returns the current time in epoch seconds (like `time.time`)."""
Sleep = Callable[[float], None]
"""Waits for the given number of seconds (like `time.sleep`)."""

DS_REQUESTS_PER_MINUTE = 400
DS_WINDOW_SECONDS = 60.0
"""DS counts its budget in fixed windows of one minute, aligned on the epoch."""


class SharedBudget(Protocol):
    """A request budget shared with other processes (e.g. kept in the store).

    `acquire` is called just before each request is sent (after the process's own
    `RateLimiter`), `pause_until` when DS answered 429. Both may raise when the budget
    cannot be consulted: the request is then not sent (rather than risk exceeding DS's
    limit), and the error's message says what to do.
    """

    def acquire(self, clock: Clock, sleep: Sleep) -> float:
        """Wait until one more request may be sent now; return the seconds waited."""
        ...

    def pause_until(self, epoch: float) -> None:
        """Let no request of any process through before `epoch` (epoch seconds)."""
        ...


def token_bucket(token: str) -> str:
    """The name of a token's budget: a hash of it (the token itself is never stored)."""
    return "ds-token:" + hashlib.sha256(token.encode()).hexdigest()


class RateLimiter:
    """At most `limit` acquisitions in any rolling `period` (seconds); `acquire` blocks.

    Thread-safe. The clock and sleep are passed on each call so that every client can
    inject its own (tests pass fake ones); clients sharing a limiter must share a clock.
    """

    def __init__(self, limit: int, period: float = 60.0) -> None:
        if limit < 1 or period <= 0:
            raise ValueError(f"a rate limit needs limit >= 1 and period > 0, got {limit}/{period}")
        self._period_ms = round(period * 1000)
        self._bucket = InMemoryBucket([Rate(limit, self._period_ms)])
        self._lock = threading.Lock()
        self._paused_until = 0.0
        self.limit = limit
        self.period = period

    def acquire(self, clock: Clock, sleep: Sleep) -> float:
        """Wait until one more request fits, record it, and return the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = clock()
                wait = self._paused_until - now
                if wait <= 0:
                    item = RateItem("ds", int(now * 1000))
                    self._forget_future(item.timestamp)
                    if self._bucket.put(item):
                        self._trim(item.timestamp)
                        return waited
                    wait = max(int(self._bucket.waiting(item)), 1) / 1000
            sleep(wait)  # outside the lock, so other keys and threads are not held up
            waited += wait

    def pause_until(self, epoch: float) -> None:
        """Let no request through before `epoch` (DS said the window is spent)."""
        with self._lock:
            self._paused_until = max(self._paused_until, epoch)

    def tighten(self, limit: int) -> None:
        """Lower the limit (never raise it): the strictest caller of a shared budget wins."""
        with self._lock:
            if limit < self.limit:
                self.limit = limit
                self._bucket.rates = [Rate(limit, self._period_ms)]

    def _forget_future(self, now_ms: int) -> None:
        # The wall clock went back (NTP): entries from "the future" would block for as
        # long as the jump; forget them rather than stall.
        newest = self._bucket.peek(0)
        if newest is not None and newest.timestamp > now_ms + 1000:
            self._bucket.flush()

    def _trim(self, now_ms: int) -> None:
        # Keep the log bounded: drop entries older than the window from time to time.
        if self._bucket.count() > 2 * self.limit:
            self._bucket.leak(now_ms)


class RateLimiterRegistry:
    """One `RateLimiter` per key for the whole process (thread-safe)."""

    def __init__(self) -> None:
        self._limiters: dict[str, RateLimiter] = {}
        self._lock = threading.Lock()

    def get(self, key: str, limit: int, period: float = 60.0) -> RateLimiter:
        with self._lock:
            limiter = self._limiters.get(key)
            if limiter is None:
                limiter = self._limiters[key] = RateLimiter(limit, period)
            else:
                limiter.tighten(limit)
            return limiter


_REGISTRY = RateLimiterRegistry()


def reset_limiters() -> None:
    """Forget every budget (tests: each test's sandbox is a new DS with a fresh window)."""
    with _REGISTRY._lock:
        _REGISTRY._limiters.clear()


def limiter_for_token(
    token: str,
    requests_per_minute: int = DS_REQUESTS_PER_MINUTE,
    window_seconds: float = DS_WINDOW_SECONDS,
) -> RateLimiter:
    """The process-wide limiter of `token` (keyed by a hash: the token is never stored):
    `requests_per_minute` in any `window_seconds` (DS: one minute; tests use shorter)."""
    return _REGISTRY.get(token_bucket(token), requests_per_minute, window_seconds)


def limiter_for_key(key: str, limit: int, period: float) -> RateLimiter:
    """The process-wide limiter of another budget, e.g. DS prefill (15 per 15 s per IP)."""
    return _REGISTRY.get(key, limit, period)


def rate_limit_reset(headers: Mapping[str, str]) -> float | None:
    """`RateLimit-Reset` as epoch seconds (DS sends an absolute epoch), or None."""
    raw = headers.get("RateLimit-Reset")
    if raw is None:
        return None
    try:
        return float(raw)
    except ValueError:
        return None
