"""Helpers for tests and benchmarks that drive the sandbox: a settable clock, and the
client's query documents as it sends them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from connectors.ds import load_document

QUERIES_DIR = Path(__file__).resolve().parent.parent / "ds" / "queries"


@dataclass
class FakeClock:
    """A clock for ``SandboxState(now=...)`` that only moves when told to."""

    current: datetime = field(default_factory=lambda: datetime(2026, 1, 15, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current


def query_document(name: str) -> str:
    """The client's document ``<name>.graphql`` as the client sends it (fragments appended)."""
    return load_document(name).query
