"""Fault injection: a queue of failures the server applies to matching requests."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

FaultKind = Literal[
    "http_500", "http_502", "http_503", "http_401", "http_403", "rate_limit",
    "graphql_error", "timeout", "http_500_after_apply", "drop_after_apply",
]
FAULT_KINDS: frozenset[str] = frozenset(FaultKind.__args__)  # type: ignore[attr-defined]
AFTER_APPLY_KINDS: frozenset[str] = frozenset({"http_500_after_apply", "drop_after_apply"})
"""The request IS executed (a mutation applied), then the answer is lost: a 500, or the
connection closed without any answer. A client must read before it retries."""


@dataclass(slots=True)
class Fault:
    """Fail the next ``count`` matching requests, after letting ``skip`` of them pass.

    A request matches when its operationName equals ``operation`` (if set) and its
    ``first`` variable exceeds ``min_first`` (if set): a client that retries with a
    smaller page then gets through, as after a DS query timeout.
    """

    kind: FaultKind
    count: int = 1
    skip: int = 0
    operation: str | None = None
    min_first: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {sorted(FAULT_KINDS)}")
        if self.count < 1 or self.skip < 0:
            raise ValueError("a fault needs count >= 1 and skip >= 0")

    def matches(self, operation: str | None, first: int | None) -> bool:
        if self.operation is not None and operation != self.operation:
            return False
        return self.min_first is None or (first is not None and first > self.min_first)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Fault:
        known = {"kind", "count", "skip", "operation", "min_first"}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        return cls(**data)


class FaultQueue:
    """Thread-safe. Faults are tried in the order they were added; a request a fault
    lets pass (``skip``) can still be failed by a later fault."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, kind: FaultKind, count: int = 1, *, skip: int = 0,
            operation: str | None = None, min_first: int | None = None) -> Fault:
        return self.push(Fault(kind, count, skip, operation, min_first))

    def push(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, operation: str | None, first: int | None) -> Fault | None:
        """The fault to apply to this request, if any (consuming one of its uses)."""
        with self._lock:
            for fault in self._faults:
                if not fault.matches(operation, first):
                    continue
                if fault.skip:
                    fault.skip -= 1
                    continue
                fault.count -= 1
                if fault.count == 0:
                    self._faults.remove(fault)
                return Fault(fault.kind, 1, 0, fault.operation, fault.min_first)
        return None

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(fault) for fault in self._faults]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._faults)
