"""The chasing ladder: due dates on working days, each step on its day, once, and the
latest one only when days were missed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from models.chasing import (
    OpenTask,
    due_at,
    is_working_day,
    next_working_day,
    plan_chase,
    previous_working_day,
    replacement_day,
    steps_due,
    task_reminder_at,
)
from settings.config import EvaluationConfig

PARIS = ZoneInfo("Europe/Paris")
LADDER = EvaluationConfig().ladder  # -3 remind, +1 remind, +4 escalate, +7 replace
DUE = datetime(2026, 12, 14, 22, 59, tzinfo=UTC)  # Monday 14 December, 23:59 in Paris


def task(assignment_id=1, evaluator="ana@example.org", due=DUE, done=()):
    return OpenTask(assignment_id, evaluator, 100 + assignment_id, "projets", due,
                    frozenset(done))


def test_working_days_skip_weekends_and_french_holidays():
    assert is_working_day(date(2026, 12, 14))  # Monday
    assert not is_working_day(date(2026, 12, 19))  # Saturday
    assert not is_working_day(date(2026, 12, 25))  # Noël
    assert not is_working_day(date(2026, 7, 14))  # fête nationale
    assert is_working_day(date(2026, 12, 25), country=None)
    assert next_working_day(date(2026, 12, 25)) == date(2026, 12, 28)


def test_due_date_is_the_end_of_a_working_day_in_paris():
    # Created Monday 30 November, 14 days → Monday 14 December, 23:59 Paris (22:59 UTC)
    assert due_at(datetime(2026, 11, 30, 10, tzinfo=UTC), 14, PARIS) == DUE
    # Landing on Friday 25 December (Noël) → Monday 28 December
    landed = due_at(datetime(2026, 12, 11, 10, tzinfo=UTC), 14, PARIS)
    assert landed.astimezone(PARIS).date() == date(2026, 12, 28)
    # Summer time: 23:59 Paris is 21:59 UTC
    summer = due_at(datetime(2026, 6, 1, 10, tzinfo=UTC), 14, PARIS)
    assert (summer.hour, summer.minute) == (21, 59)


@pytest.mark.parametrize("today, expected", [
    (date(2026, 12, 10), []),
    (date(2026, 12, 11), ["rappel-avant"]),  # D-3
    (date(2026, 12, 14), ["rappel-avant"]),  # still due if it was never taken
    (date(2026, 12, 15), ["rappel-retard"]),  # D+1 (D-3 skipped)
    (date(2026, 12, 18), ["rappel-retard", "escalade"]),  # D+4, nothing taken before
    (date(2026, 12, 21), ["remplacement"]),  # D+7 makes every reminder moot
])
def test_the_step_of_the_day(today, expected):
    take, _ = steps_due(task(), LADDER, today, PARIS)
    assert [s.name for s in take] == expected


def test_steps_already_taken_are_not_taken_again():
    done = task(done={"rappel-avant"})
    assert steps_due(done, LADDER, date(2026, 12, 11), PARIS) == ([], [])
    take, skip = steps_due(done, LADDER, date(2026, 12, 15), PARIS)
    assert [s.name for s in take] == ["rappel-retard"] and skip == []


def test_missed_days_record_earlier_steps_as_skipped():
    take, skip = steps_due(task(), LADDER, date(2026, 12, 21), PARIS)
    assert [s.name for s in take] == ["remplacement"]
    assert [s.name for s in skip] == ["rappel-avant", "rappel-retard", "escalade"]


def test_one_digest_per_evaluator_whatever_the_number_of_tasks():
    tasks = [task(1), task(2), task(3, due=DUE + timedelta(days=4)),
             task(4, evaluator="bob@example.org")]
    plan = plan_chase(tasks, LADDER, date(2026, 12, 15), PARIS)
    assert set(plan.reminders) == {"ana@example.org", "bob@example.org"}
    assert [a.task.assignment_id for a in plan.reminders["ana@example.org"]] == [1, 2, 3]
    steps = {a.task.assignment_id: (a.step, a.days_late)
             for a in plan.reminders["ana@example.org"]}
    assert steps == {1: ("rappel-retard", 1), 2: ("rappel-retard", 1), 3: ("rappel-avant", -3)}
    assert plan.escalations == [] and plan.replacements == []


def test_escalation_and_replacement_are_planned_on_their_days():
    plan = plan_chase([task(1, done={"rappel-avant", "rappel-retard"})], LADDER,
                      date(2026, 12, 18), PARIS)
    assert [(a.step, a.days_late) for a in plan.escalations] == [("escalade", 4)]
    plan = plan_chase([task(1, done={"rappel-avant", "rappel-retard", "escalade"})], LADDER,
                      date(2026, 12, 21), PARIS)
    assert [a.step for a in plan.replacements] == ["remplacement"]
    assert replacement_day(task(), LADDER, PARIS) == date(2026, 12, 21)


def _due(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 59, tzinfo=PARIS).astimezone(UTC)


@pytest.mark.parametrize("due, replaced", [
    (date(2026, 12, 18), date(2026, 12, 28)),  # D+7 is Friday 25 December (Noël)
    (date(2026, 4, 24), date(2026, 5, 4)),  # Friday 1 May, then the weekend
    (date(2026, 5, 7), date(2026, 5, 15)),  # Thursday 14 May (Ascension)
    (date(2026, 5, 18), date(2026, 5, 26)),  # Monday 25 May (lundi de Pentecôte)
    (date(2026, 11, 4), date(2026, 11, 12)),  # Wednesday 11 November
    (date(2026, 12, 24), date(2026, 12, 31)),  # a working day stays as it is
])
def test_the_replacement_announced_falls_on_a_working_day(due, replaced):
    assert replacement_day(task(due=_due(due)), LADDER, PARIS) == replaced
    assert is_working_day(replaced)
    # the chase (which runs on working days only) takes the step that very day
    take, _ = steps_due(task(due=_due(due), done={"rappel-avant", "rappel-retard",
                                                  "escalade"}), LADDER, replaced, PARIS)
    assert [s.name for s in take] == ["remplacement"]
    # weekends only, if the configuration says so
    assert replacement_day(task(due=_due(date(2026, 12, 18))), LADDER, PARIS,
                           country=None) == date(2026, 12, 25)


def test_a_due_date_over_new_year_skips_the_first_of_january():
    landed = due_at(datetime(2026, 12, 18, 10, tzinfo=UTC), 14, PARIS)  # Friday 1 January
    assert landed.astimezone(PARIS).date() == date(2027, 1, 4)


@pytest.mark.parametrize("due, reminded", [
    (date(2026, 12, 14), date(2026, 12, 11)),  # Monday → Friday, not Sunday
    (date(2027, 1, 4), date(2026, 12, 31)),  # Monday 4 January → Thursday 31 December
    (date(2026, 5, 15), date(2026, 5, 13)),  # Friday after Ascension → Wednesday
    (date(2026, 5, 26), date(2026, 5, 22)),  # Tuesday after Pentecôte → Friday
    (date(2026, 12, 16), date(2026, 12, 15)),  # Wednesday → Tuesday
])
def test_the_task_reminder_is_on_the_working_day_before_the_due_day(due, reminded):
    assert previous_working_day(due) == reminded
    at = task_reminder_at(_due(due), PARIS)
    assert at == datetime(reminded.year, reminded.month, reminded.day, 9, tzinfo=PARIS)


def test_a_ladder_must_be_in_order_with_unique_names():
    with pytest.raises(ValueError, match="order"):
        EvaluationConfig(ladder=[{"name": "b", "days": 2, "action": "remind"},
                                 {"name": "a", "days": 1, "action": "remind"}])
    with pytest.raises(ValueError, match="unique"):
        EvaluationConfig(ladder=[{"name": "a", "days": 1, "action": "remind"},
                                 {"name": "a", "days": 2, "action": "remind"}])
