"""DS's prefill API: create a dossier whose champs are already filled and get the link the
usager opens to complete and submit it (`POST /api/public/v1/demarches/{n}/dossiers`).

For a dossier that must exist before the person comes (its number or id known in
advance, or values that must not appear in a URL). A link that only opens a prefilled
form — the evaluation task email's — needs no API call: `prefill_link` (_prefill_link.py)
builds `https://<DS>/commencer/<path>?champ_<id>=<value>…`, with no limit.

It takes no token: DS limits it per IP (about 15 requests per 15 s). Every client of the
same host shares one process-wide budget and waits for it rather than get HTTP 429. The
dossier stays a brouillon, invisible to the GraphQL API, until the usager submits it.

A request is retried after a network error, a 5xx or a 429. A retried request that did
reach DS leaves one more prefilled brouillon that nobody opens: harmless.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx
import orjson
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    retry_if_result,
    stop_after_attempt,
    wait_exponential_jitter,
)

from ._exceptions import (
    DSHTTPError,
    DSNetworkError,
    DSProtocolError,
    DSRateLimitError,
    DSServerError,
)
from ._rate_limit import Clock, Sleep, limiter_for_key, rate_limit_reset
from ._transport import RATE_LIMIT_MARGIN, TRANSIENT_HTTP_ERRORS

log = logging.getLogger("connectors.ds")

PREFILL_REQUESTS_PER_WINDOW = 15
PREFILL_WINDOW_SECONDS = 15.0
GRAPHQL_PATH = "/api/v2/graphql"
MAX_RATE_LIMIT_WAIT = 120.0
_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}
_EXCERPT = 200


@dataclass(frozen=True)
class PrefilledDossier:
    """A prefilled brouillon. `url` is the link for the usager: it carries the prefill
    token, so whoever has it can complete and submit the dossier."""

    url: str
    id: str
    number: int


def prefill_base_url(api_url: str) -> str:
    """The DS host root of a GraphQL endpoint URL (where the prefill API lives):
    `https://www.demarches-simplifiees.fr/api/v2/graphql` → its scheme and host."""
    url = httpx.URL(api_url)
    path = url.path.rstrip("/")
    if not url.scheme or not url.host or not path.endswith(GRAPHQL_PATH):
        raise ValueError(f"not a DS GraphQL endpoint URL (…{GRAPHQL_PATH}): {api_url!r}")
    return f"{url.scheme}://{url.netloc.decode()}{path.removesuffix(GRAPHQL_PATH)}"


# A POST goes out as two writes (headers, then body): without TCP_NODELAY the body waits
# for the server's delayed ACK of the headers, ~40 ms per request.
NO_DELAY = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]


class PrefillClient:
    """Creates prefilled dossiers on one DS host (`base_url`, e.g.
    `https://www.demarches-simplifiees.fr`; see `prefill_base_url`).

    Use it as a context manager (or call `close`). Not meant to be shared between
    threads; the rate limit is shared anyway (by host and window length).
    """

    def __init__(
        self,
        base_url: str,
        *,
        requests_per_window: int = PREFILL_REQUESTS_PER_WINDOW,
        window_seconds: float = PREFILL_WINDOW_SECONDS,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        max_attempts: int = 5,
        sleep: Sleep = time.sleep,
        clock: Clock = time.time,
    ) -> None:
        """`transport` replaces the network (tests pass an `httpx.MockTransport`)."""
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1, got {max_attempts}")
        self.base_url = base_url.rstrip("/")
        origin = httpx.URL(self.base_url)
        if not origin.scheme or not origin.host:
            raise ValueError(f"the DS base URL needs a scheme and a host: {base_url!r}")
        origin_key = f"{origin.scheme}://{origin.netloc.decode()}"
        key = f"prefill:{origin_key}/{window_seconds:g}s"  # format machine
        self._limiter = limiter_for_key(key, requests_per_window, window_seconds)
        self._window = window_seconds
        self._max_attempts = max_attempts
        self._backoff = wait_exponential_jitter(initial=1.0, max=30.0, jitter=1.0)
        self._sleep = sleep
        self._clock = clock
        self._http = httpx.Client(
            transport=transport if transport is not None else httpx.HTTPTransport(
                socket_options=NO_DELAY),
            timeout=timeout,
        )
        self.requests_sent = 0
        """HTTP requests actually sent, retries included."""

    def create(self, demarche_number: int, values: Mapping[str, Any]) -> PrefilledDossier:
        """Create a prefilled dossier of the démarche. `values` maps champ descriptor ids
        (`Q2hhbXAtMzAwMQ==`) to JSON values; DS silently ignores unknown ids and values
        that do not fit the champ (a number that is not one, an option not offered).

        Raises `DSHTTPError` (404: no such démarche, or it is closed; 400: refused),
        `DSRateLimitError`, `DSServerError`, `DSNetworkError` (after retries) or
        `DSProtocolError` (a success without the dossier).
        """
        context = f"prefill of démarche {demarche_number}"
        body = _body(values)
        url = f"{self.base_url}/api/public/v1/demarches/{demarche_number}/dossiers"
        response = self._post(url, body, context)
        if response.status_code >= 300:
            raise _error(response, context)
        return _prefilled(response, context)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PrefillClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"PrefillClient({self.base_url!r})"

    def _post(self, url: str, body: bytes, context: str) -> httpx.Response:
        retrying = Retrying(
            stop=stop_after_attempt(self._max_attempts),
            wait=self._wait,
            retry=(
                retry_if_exception_type(TRANSIENT_HTTP_ERRORS)
                | retry_if_result(lambda r: r.status_code == 429 or r.status_code >= 500)
            ),
            sleep=self._sleep,
            before_sleep=lambda state: _log_retry(state, context),
            # Once attempts are spent: return the last answer (mapped by `create`), or re-raise.
            retry_error_callback=lambda state: state.outcome.result(),  # type: ignore[union-attr]
        )
        try:
            return retrying(self._send, url, body)
        except httpx.TransportError as exc:
            attempts = retrying.statistics.get("attempt_number", 1)
            raise DSNetworkError(
                f"{context}: could not reach {self.base_url} after {attempts} attempt(s) "
                f"({exc!r}): check the network and the DS URL, then re-run",
                attempts=attempts,
            ) from exc

    def _send(self, url: str, body: bytes) -> httpx.Response:
        self._limiter.acquire(self._clock, self._sleep)
        self.requests_sent += 1
        response = self._http.post(url, content=body, headers=_HEADERS)
        if response.status_code == 429:
            # The window is spent for every client of this IP: hold them all until reset.
            self._limiter.pause_until(self._clock() + self._rate_limit_wait(response))
        return response

    def _wait(self, state: RetryCallState) -> float:
        outcome = state.outcome
        if outcome is not None and not outcome.failed and outcome.result().status_code == 429:
            return 0.0  # the paused limiter does the waiting, in `_send`
        return self._backoff(state)

    def _rate_limit_wait(self, response: httpx.Response) -> float:
        """Until `RateLimit-Reset` (absolute epoch) + margin, or one window without it."""
        reset = rate_limit_reset(response.headers)
        wait = self._window if reset is None else reset - self._clock() + RATE_LIMIT_MARGIN
        return min(max(wait, RATE_LIMIT_MARGIN), MAX_RATE_LIMIT_WAIT)


def _body(values: Mapping[str, Any]) -> bytes:
    body: dict[str, Any] = {}
    for key, value in values.items():
        if not isinstance(key, str) or not key or key.startswith("champ_"):
            raise ValueError(
                f"prefill keys are champ descriptor ids (the champ_ prefix is added): {key!r}"
            )
        body[f"champ_{key}"] = value
    return orjson.dumps(body)


def _prefilled(response: httpx.Response, context: str) -> PrefilledDossier:
    try:
        payload = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        payload = None
    if isinstance(payload, dict):
        url, dossier_id, number = (
            payload.get("dossier_url"),
            payload.get("dossier_id"),
            payload.get("dossier_number"),
        )
        if (
            isinstance(url, str)
            and url
            and isinstance(dossier_id, str)
            and dossier_id
            and isinstance(number, int)
            and not isinstance(number, bool)
        ):
            return PrefilledDossier(url=url, id=dossier_id, number=number)
    raise DSProtocolError(
        f"{context}: DS answered HTTP {response.status_code} without dossier_url, dossier_id "
        f"and dossier_number ({_excerpt(response)}): check the DS URL (the host root, e.g. "
        "https://www.demarches-simplifiees.fr)"
    )


def _error(response: httpx.Response, context: str) -> DSHTTPError:
    status = response.status_code
    said = f", DS said: {_excerpt(response)}" if response.content else ""
    if status == 429:
        reset_at = rate_limit_reset(response.headers)
        return DSRateLimitError(
            f"{context}: DS's prefill rate limit still reached after waiting (HTTP 429): DS "
            "allows about 15 requests per 15 s per IP, and something else on this IP spends "
            "them: wait a minute and re-run",
            reset_at=reset_at,
        )
    if status >= 500:
        return DSServerError(
            f"{context}: DS failed with HTTP {status}{said} even after retries: DS is down "
            "or in maintenance; re-run later",
            status_code=status,
        )
    if status == 404:
        return DSHTTPError(
            f"{context}: DS answered HTTP 404{said}: no such démarche, or it is closed (DS "
            "prefills only published and test démarches): check the démarche number",
            status_code=status,
        )
    if 300 <= status < 400:
        return DSHTTPError(
            f"{context}: DS redirected (HTTP {status}) to {response.headers.get('Location', '?')}"
            ": set the DS URL to the new address",
            status_code=status,
        )
    return DSHTTPError(
        f"{context}: DS refused the prefill (HTTP {status}{said}): check the request",
        status_code=status,
    )


def _excerpt(response: httpx.Response) -> str:
    """DS's `{"error": "..."}` message, else the start of the body."""
    try:
        payload = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        payload = None
    if isinstance(payload, dict) and isinstance(payload.get("error"), str):
        return payload["error"][:_EXCERPT]
    text = " ".join(response.content.decode("utf-8", "replace").split())
    return text[:_EXCERPT] or "empty body"


def _log_retry(state: RetryCallState, context: str) -> None:
    outcome = state.outcome
    assert outcome is not None
    if outcome.failed:
        cause = repr(outcome.exception())
    else:
        status = outcome.result().status_code
        cause = f"HTTP {status}" + (": waiting for the window to reset" if status == 429 else "")
    wait = state.next_action.sleep if state.next_action else 0.0
    log.warning(
        "%s failed (%s); retrying in %.1f s (attempt %d)",
        context,
        cause,
        wait,
        state.attempt_number,
    )
