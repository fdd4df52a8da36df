"""DS's rate limit: a budget of requests per token in fixed, epoch-aligned windows."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Quota:
    allowed: bool
    limit: int
    remaining: int
    reset: int  # absolute epoch seconds at which the window ends

    def headers(self) -> dict[str, str]:
        return {"RateLimit-Limit": str(self.limit), "RateLimit-Remaining": str(self.remaining),
                "RateLimit-Reset": str(self.reset)}


class FixedWindowRateLimiter:
    """Like Rack::Attack's throttle: windows are multiples of ``window_seconds``."""

    def __init__(self, limit: int = 400, window_seconds: float = 60.0,
                 clock: Callable[[], float] = time.time) -> None:
        if limit < 0 or window_seconds <= 0:
            raise ValueError("the rate limit needs limit >= 0 and window_seconds > 0")
        self.limit = limit
        self.window_seconds = window_seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[int, int]] = {}  # key → (window index, count)
        self._peaks: dict[str, int] = {}  # key → most requests counted in one window

    def _window(self) -> tuple[int, int]:
        index = math.floor(self.clock() / self.window_seconds)
        return index, math.ceil((index + 1) * self.window_seconds)

    def hit(self, key: str) -> Quota:
        """Count one request; ``allowed`` is False once the window's budget is spent."""
        with self._lock:
            index, reset = self._window()
            window, count = self._counts.get(key, (index, 0))
            count = count + 1 if window == index else 1
            self._counts[key] = (index, count)
            self._peaks[key] = max(self._peaks.get(key, 0), count)
        return Quota(count <= self.limit, self.limit, max(0, self.limit - count), reset)

    def exhausted(self) -> Quota:
        """The quota a forced 429 reports."""
        return Quota(False, self.limit, 0, self._window()[1])

    def peaks(self) -> dict[str, int]:
        """Per key, the most requests counted in any one window (those refused included)
        since the start or `reset_peaks`: above ``limit`` means some were refused."""
        with self._lock:
            return dict(self._peaks)

    def reset_peaks(self) -> None:
        """Forget the peaks; the current windows' counts stay (they still limit, and the
        next request of a window reports its whole count)."""
        with self._lock:
            self._peaks.clear()

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
            self._peaks.clear()
