"""How simulated evaluators and jury members behave: when they answer a task (a lognormal
delay in days), who declines, who answers late, who never answers, their absences, and
when the jury is free. Pure functions of a seeded ``random.Random``; no clock."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from models.chasing import is_working_day
from models.paris_time import PARIS


class Reaction(StrEnum):
    ANSWER = "answer"      # submits the evaluation form
    DECLINE = "decline"    # declines the task (the next alternate is asked)
    SILENT = "silent"      # never answers (the ladder replaces them)


@dataclass(frozen=True)
class Behaviour:
    """The population's habits. Shares are of tasks (drawn per task)."""

    median_days: float = 5.0       # an on-time answer: median delay after the task email
    sigma: float = 0.7             # its lognormal spread
    decline_share: float = 0.08
    decline_median_days: float = 1.5
    late_share: float = 0.12       # answers after the due date…
    late_median_days: float = 3.0  # …this long after it (median)
    silent_share: float = 0.04
    away_share: float = 0.3        # evaluators with a personal absence in the season
    away_days: int = 12            # its length (calendar days)

    def __post_init__(self) -> None:
        shares = (self.decline_share, self.late_share, self.silent_share, self.away_share)
        if any(not 0 <= s <= 1 for s in shares) or sum(shares[:3]) > 1:
            raise ValueError("les parts (déclin, retard, silence, absence) sont entre 0 et 1, "
                             "et déclin + retard + silence ≤ 1")
        if self.median_days <= 0 or self.sigma < 0 or self.away_days < 0:
            raise ValueError("délais et durées positifs")


@dataclass(frozen=True)
class Response:
    reaction: Reaction
    at: datetime | None = None  # aware; None for SILENT


Absence = tuple[date, date]  # first and last day, inclusive


def _lognormal(rng: random.Random, median_days: float, sigma: float) -> timedelta:
    return timedelta(days=rng.lognormvariate(math.log(median_days), sigma))


def available(day: date, absences: tuple[Absence, ...], country: str | None = "FR") -> bool:
    """A working day (no weekend, no public holiday) outside the person's absences."""
    return is_working_day(day, country) and not any(a <= day <= b for a, b in absences)


def next_available(moment: datetime, absences: tuple[Absence, ...],
                   country: str | None = "FR") -> datetime:
    """``moment`` when its day is available, else 10:00 (Paris) of the first day that is."""
    local = moment.astimezone(PARIS)
    day = local.date()
    if available(day, absences, country):
        return moment
    while not available(day, absences, country):
        day += timedelta(days=1)
    return datetime.combine(day, time(10), PARIS)


def respond(rng: random.Random, behaviour: Behaviour, asked_at: datetime, due_at: datetime,
            absences: tuple[Absence, ...] = (), country: str | None = "FR") -> Response:
    """What one evaluator does with one task asked at ``asked_at``, due at ``due_at``."""
    draw = rng.random()
    if draw < behaviour.silent_share:
        return Response(Reaction.SILENT)
    draw -= behaviour.silent_share
    if draw < behaviour.decline_share:
        at = asked_at + _lognormal(rng, behaviour.decline_median_days, behaviour.sigma)
        return Response(Reaction.DECLINE, next_available(at, absences, country))
    draw -= behaviour.decline_share
    if draw < behaviour.late_share:
        at = due_at + timedelta(hours=12) + _lognormal(rng, behaviour.late_median_days,
                                                       behaviour.sigma)
        return Response(Reaction.ANSWER, next_available(at, absences, country))
    at = asked_at + _lognormal(rng, behaviour.median_days, behaviour.sigma)
    at = next_available(min(at, due_at - timedelta(hours=6)), absences, country)
    return Response(Reaction.ANSWER, max(at, asked_at + timedelta(hours=1)))


def absences(rng: random.Random, people: list[str], start: date, days: int,
             behaviour: Behaviour) -> dict[str, tuple[Absence, ...]]:
    """A personal absence for ``away_share`` of ``people``, somewhere in the season."""
    out: dict[str, tuple[Absence, ...]] = {}
    for person in people:
        if behaviour.away_days and rng.random() < behaviour.away_share:
            first = start + timedelta(days=rng.randrange(max(1, days - behaviour.away_days)))
            out[person] = ((first, first + timedelta(days=behaviour.away_days - 1)),)
    return out


def jury_windows(rng: random.Random, people: list[str], start: date, days: int,
                 share: float, absent: dict[str, tuple[Absence, ...]] | None = None,
                 country: str | None = "FR") -> list[tuple[str, datetime, datetime]]:
    """Half-days (9:00–12:30, 14:00–18:00, Paris) each juror offers, ``share`` of their
    available working half-days, in time order."""
    out: list[tuple[str, datetime, datetime]] = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        if not is_working_day(day, country):
            continue
        for person in people:
            if not available(day, (absent or {}).get(person, ()), country):
                continue
            for begin, end in ((time(9), time(12, 30)), (time(14), time(18))):
                if rng.random() < share:
                    out.append((person, datetime.combine(day, begin, PARIS),
                                datetime.combine(day, end, PARIS)))
    return out
