"""Request counting and logging, per token and operationName, for tests and benchmarks."""

from __future__ import annotations

import threading
from collections import Counter, deque
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class RequestEntry:
    token: str | None
    operation: str | None
    status: int
    first: int | None
    fault: str | None
    seconds: float  # time spent serving it


class RequestLog:
    def __init__(self, keep: int = 10_000) -> None:
        self._lock = threading.Lock()
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

    def entries(self) -> list[RequestEntry]:
        with self._lock:
            return list(self._entries)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "total": self.total,
                "by_token": dict(self._by_token),
                "by_operation": dict(self._by_operation),
                "by_status": {str(k): v for k, v in self._by_status.items()},
                "requests": [asdict(e) for e in self._entries],
            }

    def reset(self) -> None:
        with self._lock:
            self._entries.clear()
            self._by_token.clear()
            self._by_operation.clear()
            self._by_status.clear()
            self.total = 0
