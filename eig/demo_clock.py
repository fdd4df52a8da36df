"""The demo's travelling clock, shared by the sandbox, the pipeline and the demo's
second deliverer: the story travels to the ladder's days in seconds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta


@dataclass
class TravelClock:
    """Real time plus an offset that only grows: ``advance`` jumps ahead."""

    offset: timedelta = field(default_factory=timedelta)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta

    def travel_to(self, moment: datetime) -> None:
        self.offset += max(moment - self(), timedelta())
