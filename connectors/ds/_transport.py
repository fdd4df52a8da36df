"""The httpx transport every DS request goes through: rate limit (the process's, then the
budget shared with other processes), 429 waits, retries, request counting.

It wraps another httpx transport (the network one, or `httpx.MockTransport` in tests)
and never raises for an HTTP status: after its retries it returns DS's last answer, and
callers map error statuses with `_error_mapping`. Only an unreachable DS raises
(`DSNetworkError`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    retry_if_result,
    stop_after_attempt,
    wait_exponential_jitter,
)

from ._exceptions import DSBudgetError, DSError, DSNetworkError
from ._rate_limit import Clock, RateLimiter, SharedBudget, Sleep, rate_limit_reset

log = logging.getLogger("connectors.ds")

NOT_IDEMPOTENT = "ds_not_idempotent"
"""Request extension: set it to True on a request that must not run twice (a mutation);
such a request is retried only when it surely did not reach DS (connection failures,
429), never after a 5xx or a read timeout."""

RATE_LIMIT_MARGIN = 1.0
"""Seconds added to DS's `RateLimit-Reset`, against clock skew between DS and us."""

_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
TRANSIENT_HTTP_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
"""Network failures worth retrying (the request may not have reached DS, or its answer
was lost)."""
_TRANSIENT = TRANSIENT_HTTP_ERRORS


class DSTransport(httpx.BaseTransport):
    """Sends each request through the process's `limiter`, then the `budget` shared with
    other processes (if any; last, so that a token of the budget is spent at once); on
    HTTP 429 pauses both until DS's `RateLimit-Reset` (+ margin, at most
    `max_rate_limit_wait` seconds) and resends; on 5xx or a network error retries with
    jittered exponential backoff, at most `max_attempts` sends in all for each cause.

    A budget that cannot be consulted raises `DSBudgetError` and nothing is sent."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        *,
        limiter: RateLimiter,
        budget: SharedBudget | None = None,
        max_attempts: int = 5,
        max_rate_limit_wait: float = 120.0,
        backoff_initial: float = 1.0,
        backoff_max: float = 30.0,
        sleep: Sleep = time.sleep,
        clock: Clock = time.time,
    ) -> None:
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1, got {max_attempts}")
        self._inner = inner
        self._limiter = limiter
        self._budget = budget
        self._max_attempts = max_attempts
        self._max_rate_limit_wait = max_rate_limit_wait
        self._wait = wait_exponential_jitter(initial=backoff_initial, max=backoff_max, jitter=1.0)
        self._sleep = sleep
        self._clock = clock
        self._count_lock = threading.Lock()
        self.requests_sent = 0
        """HTTP requests actually handed to the network (retries included)."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        idempotent = not request.extensions.get(NOT_IDEMPOTENT, False)
        retryable = _TRANSIENT if idempotent else _NEVER_SENT
        retrying = Retrying(
            stop=stop_after_attempt(self._max_attempts),
            wait=self._wait,
            retry=(
                retry_if_exception(lambda exc: isinstance(exc, retryable))
                | retry_if_result(lambda response: idempotent and response.status_code >= 500)
            ),
            sleep=self._sleep,
            before_sleep=_discard_and_log,
            # Once attempts are spent: return the last 5xx (callers map it), or re-raise.
            retry_error_callback=lambda state: state.outcome.result(),  # type: ignore[union-attr]
        )
        try:
            return retrying(self._send_waiting_out_429, request)
        except httpx.TransportError as exc:
            attempts = retrying.statistics.get("attempt_number", 1)
            raise DSNetworkError(
                f"could not reach {request.url.copy_with(query=None)} after {attempts} "
                f"attempt(s) ({exc!r}): check the network and the DS API URL, then re-run",
                attempts=attempts,
            ) from exc

    def close(self) -> None:
        self._inner.close()

    def _send_waiting_out_429(self, request: httpx.Request) -> httpx.Response:
        for attempt in range(1, self._max_attempts + 1):
            response = self._send(request)
            if response.status_code != 429:
                return response
            # The window is spent for every user of the token, not only this request.
            wait = self._rate_limit_wait(response)
            self._pause_until(self._clock() + wait)
            if attempt == self._max_attempts:
                return response
            response.read()
            response.close()
            log.warning(
                "DS rate limit reached (HTTP 429) for %s; waiting %.1f s for the window to "
                "reset (attempt %d/%d)",
                request.url.path,
                wait,
                attempt,
                self._max_attempts,
            )
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(self, request: httpx.Request) -> httpx.Response:
        self._limiter.acquire(self._clock, self._sleep)
        if self._budget is not None:
            with _budget_errors():
                self._budget.acquire(self._clock, self._sleep)
        with self._count_lock:
            self.requests_sent += 1
        return self._inner.handle_request(request)

    def _pause_until(self, epoch: float) -> None:
        self._limiter.pause_until(epoch)
        if self._budget is not None:
            with _budget_errors():
                self._budget.pause_until(epoch)

    def _rate_limit_wait(self, response: httpx.Response) -> float:
        """Seconds to wait after a 429: until `RateLimit-Reset` (absolute epoch) + margin,
        or a whole window when DS gave none, capped by `max_rate_limit_wait`."""
        now = self._clock()
        reset = rate_limit_reset(response.headers)
        wait = 60.0 if reset is None else reset - now + RATE_LIMIT_MARGIN
        return min(max(wait, RATE_LIMIT_MARGIN), self._max_rate_limit_wait)


@contextmanager
def _budget_errors() -> Iterator[None]:
    """Whatever the shared budget raises becomes a `DSBudgetError` (its message kept)."""
    try:
        yield
    except DSError:
        raise
    except Exception as exc:
        raise DSBudgetError(str(exc)) from exc


def _discard_and_log(state: RetryCallState) -> None:
    outcome = state.outcome
    assert outcome is not None
    if outcome.failed:
        cause = repr(outcome.exception())
    else:
        response: httpx.Response = outcome.result()
        cause = f"HTTP {response.status_code}"
        response.read()
        response.close()
    wait = state.next_action.sleep if state.next_action else 0.0
    log.warning(
        "DS request failed (%s); retrying in %.1f s (attempt %d)",
        cause,
        wait,
        state.attempt_number,
    )
