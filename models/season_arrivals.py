"""When dossiers arrive in a simulated season: projects continuously (a Poisson process),
candidates in two-monthly campaigns. Pure functions of a seeded ``random.Random``."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from models.paris_time import PARIS


class Track(StrEnum):
    PROJETS = "projets"
    CANDIDATS = "candidats"


@dataclass(frozen=True, order=True)
class Arrival:
    """A dossier filed in DS (deposited) at ``at`` (aware, Paris)."""

    at: datetime
    track: Track


def poisson_arrivals(rng: random.Random, start: date, days: int, per_week: float
                     ) -> list[Arrival]:
    """Projects filed continuously: exponential gaps of mean 7/``per_week`` days, any hour
    of any day (DS is open all the time)."""
    if per_week <= 0:
        return []
    out: list[Arrival] = []
    origin = datetime.combine(start, time(), PARIS)
    elapsed = rng.expovariate(per_week / 7)
    while elapsed < days:
        out.append(Arrival(origin + timedelta(days=elapsed), Track.PROJETS))
        elapsed += rng.expovariate(per_week / 7)
    return out


def campaign_days(start: date, days: int, every_months: int = 2) -> list[date]:
    """The opening day of each campaign within the season: its first day, then every
    ``every_months`` months (the same day of the month, the 28th at most)."""
    out, index = [], 0
    while True:
        month = start.month - 1 + index * every_months
        day = date(start.year + month // 12, month % 12 + 1, min(start.day, 28))
        if day >= start + timedelta(days=days):
            return out
        out.append(day)
        index += 1


def campaign_arrivals(rng: random.Random, start: date, days: int, size: int,
                      open_days: int = 21, every_months: int = 2) -> list[Arrival]:
    """Candidates filed during each campaign's ``open_days`` (uniformly, working hours
    or not), ``size`` a campaign; a season starting mid-campaign gets none of it."""
    out: list[Arrival] = []
    end = datetime.combine(start + timedelta(days=days), time(), PARIS)
    for first in campaign_days(start, days, every_months):
        opening = datetime.combine(first, time(), PARIS)
        for _ in range(size):
            at = opening + timedelta(days=rng.uniform(0, open_days))
            if at < end:
                out.append(Arrival(at, Track.CANDIDATS))
    return sorted(out)


def season_arrivals(seed: int, start: date, days: int, projects_per_week: float,
                    campaign_size: int) -> list[Arrival]:
    """Both tracks' arrivals of a season, in time order; the same for the same seed."""
    projects = poisson_arrivals(random.Random(f"{seed}:projets"), start, days,
                                projects_per_week)
    candidates = campaign_arrivals(random.Random(f"{seed}:candidats"), start, days,
                                   campaign_size)
    return sorted(projects + candidates)
