"""The chasing ladder (pure): due dates, working days, and which step each open task is at.

By default: a reminder 3 days before the due date, another the day after, the programme
team alerted at D+4, the task handed to the next alternate at D+7. Each step is taken at
most once per assignment. When the daily run missed days (a weekend, a holiday, an
outage), only the latest step due is taken and the earlier ones are recorded as skipped:
nobody gets two reminders for one task on one morning, and a replacement makes any
reminder moot.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

import holidays

Action = Literal["remind", "escalate", "replace"]
END_OF_DAY = time(23, 59)


class Step(Protocol):
    name: str
    days: int
    action: Action


@lru_cache(maxsize=8)
def _holidays(country: str, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays(country, years=year)


def is_working_day(day: date, country: str | None = "FR") -> bool:
    """Monday to Friday, and not a public holiday of ``country`` (None: weekends only)."""
    if day.weekday() >= 5:
        return False
    return country is None or day not in _holidays(country, day.year)


def next_working_day(day: date, country: str | None = "FR") -> date:
    """``day`` if it is a working day, else the first working day after it."""
    while not is_working_day(day, country):
        day += timedelta(days=1)
    return day


def previous_working_day(day: date, country: str | None = "FR") -> date:
    """The last working day strictly before ``day``."""
    day -= timedelta(days=1)
    while not is_working_day(day, country):
        day -= timedelta(days=1)
    return day


def task_reminder_at(due: datetime, tz: ZoneInfo, country: str | None = "FR",
                     at: time = time(9)) -> datetime:
    """When a task's calendar reminder fires: ``at`` on the working day before its due
    day (a Monday deadline is recalled on Friday, not on Sunday)."""
    day = previous_working_day(due.astimezone(tz).date(), country)
    return datetime.combine(day, at, tz)


def due_at(start: datetime, days: int, tz: ZoneInfo, country: str | None = "FR") -> datetime:
    """``days`` after ``start``, at the end of that day in ``tz``, moved to the next working
    day when it falls on a weekend or a holiday. Returned in ``start``'s timezone (UTC)."""
    day = next_working_day(start.astimezone(tz).date() + timedelta(days=days), country)
    return datetime.combine(day, END_OF_DAY, tz).astimezone(start.tzinfo)


def step_day(due: datetime, step: Step, tz: ZoneInfo) -> date:
    return due.astimezone(tz).date() + timedelta(days=step.days)


@dataclass(frozen=True)
class OpenTask:
    """An assignment still waiting for its evaluation."""

    assignment_id: int
    evaluator: str
    dossier: int
    track: str
    due: datetime
    done_steps: frozenset[str] = frozenset()


@dataclass(frozen=True)
class StepAction:
    task: OpenTask
    step: str
    action: Action
    days_late: int  # negative: days left before the due date


@dataclass
class ChasePlan:
    reminders: dict[str, list[StepAction]] = field(default_factory=dict)  # one digest each
    escalations: list[StepAction] = field(default_factory=list)
    replacements: list[StepAction] = field(default_factory=list)
    skipped: list[StepAction] = field(default_factory=list)

    @property
    def actions(self) -> list[StepAction]:
        return [*(a for items in self.reminders.values() for a in items),
                *self.escalations, *self.replacements]


def steps_due(task: OpenTask, ladder: Sequence[Step], today: date, tz: ZoneInfo
              ) -> tuple[list[Step], list[Step]]:
    """(steps to take today, steps to record as skipped) for one task."""
    pending = [s for s in ladder
               if s.name not in task.done_steps and step_day(task.due, s, tz) <= today]
    if not pending:
        return [], []
    replace = [s for s in pending if s.action == "replace"]
    if replace:
        return replace[-1:], [s for s in pending if s is not replace[-1]]
    take: list[Step] = []
    reminders = [s for s in pending if s.action == "remind"]
    if reminders:
        take.append(reminders[-1])
    escalations = [s for s in pending if s.action == "escalate"]
    if escalations:
        take.append(escalations[-1])
    return take, [s for s in pending if s not in take]


def plan_chase(tasks: Iterable[OpenTask], ladder: Sequence[Step], today: date,
               tz: ZoneInfo) -> ChasePlan:
    """What to do today for every open task: reminders grouped by evaluator (one digest
    each), the late list for the programme team, the replacements, the skipped steps."""
    plan = ChasePlan()
    reminders: dict[str, list[StepAction]] = defaultdict(list)
    for task in sorted(tasks, key=lambda t: (t.evaluator, t.due, t.assignment_id)):
        late = (today - task.due.astimezone(tz).date()).days
        take, skip = steps_due(task, ladder, today, tz)
        for step in skip:
            plan.skipped.append(StepAction(task, step.name, step.action, late))
        for step in take:
            action = StepAction(task, step.name, step.action, late)
            if step.action == "remind":
                reminders[task.evaluator].append(action)
            elif step.action == "escalate":
                plan.escalations.append(action)
            else:
                plan.replacements.append(action)
    plan.reminders = dict(reminders)
    return plan


def replacement_day(task: OpenTask, ladder: Sequence[Step], tz: ZoneInfo,
                    country: str | None = "FR") -> date | None:
    """When the task is handed to someone else, if the ladder does that: the replace
    step's day, or the first working day after it (the chase runs on working days only)."""
    steps = [s for s in ladder if s.action == "replace"]
    return next_working_day(step_day(task.due, steps[0], tz), country) if steps else None
