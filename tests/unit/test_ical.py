"""The evaluation task as iCalendar: one VTODO, due in Europe/Paris, with its reminder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from icalendar import Calendar, Component

from connectors.documents import PRODID, task_calendar
from tests.unit.email_samples import DUE, EVALUATE_URL, NOW

UID = "mail-eval-request-17@eig.beta.gouv.fr"
DESCRIPTION = "Dossier n° 42 : « Signaux faibles & entreprises ».\nCritères ; notes, commentaire."


def ics(**changes: Any) -> bytes:
    arguments: dict[str, Any] = {
        "uid": UID, "summary": "Évaluer le dossier n° 42 (projet)", "description": DESCRIPTION,
        "due": DUE, "url": EVALUATE_URL, "now": NOW, "organizer_email": "eig@beta.gouv.fr",
    }
    return task_calendar(**(arguments | changes))


def parse(data: bytes) -> tuple[Calendar, Component]:
    calendar = Calendar.from_ical(data)
    todos = calendar.walk("VTODO")
    assert len(todos) == 1
    return calendar, todos[0]


def test_the_calendar_publishes_one_task() -> None:
    calendar, todo = parse(ics())
    assert str(calendar["PRODID"]) == PRODID == "-//DINUM//Pipeline EIG//FR"
    assert str(calendar["VERSION"]) == "2.0" and str(calendar["METHOD"]) == "PUBLISH"
    assert str(todo["UID"]) == UID
    assert str(todo["URL"]) == EVALUATE_URL
    assert str(todo["SUMMARY"]) == "Évaluer le dossier n° 42 (projet)"
    assert str(todo["DESCRIPTION"]) == DESCRIPTION
    assert str(todo["STATUS"]) == "NEEDS-ACTION" and int(todo["PRIORITY"]) == 5
    assert str(todo["ORGANIZER"]) == "mailto:eig@beta.gouv.fr"
    assert todo.decoded("DTSTAMP") == NOW


def test_due_is_the_given_instant_in_paris_with_its_timezone() -> None:
    calendar, todo = parse(ics())
    due = todo.decoded("DUE")
    assert due == DUE and due.utcoffset() == timedelta(hours=1)
    assert str(todo["DUE"].params["TZID"]) == "Europe/Paris"
    assert b"DUE;TZID=Europe/Paris:20261214T180000" in ics()
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]


def test_summer_due_date() -> None:
    due = datetime(2026, 7, 1, 15, 30, tzinfo=UTC)
    data = ics(due=due)
    assert b"DUE;TZID=Europe/Paris:20260701T173000" in data
    assert parse(data)[1].decoded("DUE") == due


def test_the_alarm_fires_the_given_time_before_the_due_date() -> None:
    _, todo = parse(ics(alarm_before=timedelta(hours=6)))
    alarms = todo.walk("VALARM")
    assert len(alarms) == 1
    assert str(alarms[0]["ACTION"]) == "DISPLAY"
    assert alarms[0].decoded("TRIGGER") == DUE - timedelta(hours=6)
    assert parse(ics())[1].walk("VALARM")[0].decoded("TRIGGER") == DUE - timedelta(days=1)


def test_optional_parts_can_be_left_out() -> None:
    _, todo = parse(ics(url=None, organizer_email=None, alarm_before=None))
    assert "URL" not in todo and "ORGANIZER" not in todo
    assert todo.walk("VALARM") == []


def test_same_arguments_same_bytes() -> None:
    assert ics() == ics()
    assert ics().startswith(b"BEGIN:VCALENDAR\r\n")


@pytest.mark.parametrize("field", ["due", "now"])
def test_naive_datetimes_are_refused(field: str) -> None:
    with pytest.raises(ValueError, match="sans fuseau"):
        ics(**{field: datetime(2026, 12, 14, 18, 0)})
