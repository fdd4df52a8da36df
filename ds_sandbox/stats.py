"""Request counting and logging, per token and operationName, for tests and benchmarks;
and, given the rate limiter, per token the busiest window and the 429 answers (did the
clients stay under DS's limit?)."""

from __future__ import annotations

import threading
from collections import Counter, deque
from dataclasses import asdict, dataclass
from typing import Any

from ds_sandbox.ratelimit import FixedWindowRateLimiter


@dataclass(frozen=True, slots=True)
class RequestEntry:
    token: str | None
    operation: str | None
    status: int
    first: int | None
    fault: str | None
    seconds: float  # time spent serving it


class RequestLog:
    """The requests served. With ``limiter`` (the one that counts them), `max_in_window`
    and `rate_limited` per token, also under ``rate_limit`` in `snapshot`."""

    def __init__(self, keep: int = 10_000, limiter: FixedWindowRateLimiter | None = None
                 ) -> None:
        self._lock = threading.Lock()
        self._limiter = limiter
        self._limited_by_token: Counter[str] = Counter()
        self._entries: deque[RequestEntry] = deque(maxlen=keep)
        self._by_token: Counter[str] = Counter()
        self._by_operation: Counter[str] = Counter()
        self._by_status: Counter[int] = Counter()
        self.total = 0

    def record(self, entry: RequestEntry) -> None:
        with self._lock:
            self._entries.append(entry)
            self._by_token[entry.token or ""] += 1
            self._by_operation[entry.operation or ""] += 1
            self._by_status[entry.status] += 1
            if entry.status == 429:
                self._limited_by_token[entry.token or ""] += 1
            self.total += 1

    def count(self, token: str | None = None, operation: str | None = None,
              status: int | None = None) -> int:
        """Requests matching every given criterion (within the kept log when filtering
        on more than one)."""
        with self._lock:
            given = [c for c in (token, operation, status) if c is not None]
            if not given:
                return self.total
            if len(given) == 1:
                if token is not None:
                    return self._by_token[token]
                if operation is not None:
                    return self._by_operation[operation]
                return self._by_status[status or 0]
            return sum(1 for e in self._entries
                       if (token is None or e.token == token)
                       and (operation is None or e.operation == operation)
                       and (status is None or e.status == status))

    def max_in_window(self, token: str) -> int:
        """The most requests of ``token`` counted in any one fixed window of the rate
        limit (refused ones included) since the last reset: at most the limit when the
        clients kept to it."""
        return self._limiter.peaks().get(token, 0) if self._limiter else 0

    def rate_limited(self, token: str) -> int:
        """How many requests of ``token`` were answered 429 since the last reset."""
        with self._lock:
            return self._limited_by_token[token]

    def rate_limit(self) -> dict[str, Any]:
        """The limit, and per token its busiest window and its 429 answers."""
        peaks = self._limiter.peaks() if self._limiter else {}
        with self._lock:
            limited = dict(self._limited_by_token)
        tokens = sorted(set(peaks) | {t for t in limited if t})
        return {
            "limit": self._limiter.limit if self._limiter else None,
            "window_seconds": self._limiter.window_seconds if self._limiter else None,
            "by_token": {token: {"max_in_window": peaks.get(token, 0),
                                 "rate_limited": limited.get(token, 0)} for token in tokens},
        }

    def entries(self) -> list[RequestEntry]:
        with self._lock:
            return list(self._entries)

    def snapshot(self) -> dict[str, Any]:
        rate_limit = self.rate_limit()
        with self._lock:
            return {
                "total": self.total,
                "by_token": dict(self._by_token),
                "by_operation": dict(self._by_operation),
                "by_status": {str(k): v for k, v in self._by_status.items()},
                "rate_limit": rate_limit,
                "requests": [asdict(e) for e in self._entries],
            }

    def reset(self) -> None:
        with self._lock:
            self._entries.clear()
            self._by_token.clear()
            self._by_operation.clear()
            self._by_status.clear()
            self._limited_by_token.clear()
            self.total = 0
        if self._limiter is not None:
            self._limiter.reset_peaks()
