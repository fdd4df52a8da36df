"""Scheduling of hearings (soutenances, entretiens métier): when, and before which jury.

Pure domain logic over plain data: no I/O, no clock, no Prefect. Time is handled in whole
seconds since the epoch (windows rounded inwards, busy spans outwards); days, for
``max_per_day`` and in the French reasons, are Europe/Paris days.

Options. Every jury member's availability windows carry a grid of ``step`` aligned on the
window's start; their union gives the candidate starts. A start ``s`` is an *option* of a
request when ``earliest <= s``, ``s + duration <= latest``, the applicant is free
(``applicant_busy``), the hearing fits in one of the ``attendee_windows`` when an
attendee declared some (a mission's administration contact), and at least ``jury_size``
members are *eligible*: not excluded, one of their (merged) windows covering the whole
hearing, no fixed ``busy`` overlap, and their
``max_per_day`` not used up by that Paris day's fixed bookings; one of them must hold a
required profile when the request names some. A request with no option is diagnosed there and
then, in French, most basic cause first.

People. Everyone a hearing gathers is one identity (``identity``: the e-mail, trimmed and
lower-cased): its jury, and its ``attendees`` — the applicant heard, the administration's
contact who sits beside the jury. No identity is in two hearings at once, whatever their
role in each: requests sharing an attendee never overlap, a jury member is never seated
while attending another hearing, nor on the jury of a hearing they attend. Commitments
already booked are ``busy`` (a jury member) or ``applicant_busy`` (the attendees).
``double_bookings`` checks any set of booked hearings against the same rule.

Model (time-indexed CP-SAT). ``x[r,o]``: request r starts at option o. ``y[r,o,j]``: member j
sits it, only for members eligible at that option. ``sum_j y[r,o,j] = jury_size * x[r,o]``, at
least one seat of a required profile, at most one option per request. A member sits at most
one hearing at any time: at-most-one constraints over the seats running at each start, which
say what ``AddNoOverlap`` on optional intervals would but also reach the LP relaxation (on
the benchmark it then bounds the wait within twenty minutes of the optimum). Fixed
``busy`` spans need no constraint: no seat overlapping them exists. Requests of one dossier
(one applicant) do not overlap; ``max_per_day`` caps each member's seats per Paris day.

Objective, lexicographic: the number of hearings placed, then the applicants' total wait
(minutes from each ``earliest`` to the start), then the busiest member's number of hearings.
Rather than one model with big weights, which CP-SAT did not close in 30 s on 60 requests,
each criterion is a phase over a model kept small (see ``_optimise``): the count
phase is skipped when the greedy already places everything; the wait phase only models the
options that can still be in an optimum given the incumbent's wait; the balance phase
reassigns juries with the starts fixed. A greedy schedule (most constrained request first,
or chronological; earliest start; least-loaded members) is the first hint, and the answer if
CP-SAT finds nothing. One worker, a fixed seed, deterministic time limits and sorted inputs
make the result deterministic.

A request placeable alone but left out lost to the other hearings ("délai intenable").
"""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from ortools.sat.python import cp_model

from models.paris_time import PARIS

_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)


def _require_aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} : date et heure sans fuseau horaire ({value.isoformat()})")


@dataclass(frozen=True)
class Interval:
    """A half-open span ``[start, end)`` of aware datetimes (UTC in the store)."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _require_aware(self.start, "début d'intervalle")
        _require_aware(self.end, "fin d'intervalle")
        if self.end < self.start:
            raise ValueError(f"intervalle à l'envers : {self.start.isoformat()} > "
                             f"{self.end.isoformat()}")


@dataclass(frozen=True)
class BookingRequest:
    """One hearing to schedule; ``latest`` is when it must have ended (the track's delay)."""

    key: str
    dossier: int
    hearing_type: str
    earliest: datetime
    latest: datetime
    duration: timedelta
    jury_size: int
    required_profiles: frozenset[str] = frozenset()
    excluded: frozenset[str] = frozenset()
    applicant_busy: tuple[Interval, ...] = ()  # the attendees' other commitments
    attendees: frozenset[str] = frozenset()  # people heard or hosting, besides the jury
    # when an attendee declared their availability (a mission's administration contact):
    # the hearing must fit in one of these windows; None: no declared windows to respect
    attendee_windows: tuple[Interval, ...] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "attendees", frozenset(map(identity, self.attendees)))
        _require_aware(self.earliest, f"audition {self.key}, earliest")
        _require_aware(self.latest, f"audition {self.key}, latest")
        if self.duration <= timedelta(0):
            raise ValueError(f"audition {self.key} : durée non positive ({self.duration})")
        if self.jury_size < 1:
            raise ValueError(f"audition {self.key} : jury_size doit valoir au moins 1 "
                             f"({self.jury_size})")


@dataclass(frozen=True)
class JuryMember:
    """``busy``: hearings already booked; they count towards ``max_per_day`` on the Paris day
    they start. Touching or overlapping ``availability`` windows are merged."""

    email: str
    name: str
    profiles: frozenset[str]
    availability: tuple[Interval, ...]
    busy: tuple[Interval, ...] = ()
    max_per_day: int | None = None


def identity(email: str) -> str:
    """Who an e-mail address is, for the rule "nobody in two places at once"."""
    return email.strip().lower()


@dataclass(frozen=True)
class Attendance:
    """A booked hearing and everyone it gathers (jury and attendees, any spelling)."""

    key: str
    start: datetime
    end: datetime
    people: frozenset[str]


@dataclass(frozen=True)
class Clash:
    """One person booked in two overlapping hearings."""

    person: str
    first: str  # hearing keys, the earlier first
    second: str
    start: datetime  # when the second begins

    def __str__(self) -> str:
        return (f"{self.person} est convoqué·e à deux auditions en même temps "
                f"({self.first} et {self.second}, le {_moment_fr(_floor(self.start))})")


def double_bookings(hearings: Iterable[Attendance]) -> list[Clash]:
    """Every person in two overlapping hearings (half-open spans: back to back is fine)."""
    spans: dict[str, list[Attendance]] = defaultdict(list)
    for hearing in hearings:
        for person in {identity(p) for p in hearing.people}:
            spans[person].append(hearing)
    clashes = []
    for person in sorted(spans):
        running: list[Attendance] = []
        for hearing in sorted(spans[person], key=lambda h: (h.start, h.end, h.key)):
            running = [h for h in running if h.end > hearing.start]
            clashes += [Clash(person, h.key, hearing.key, hearing.start) for h in running
                        if hearing.end > hearing.start and h.end > h.start]
            running.append(hearing)
    return clashes


@dataclass(frozen=True)
class Booking:
    key: str
    start: datetime  # UTC
    end: datetime
    jury: tuple[str, ...]  # e-mails, sorted


@dataclass(frozen=True)
class Unplaced:
    key: str
    dossier: int
    reason: str  # French, for the operator


@dataclass(frozen=True)
class Schedule:
    """``solver``: "cp-sat", "greedy" (CP-SAT found nothing in time) or "none" (nothing was
    placeable). ``status``: "OPTIMAL" (every phase proven, see ``_optimise``), "FEASIBLE"
    (time ran out: the best schedule found), CP-SAT's own status with "greedy", or
    "NOTHING_TO_PLACE"."""

    bookings: tuple[Booking, ...]
    unplaced: tuple[Unplaced, ...]
    solver: str
    status: str


# --- time in whole seconds -------------------------------------------------------------------


def _floor(value: datetime) -> int:
    return (value - _EPOCH) // _SECOND


def _ceil(value: datetime) -> int:
    return -((_EPOCH - value) // _SECOND)


def _at(seconds: int) -> datetime:
    return _EPOCH + timedelta(seconds=seconds)


@lru_cache(maxsize=1 << 16)
def _paris_day(seconds: int) -> date:
    return _at(seconds).astimezone(PARIS).date()


def _span(interval: Interval) -> tuple[int, int]:
    """Inner whole seconds of an availability window (never widened)."""
    return _ceil(interval.start), _floor(interval.end)


def _outer(interval: Interval) -> tuple[int, int]:
    """Outer whole seconds of a busy interval (never narrowed)."""
    return _floor(interval.start), _ceil(interval.end)


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, non-empty, with overlapping or touching spans joined."""
    merged: list[tuple[int, int]] = []
    for a, b in sorted(s for s in spans if s[1] > s[0]):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _covers(spans: list[tuple[int, int]], starts: list[int], a: int, b: int) -> bool:
    i = bisect.bisect_right(starts, a) - 1
    return i >= 0 and spans[i][1] >= b


def _overlaps(spans: list[tuple[int, int]], ends: list[int], a: int, b: int) -> bool:
    i = bisect.bisect_right(ends, a)
    return i < len(spans) and spans[i][0] < b


# --- French wording ---------------------------------------------------------------------------


def _day_fr(seconds: int) -> str:
    day = _paris_day(seconds)
    return f"{'1er' if day.day == 1 else day.day} {_MONTHS[day.month - 1]}"


def _moment_fr(seconds: int) -> str:
    local = _at(seconds).astimezone(PARIS)
    return f"{_day_fr(seconds)} à {local.hour} h {local.minute:02d}"


def _period_fr(first: int, last: int) -> str:
    if _paris_day(first) == _paris_day(last):
        return f"le {_day_fr(first)}"
    return f"entre le {_day_fr(first)} et le {_day_fr(last)}"


def _profiles_fr(profiles: frozenset[str]) -> str:
    return " ou ".join(sorted(profiles))


def _applicant_fr(hearing_type: str) -> str:
    if hearing_type == "soutenance":
        return "l'administration"
    if hearing_type == "mission":
        return "le candidat ou l'administration qui accueille la mission"
    return "le candidat"


# --- eligibility ------------------------------------------------------------------------------


class _Member:
    """A jury member's calendar in whole seconds, with fast window and busy look-ups."""

    def __init__(self, index: int, member: JuryMember) -> None:
        self.index = index
        self.email = member.email
        self.person = identity(member.email)
        self.profiles = member.profiles
        self.cap = member.max_per_day
        self.raw_windows = sorted(s for s in map(_span, member.availability) if s[1] > s[0])
        self.windows = _merge(self.raw_windows)
        self.window_starts = [a for a, _ in self.windows]
        self.busy = _merge(map(_outer, member.busy))
        self.busy_ends = [b for _, b in self.busy]
        # Fixed bookings count against max_per_day on the Paris day they start.
        self.booked: dict[date, int] = defaultdict(int)
        for interval in member.busy:
            self.booked[_paris_day(_floor(interval.start))] += 1

    def room(self, day: date) -> int | None:
        """Hearings still allowed that day (None: no cap)."""
        return None if self.cap is None else max(0, self.cap - self.booked[day])

    def free(self, a: int, b: int) -> bool:
        return (
            _covers(self.windows, self.window_starts, a, b)
            and not _overlaps(self.busy, self.busy_ends, a, b)
            and self.room(_paris_day(a)) != 0
        )


@dataclass(frozen=True)
class _Option:
    start: int
    members: tuple[int, ...]  # eligible member indices, sorted


@dataclass
class _Scan:
    """What a request's window offers, for the options and for the diagnosis."""

    best_available: int = 0  # most members free together
    profile_seen: bool = False  # some member of a required profile free at some start
    team_with_profile: bool = False  # enough free members including a required profile
    best_eligible: int = 0  # most non-excluded among starts with enough free members
    eligible_team: bool = False  # enough non-excluded members, ignoring profiles
    eligible_profile_team: bool = False  # enough non-excluded members, with the profile
    outside_attendee_windows: bool = False  # a jury could sit, not in the declared windows


class _Calendar:
    """Candidate starts and free members per (duration, start), computed once."""

    def __init__(self, members: list[_Member], step: int) -> None:
        self.members = members
        self.step = step
        self._starts: dict[int, list[int]] = {}
        self._free: dict[tuple[int, int], tuple[int, ...]] = {}

    def starts(self, duration: int) -> list[int]:
        if duration not in self._starts:
            grid: set[int] = set()
            for m in self.members:
                for a, b in m.raw_windows:
                    grid.update(range(a, b - duration + 1, self.step))
            self._starts[duration] = sorted(grid)
        return self._starts[duration]

    def free(self, start: int, duration: int) -> tuple[int, ...]:
        key = (start, duration)
        if key not in self._free:
            end = start + duration
            self._free[key] = tuple(m.index for m in self.members if m.free(start, end))
        return self._free[key]


def _scan(
    request: BookingRequest, calendar: _Calendar, members: list[_Member]
) -> tuple[list[_Option], _Scan]:
    """Feasible starts of one request taken alone, with the statistics of its window."""
    duration = _duration(request)
    lo, hi = _ceil(request.earliest), _floor(request.latest) - duration
    grid = calendar.starts(duration)
    applicant = _merge(map(_outer, request.applicant_busy))
    applicant_ends = [b for _, b in applicant]
    profiled = {m.index for m in members if m.profiles & request.required_profiles}
    needs_profile = bool(request.required_profiles)
    size = request.jury_size
    scan = _Scan()
    options: list[_Option] = []
    declared = None if request.attendee_windows is None else _merge(
        map(_span, request.attendee_windows))
    declared_starts = [a for a, _ in declared or ()]
    for s in grid[bisect.bisect_left(grid, lo) : bisect.bisect_right(grid, hi)]:
        free = calendar.free(s, duration)
        scan.best_available = max(scan.best_available, len(free))
        has_profile = not needs_profile or any(i in profiled for i in free)
        scan.profile_seen |= needs_profile and has_profile
        if len(free) < size:
            continue
        scan.team_with_profile |= has_profile
        eligible = tuple(i for i in free if members[i].email not in request.excluded
                         and members[i].person not in request.attendees)
        scan.best_eligible = max(scan.best_eligible, len(eligible))
        if len(eligible) < size:
            continue
        scan.eligible_team = True
        if needs_profile and not any(i in profiled for i in eligible):
            continue
        scan.eligible_profile_team = True
        if declared is not None and not _covers(declared, declared_starts, s, s + duration):
            scan.outside_attendee_windows = True
            continue
        if not _overlaps(applicant, applicant_ends, s, s + duration):
            options.append(_Option(s, eligible))
    return options, scan


def _duration(request: BookingRequest) -> int:
    return -(-request.duration // _SECOND)


def _diagnose(request: BookingRequest, scan: _Scan, members: list[_Member]) -> str:
    """Why a request cannot be placed even alone, most basic cause first."""
    earliest, latest = _ceil(request.earliest), _floor(request.latest)
    duration = _duration(request)
    if latest <= earliest:
        return (f"fenêtre vide : la date limite ({_moment_fr(latest)}) précède la date au plus "
                f"tôt ({_moment_fr(earliest)})")
    if latest - earliest < duration:
        return (f"fenêtre trop courte : {(latest - earliest) // 60} min entre le "
                f"{_moment_fr(earliest)} et la date limite ({_moment_fr(latest)}), pour une "
                f"audition de {duration // 60} min")
    period = _period_fr(earliest, latest - duration)
    size = request.jury_size
    wanted = request.required_profiles
    label = _profiles_fr(wanted)
    if wanted and not any(m.profiles & wanted for m in members):
        return f"aucun membre du jury n'a le profil {label}"
    if scan.best_available < size:
        best = (f"au mieux {scan.best_available}" if scan.best_available
                else "aucun disponible sur la période")
        return (f"aucun créneau possible {period} : moins de {size} membres du jury "
                f"disponibles ensemble ({best})")
    if wanted and not scan.profile_seen:
        return f"aucun membre du jury disponible au profil {label} {period}"
    if wanted and not scan.team_with_profile:
        others = f"{size - 1} autre{'s' if size > 2 else ''} membre{'s' if size > 2 else ''}"
        return (f"aucun créneau possible {period} : aucun membre au profil {label} n'est "
                f"disponible en même temps que {others} du jury")
    if not scan.eligible_team:
        left = scan.best_eligible
        return (f"les conflits d'intérêts déclarés écartent trop de membres ({left} "
                f"restant{'s' if left > 1 else ''} pour {size} requis)")
    if not scan.eligible_profile_team:
        return (f"les conflits d'intérêts déclarés écartent les membres au profil {label} "
                f"disponibles {period}")
    if scan.outside_attendee_windows and request.attendee_windows is not None:
        return (f"aucun créneau possible {period} : le jury n'est disponible à aucun des "
                "créneaux déclarés par l'administration (formulaire de disponibilités)")
    # A jury could sit at some start: the applicant's agenda is what is left.
    return (f"aucun créneau possible {period} : {_applicant_fr(request.hearing_type)} a "
            f"d'autres rendez-vous sur tous les créneaux où le jury est disponible")


def _lost_reason(request: BookingRequest) -> str:
    return (f"délai intenable : les créneaux possibles avant le "
            f"{_moment_fr(_floor(request.latest))} sont pris par d'autres auditions")


# --- solving ----------------------------------------------------------------------------------

_Choice = tuple[int, tuple[int, ...]]  # start, sorted member indices
# Hearings of one group never overlap: ("dossier", number) or ("person", identity).
_Group = tuple[str, int | str]
_Solution = dict[int, _Choice]  # request index -> choice


@dataclass(frozen=True)
class _Problem:
    """The requests placeable alone (sorted by key), their options and their waits."""

    requests: list[BookingRequest]
    options: list[list[_Option]]  # chronological
    members: list[_Member]
    durations: list[int]
    waits: list[list[int]]  # minutes from `earliest` to each option's start
    profiled: list[frozenset[int]]  # members holding one of the required profiles
    together: list[tuple[_Group, ...]]  # what a request's people share with other hearings

    @classmethod
    def build(
        cls, requests: list[BookingRequest], options: list[list[_Option]], members: list[_Member]
    ) -> _Problem:
        waits = [[(o.start - _ceil(r.earliest)) // 60 for o in opts]
                 for r, opts in zip(requests, options, strict=True)]
        profiled = [frozenset(m.index for m in members if m.profiles & r.required_profiles)
                    for r in requests]
        groups = [(("dossier", r.dossier), *(("person", a) for a in sorted(r.attendees)))
                  for r in requests]
        # A group alone (one request, no seat) constrains nothing: left out of the model.
        shared = Counter(g for gs in groups for g in gs)
        shared.update(("person", m.person) for m in members)
        together = [tuple(g for g in gs if shared[g] > 1) for gs in groups]
        return cls(requests, options, members, [_duration(r) for r in requests], waits,
                   profiled, together)

    def wait(self, solution: _Solution) -> int:
        return sum(self.waits[r][self.option_index(r, start)] for r, (start, _) in solution.items())

    def value(self, solution: _Solution) -> tuple[int, int, int]:
        """The lexicographic objective: placed, then minus the wait, then minus the top load."""
        load = Counter(j for _, team in solution.values() for j in team)
        return len(solution), -self.wait(solution), -max(load.values(), default=0)

    def option_index(self, r: int, start: int) -> int:
        return bisect.bisect_left(self.options[r], start, key=lambda o: o.start)


def schedule_hearings(
    requests: Sequence[BookingRequest],
    jury: Sequence[JuryMember],
    *,
    step: timedelta = timedelta(minutes=15),
    time_limit_s: float = 10.0,
    seed: int = 0,
) -> Schedule:
    """Place as many hearings as possible, as early as possible, with a balanced jury load.

    ``time_limit_s`` is CP-SAT's *deterministic* time budget over all phases (about a second
    each on a typical machine; measured at two to four wall seconds on a slow VM), which keeps
    the answer independent of the machine's speed. Raises ``ValueError`` on duplicate keys or
    e-mails and on a non-positive ``step``.
    """
    step_s = step // _SECOND
    if step_s <= 0:
        raise ValueError(f"pas de la grille non positif : {step}")
    _unique([r.key for r in requests], "clé d'audition")
    _unique([m.email for m in jury], "e-mail de membre du jury")
    members = [_Member(i, m) for i, m in enumerate(sorted(jury, key=lambda m: m.email))]
    calendar = _Calendar(members, step_s)
    placeable: list[BookingRequest] = []
    options: list[list[_Option]] = []
    unplaced: list[Unplaced] = []
    for request in sorted(requests, key=lambda r: r.key):
        found, scan = _scan(request, calendar, members)
        if found:
            placeable.append(request)
            options.append(found)
        else:
            reason = _diagnose(request, scan, members)
            unplaced.append(Unplaced(request.key, request.dossier, reason))
    if not placeable:
        return Schedule((), tuple(unplaced), "none", "NOTHING_TO_PLACE")
    problem = _Problem.build(placeable, options, members)
    hint = _heuristic(problem)
    solution, solver, status = _optimise(problem, hint, time_limit_s, seed)
    bookings = []
    for r, request in enumerate(placeable):
        if r in solution:
            start, team = solution[r]
            jury_emails = tuple(sorted(members[j].email for j in team))
            end = start + problem.durations[r]
            bookings.append(Booking(request.key, _at(start), _at(end), jury_emails))
        else:
            unplaced.append(Unplaced(request.key, request.dossier, _lost_reason(request)))
    unplaced.sort(key=lambda u: u.key)
    return Schedule(tuple(bookings), tuple(unplaced), solver, status)


def _unique(values: list[str], what: str) -> None:
    twice = sorted(v for v, count in Counter(values).items() if count > 1)
    if twice:
        raise ValueError(f"{what} en double : {', '.join(twice)}")


# --- greedy -----------------------------------------------------------------------------------


class _Board:
    """Who sits when, while the greedy builds a schedule."""

    def __init__(self, problem: _Problem) -> None:
        self.problem = problem
        self.solution: _Solution = {}
        # group -> spans; a member's seats are under their ("person", identity) group
        self.booked: dict[_Group, list[tuple[int, int, int]]] = defaultdict(list)
        self.per_day: Counter[tuple[int, date]] = Counter()
        self.load: Counter[int] = Counter()

    def place(self, r: int, choice: _Choice) -> None:
        start, team = choice
        span = (start, start + self.problem.durations[r], r)
        day = _paris_day(start)
        for j in team:
            self.booked["person", self.problem.members[j].person].append(span)
            self.per_day[j, day] += 1
            self.load[j] += 1
        for group in self.problem.together[r]:
            self.booked[group].append(span)
        self.solution[r] = choice

    def first_fit(self, r: int) -> _Choice | None:
        """The earliest option of r where a jury can still sit, if any."""
        problem = self.problem
        request, duration = problem.requests[r], problem.durations[r]
        profiled = problem.profiled[r] if request.required_profiles else None
        for option in problem.options[r]:
            a, b = option.start, option.start + duration
            if any(x < b and a < y for group in problem.together[r]
                   for x, y, _ in self.booked[group]):
                continue
            day = _paris_day(a)
            free = [
                j for j in option.members
                if not any(x < b and a < y
                           for x, y, _ in self.booked["person", problem.members[j].person])
                and _has_room(problem.members[j].room(day), self.per_day[j, day])
            ]
            team = _pick_team(free, request.jury_size, profiled, self.load)
            if team is not None:
                return a, tuple(sorted(team))
        return None


def _heuristic(problem: _Problem) -> _Solution:
    """The better of two greedy orders.

    Most constrained first (fewest options, then earliest deadline) protects the count;
    chronological (earliest first option, then deadline) usually waits less. The result is a
    complete, feasible CP-SAT hint, bounds the options CP-SAT needs, and is the fallback.
    """
    n = len(problem.requests)
    constrained = sorted(
        range(n), key=lambda r: (len(problem.options[r]), problem.requests[r].latest, r))
    chronological = sorted(
        range(n), key=lambda r: (problem.options[r][0].start, problem.requests[r].latest, r))
    candidates = [_greedy(problem, order).solution for order in (constrained, chronological)]
    return max(candidates, key=problem.value)  # the first of the best on ties


def _greedy(problem: _Problem, order: list[int]) -> _Board:
    """Each request in turn at its earliest start where a jury can still sit.

    At a start, the least-loaded member of a required profile is seated first, then the
    least-loaded others (ties by e-mail, i.e. member index).
    """
    board = _Board(problem)
    for r in order:
        fit = board.first_fit(r)
        if fit is not None:
            board.place(r, fit)
    return board


def _has_room(room: int | None, used: int) -> bool:
    return room is None or used < room


def _pick_team(
    free: list[int], size: int, profiled: frozenset[int] | None, load: Counter[int]
) -> list[int] | None:
    ranked = sorted(free, key=lambda j: (load[j], j))
    if len(ranked) < size:
        return None
    if profiled is None:
        return ranked[:size]
    lead = next((j for j in ranked if j in profiled), None)
    if lead is None:
        return None
    return [lead] + [j for j in ranked if j != lead][: size - 1]


# --- CP-SAT -----------------------------------------------------------------------------------


class _Model:
    """The time-indexed model over a subset of the options (`kept`, per request)."""

    def __init__(self, problem: _Problem, kept: list[list[int]]) -> None:
        self.problem = problem
        self.model = model = cp_model.CpModel()
        self.x: dict[tuple[int, int], cp_model.IntVar] = {}
        self.y: dict[tuple[int, int, int], cp_model.IntVar] = {}
        sits: dict[int, list[tuple[int, int, cp_model.IntVar]]] = defaultdict(list)
        per_day: dict[tuple[int, date], list[cp_model.IntVar]] = defaultdict(list)
        # Everyone's spans by group: the seats of a member under ("person", identity),
        # with the hearings they attend; a dossier's hearings under ("dossier", number).
        together: dict[_Group, list[tuple[int, int, cp_model.IntVar]]] = defaultdict(list)
        for r, request in enumerate(problem.requests):
            for o in kept[r]:
                option = problem.options[r][o]
                end = option.start + problem.durations[r]
                starts_here = self.x[r, o] = model.new_bool_var(f"x_{r}_{o}")
                seats = []
                for j in option.members:
                    seat = self.y[r, o, j] = model.new_bool_var(f"y_{r}_{o}_{j}")
                    seats.append(seat)
                    sits[j].append((option.start, end, seat))
                    together["person", problem.members[j].person].append(
                        (option.start, end, seat))
                    if problem.members[j].cap is not None:
                        per_day[j, _paris_day(option.start)].append(seat)
                model.add(sum(seats) == request.jury_size * starts_here)
                if request.required_profiles:
                    lead = [self.y[r, o, j] for j in option.members if j in problem.profiled[r]]
                    model.add(sum(lead) >= starts_here)
                for group in problem.together[r]:
                    together[group].append((option.start, end, starts_here))
            model.add_at_most_one(self.x[r, o] for o in kept[r])
        for spans in together.values():
            _at_most_one_at_a_time(model, spans)
        for (j, day), seats in per_day.items():
            model.add(sum(seats) <= (problem.members[j].room(day) or 0))
        self.loads = [sum(seat for _, _, seat in spans) for spans in sits.values()]
        self.placed = sum(self.x.values())
        self.wait = sum(problem.waits[r][o] * var for (r, o), var in self.x.items())

    def busiest(self) -> cp_model.IntVar:
        top = self.model.new_int_var(0, len(self.problem.requests), "busiest")
        for load in self.loads:
            self.model.add(load <= top)
        return top

    def solve(
        self, hint: _Solution, budget: float, seed: int
    ) -> tuple[_Solution | None, bool, float]:
        """(solution or None, proven optimal, deterministic time spent); one worker, a fixed
        seed and a deterministic time limit: same inputs, same answer."""
        for (r, o), var in self.x.items():
            start, team = hint.get(r, (None, ()))
            chosen = self.problem.options[r][o].start == start
            self.model.add_hint(var, chosen)
            for j in self.problem.options[r][o].members:
                self.model.add_hint(self.y[r, o, j], chosen and j in team)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = seed
        solver.parameters.max_deterministic_time = max(budget, 0.01)
        # Wall-clock cap as a safety net only: hitting it would make the answer depend on the
        # machine's speed, so it is set far above the deterministic limit.
        solver.parameters.max_time_in_seconds = 10 * max(budget, 0.01)
        # Presolve probing costs seconds on these models and buys nothing measurable.
        solver.parameters.cp_model_probing_level = 0
        status = solver.solve(self.model)
        spent = solver.deterministic_time
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None, False, spent
        solution: _Solution = {}
        for (r, o), var in self.x.items():
            if solver.boolean_value(var):
                option = self.problem.options[r][o]
                team = tuple(j for j in option.members if solver.boolean_value(self.y[r, o, j]))
                solution[r] = (option.start, team)
        return solution, status == cp_model.OPTIMAL, spent


def _optimise(
    problem: _Problem, hint: _Solution, time_limit_s: float, seed: int
) -> tuple[_Solution, str, str]:
    """Improve the heuristic schedule lexicographically, one objective per CP-SAT phase.

    1. Count: skipped when the heuristic places every request (nothing can do better).
    2. Wait, the count kept. An optimum waits no longer in total than the incumbent, and each
       placed request at least as long as its first option, so an option waiting more than
       its first one plus the incumbent's *slack* (its wait minus that least total) is in no
       optimum. The phase solves over a small depth of options first (fast, and it improves
       the incumbent), and deepens until the depth covers the slack: a proven optimum over
       every such option is an optimum, usually on a model a tenth of the full one.
    3. Balance: the busiest member's number of hearings, juries reassigned with the starts
       fixed. Equal-wait schedules at other starts are not explored: balance comes last, and
       the jury-only model is tiny where the full one would not close in seconds.
    Each phase starts from the best schedule so far, so none makes it worse. Returns the
    solution, the solver ("cp-sat", or "greedy" when CP-SAT found nothing) and the status:
    "OPTIMAL" when each phase was proven (maximal count, minimal wait, then the best balance
    for those starts), else "FEASIBLE", or CP-SAT's own when it found nothing.
    """
    n = len(problem.requests)
    spent = 0.0
    best = hint
    proven, solved, status = True, False, "UNKNOWN"

    def run(model: _Model, share: float) -> tuple[_Solution | None, bool]:
        nonlocal spent, solved, status
        found, optimal, cost = model.solve(best, share * (time_limit_s - spent), seed)
        spent += cost
        solved |= found is not None
        status = "OPTIMAL" if optimal else ("FEASIBLE" if found is not None else "UNKNOWN")
        return found, optimal

    if len(best) < n:
        model = _Model(problem, [list(range(len(opts))) for opts in problem.options])
        model.model.maximize(model.placed)
        found, optimal = run(model, 0.5)
        proven &= optimal
        if found is not None and len(found) > len(best):
            best = found
    count = len(best)
    floor = sum(sorted(waits[0] for waits in problem.waits)[:count])  # least total wait
    depth = 0
    while True:
        kept = _within(problem, best, depth)
        model = _Model(problem, kept)
        model.model.add(model.placed >= count)
        model.model.minimize(model.wait)
        found, optimal = run(model, 0.6)
        if found is not None and problem.wait(found) < problem.wait(best):
            best = found
        slack = problem.wait(best) - floor
        if not optimal or slack <= depth:
            proven &= optimal
            break
        depth = slack if depth else min(slack, 60)
    model = _Model(problem, _chosen(problem, best))
    model.model.add(model.placed >= len(best))
    model.model.minimize(model.busiest())
    found, optimal = run(model, 1.0)
    proven &= optimal
    if found is not None and problem.value(found) > problem.value(best):
        best = found
    if not solved:
        return best, "greedy", status
    return best, "cp-sat", "OPTIMAL" if proven else "FEASIBLE"


def _chosen(problem: _Problem, solution: _Solution) -> list[list[int]]:
    """Per request, only the option the solution starts it at (none if left out)."""
    return [[problem.option_index(r, solution[r][0])] if r in solution else []
            for r in range(len(problem.requests))]


def _within(problem: _Problem, incumbent: _Solution, slack: int) -> list[list[int]]:
    """Per request, the options waiting at most `slack` more than its first, and the
    incumbent's own option (so the incumbent stays a valid hint)."""
    kept = []
    for r, waits in enumerate(problem.waits):
        chosen = {problem.option_index(r, incumbent[r][0])} if r in incumbent else set()
        kept.append(sorted(chosen | {o for o, w in enumerate(waits) if w - waits[0] <= slack}))
    return kept


def _at_most_one_at_a_time(
    model: cp_model.CpModel, spans: list[tuple[int, int, cp_model.IntVar]]
) -> None:
    """No two chosen spans overlap, as at-most-one cliques over the spans running at a time.

    Two fixed spans overlap iff one contains the other's start, so one clique per start is
    exact; only maximal ones are kept (a span ends before the next start). This says what
    AddNoOverlap on optional intervals would, but the cliques reach the LP relaxation, which
    then bounds the wait tightly.
    """
    spans = sorted(spans, key=lambda t: t[0])
    points = sorted({a for a, _, _ in spans})
    active: list[tuple[int, int, cp_model.IntVar]] = []
    k = 0
    for i, t in enumerate(points):
        active = [s for s in active if s[1] > t]
        while k < len(spans) and spans[k][0] == t:
            active.append(spans[k])
            k += 1
        following = points[i + 1] if i + 1 < len(points) else None
        maximal = following is None or any(end <= following for _, end, _ in active)
        if maximal and len(active) > 1:
            model.add_at_most_one(seat for _, _, seat in active)
