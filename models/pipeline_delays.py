"""The programme's delays, measured: when each dossier reached each step, and how those
delays compare with the targets (DESIGN.md §1: présélection within 3 weeks, soutenance or
entretien within 1–3 weeks, a committee at least monthly).

Plain data in, plain data out: the live store (``connectors.store.timelines``) and the
season's simulation build the same ``Timeline``s and read the same ``StepMeasure``s.

A timeline's ``dates`` say three things per step: a date (reached), ``None`` (on the
dossier's path, not reached yet) or no key at all (not on its path: a dossier below the
hearing's cut line is never heard, it waits for the committee). A dossier that reached a
later step than ``end`` skipped it (decided without a hearing): it waits for nothing there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import numpy as np


class Step(StrEnum):
    """The dated steps of a dossier."""

    DEPOT = "depot"  # complete, filed in DS
    PRESELECTION = "preselection"  # its k-th valid evaluation: the triple evaluation done
    AUDITION = "audition"  # its hearing held: soutenance, entretien métier, de mission
    DECISION = "decision"  # the committee's approval that decided it
    MISSION_OUVERTE = "mission_ouverte"  # missions: the candidate proposed on the mission


TRACK_STEPS: dict[str, tuple[Step, ...]] = {
    "projets": (Step.DEPOT, Step.PRESELECTION, Step.AUDITION, Step.DECISION),
    "candidats": (Step.DEPOT, Step.PRESELECTION, Step.AUDITION, Step.DECISION),
    "missions": (Step.MISSION_OUVERTE, Step.AUDITION, Step.DECISION),
}
"""Each track's steps, in order (an unknown track follows the projets' order)."""

STEP_LABELS: dict[str, dict[Step, str]] = {
    "projets": {Step.DEPOT: "Dépôt", Step.PRESELECTION: "Présélection",
                Step.AUDITION: "Soutenance", Step.DECISION: "Sélection"},
    "candidats": {Step.DEPOT: "Dépôt", Step.PRESELECTION: "Évaluation",
                  Step.AUDITION: "Entretien métier", Step.DECISION: "Délibération"},
    "missions": {Step.MISSION_OUVERTE: "Proposition sur la mission",
                 Step.AUDITION: "Entretien de mission", Step.DECISION: "Délibération"},
}

DAY_SECONDS = 86_400.0


def steps_of(track: str) -> tuple[Step, ...]:
    return TRACK_STEPS.get(track, TRACK_STEPS["projets"])


def step_label(track: str, step: Step) -> str:
    """The step as the programme names it in this track (« Soutenance », « Entretien
    métier »…)."""
    return STEP_LABELS.get(track, STEP_LABELS["projets"]).get(step, str(step))


def days_between(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / DAY_SECONDS


@dataclass(frozen=True)
class Timeline:
    """One dossier's path through a track (for missions: one candidate on one mission).
    Dates are UTC-aware."""

    track: str
    dossier: int
    dates: Mapping[Step, datetime | None]
    mission: int = 0

    def reached(self) -> Step | None:
        """The furthest step it reached (None: none)."""
        dated = [s for s in steps_of(self.track) if self.dates.get(s) is not None]
        return dated[-1] if dated else None

    def waits_for(self, step: Step) -> bool:
        """On its path, not reached, and no later step reached (it was not skipped)."""
        if step not in self.dates or self.dates[step] is not None:
            return False
        order = steps_of(self.track)
        later = order[order.index(step) + 1:] if step in order else ()
        return all(self.dates.get(s) is None for s in later)


@dataclass(frozen=True)
class Target:
    """A promised delay: ``end`` reached within ``days`` of ``start``."""

    track: str
    start: Step
    end: Step
    days: float
    label: str  # French: « Présélection (triple évaluation) »


@dataclass(frozen=True)
class StepMeasure:
    """How one target held: the delays of the dossiers that made the step (days), and
    who still waits. ``late``: (dossier, days beyond the target), still waiting, the
    longest first; ``durations``: every delay, sorted (the cumulative curves)."""

    target: Target
    done: int
    p50: float | None
    p90: float | None
    p95: float | None
    max: float | None
    within_share: float | None  # of those done, the share within the target
    waiting: int
    late: list[tuple[int, float]]
    durations: tuple[float, ...] = ()

    @property
    def ratio(self) -> float | None:
        """p90 over the target: above 1, the step does not hold its delay."""
        if self.p90 is None or self.target.days <= 0:
            return None
        return self.p90 / self.target.days


def measure(timelines: Sequence[Timeline], targets: Sequence[Target], now: datetime
            ) -> list[StepMeasure]:
    """Each target's measure over the timelines of its track, as of ``now``."""
    measures = []
    for target in targets:
        durations: list[float] = []
        waiting = 0
        late: list[tuple[int, float]] = []
        for timeline in timelines:
            if timeline.track != target.track:
                continue
            start = timeline.dates.get(target.start)
            if start is None:
                continue
            end = timeline.dates.get(target.end)
            if end is not None:
                durations.append(max(0.0, days_between(start, end)))
            elif timeline.waits_for(target.end):
                waiting += 1
                waited = days_between(start, now)
                if waited > target.days:
                    late.append((timeline.dossier, waited - target.days))
        late.sort(key=lambda item: (-item[1], item[0]))
        measures.append(_measure(target, sorted(durations), waiting, late))
    return measures


def _measure(target: Target, durations: list[float], waiting: int,
             late: list[tuple[int, float]]) -> StepMeasure:
    if not durations:
        return StepMeasure(target, 0, None, None, None, None, None, waiting, late)
    p50, p90, p95 = (float(v) for v in np.percentile(durations, [50, 90, 95]))
    within = sum(d <= target.days for d in durations) / len(durations)
    return StepMeasure(target, len(durations), p50, p90, p95, durations[-1], within, waiting,
                       late, tuple(durations))


def bottleneck(measures: Sequence[StepMeasure]) -> StepMeasure | None:
    """The step furthest from its delay: the highest p90 / target (None: no data)."""
    rated = [m for m in measures if m.ratio is not None]
    return max(rated, key=lambda m: m.ratio or 0.0) if rated else None


def funnel(timelines: Sequence[Timeline]) -> dict[str, dict[Step, int]]:
    """Per track, how many dossiers reached each step (in the track's order)."""
    counts: dict[str, dict[Step, int]] = {}
    for timeline in timelines:
        track = counts.setdefault(timeline.track, dict.fromkeys(steps_of(timeline.track), 0))
        for step in track:
            if timeline.dates.get(step) is not None:
                track[step] += 1
    return counts


@dataclass(frozen=True)
class Position:
    """Where a dossier stands: the step it waits for, since when, against which target."""

    timeline: Timeline
    reached: Step | None
    next: Step | None  # None: at the end of its path (decided)
    since: datetime | None  # when it reached ``reached``
    waited: float | None  # days since then, as of now
    target: Target | None  # the delay of its next step (None: none promised)
    late: float | None  # days beyond that target (None: not late)


def positions(timelines: Sequence[Timeline], targets: Sequence[Target], now: datetime
              ) -> list[Position]:
    """Each dossier's position, the latest first (the most days beyond a target, then the
    longest waits)."""
    by_end = {(t.track, t.end): t for t in targets}
    found = []
    for timeline in timelines:
        reached = timeline.reached()
        order = steps_of(timeline.track)
        next_step = next((s for s in order if timeline.waits_for(s)), None)
        since = timeline.dates.get(reached) if reached else None
        target = by_end.get((timeline.track, next_step)) if next_step else None
        start = timeline.dates.get(target.start) if target else None
        waited = days_between(since, now) if since and next_step else None
        late = None
        if target is not None and start is not None:
            beyond = days_between(start, now) - target.days
            late = beyond if beyond > 0 else None
        found.append(Position(timeline, reached, next_step, since, waited, target, late))
    found.sort(key=lambda p: (-(p.late or 0.0), -(p.waited or 0.0), p.timeline.track,
                              p.timeline.dossier, p.timeline.mission))
    return found
