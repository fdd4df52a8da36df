"""The evaluation task as iCalendar: an all-day event on the due day (what agendas show)
and a VTODO due at the given instant in Europe/Paris, each with an RFC-valid reminder."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from icalendar import Alarm, Calendar, Component

from connectors.documents import PRODID, calendar_uid, task_calendar
from models.paris_time import PARIS
from tests.unit.email_samples import DUE, EVALUATE_URL, NOW
from tests.unit.ical_rules import check_ics

UID = calendar_uid("mail:eval-request:17", "beta.gouv.fr", "echeance")
EVE = datetime(2026, 12, 11, 9, tzinfo=PARIS)  # the Friday before Monday 14 December
DESCRIPTION = "Dossier n° 42 : « Signaux faibles & entreprises ».\nCritères ; notes, commentaire."


def ics(**changes: Any) -> bytes:
    arguments: dict[str, Any] = {
        "uid": UID, "summary": "Évaluer le dossier n° 42 (projet)", "description": DESCRIPTION,
        "due": DUE, "url": EVALUATE_URL, "now": NOW, "organizer_email": "eig@beta.gouv.fr",
        "reminder": EVE,
    }
    return task_calendar(**(arguments | changes))


def parse(data: bytes) -> tuple[Calendar, Component, Component]:
    calendar = check_ics(data)
    events, todos = calendar.walk("VEVENT"), calendar.walk("VTODO")
    assert len(events) == 1 and len(todos) == 1
    return calendar, events[0], todos[0]


def test_the_calendar_publishes_the_due_day_and_the_task() -> None:
    calendar, event, todo = parse(ics())
    assert str(calendar["PRODID"]) == PRODID == "-//DINUM//Pipeline EIG//FR"
    assert str(calendar["VERSION"]) == "2.0" and str(calendar["METHOD"]) == "PUBLISH"
    # the event first: clients that read one component show it
    assert [c.name for c in calendar.subcomponents if c.name != "VTIMEZONE"] == [
        "VEVENT", "VTODO"]
    assert str(event["UID"]) == UID and str(todo["UID"]) != UID
    for component in (event, todo):
        assert str(component["URL"]) == EVALUATE_URL
        assert str(component["DESCRIPTION"]) == DESCRIPTION
        assert str(component["ORGANIZER"]) == "mailto:eig@beta.gouv.fr"
        assert component.decoded("DTSTAMP") == NOW and int(component["SEQUENCE"]) == 0
    assert str(todo["SUMMARY"]) == "Évaluer le dossier n° 42 (projet)"
    assert str(event["SUMMARY"]) == "Évaluer le dossier n° 42 (projet) — échéance à 18 h 00"
    assert str(todo["STATUS"]) == "NEEDS-ACTION" and int(todo["PRIORITY"]) == 5


def test_the_event_is_the_whole_due_day_and_does_not_block_it() -> None:
    _, event, _ = parse(ics())
    assert event.decoded("DTSTART") == date(2026, 12, 14)
    assert event.decoded("DTEND") == date(2026, 12, 15)
    assert b"DTSTART;VALUE=DATE:20261214" in ics()
    assert str(event["TRANSP"]) == "TRANSPARENT"


def test_the_due_day_is_the_paris_day() -> None:
    late = datetime(2026, 12, 14, 22, 59, tzinfo=UTC)  # 23 h 59 in Paris
    _, event, todo = parse(ics(due=late))
    assert event.decoded("DTSTART") == date(2026, 12, 14)
    assert "23 h 59" in str(event["SUMMARY"])
    assert todo.decoded("DUE") == late


def test_due_is_the_given_instant_in_paris_with_its_timezone() -> None:
    calendar, _, todo = parse(ics())
    due = todo.decoded("DUE")
    assert due == DUE and due.utcoffset() == timedelta(hours=1)
    assert str(todo["DUE"].params["TZID"]) == "Europe/Paris"
    assert b"DUE;TZID=Europe/Paris:20261214T180000" in ics()
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]


def test_summer_due_date() -> None:
    due = datetime(2026, 7, 1, 15, 30, tzinfo=UTC)
    data = ics(due=due)
    assert b"DUE;TZID=Europe/Paris:20260701T173000" in data
    assert parse(data)[2].decoded("DUE") == due


def _alarm(component: Component) -> Alarm:
    alarms = component.walk("VALARM")
    assert len(alarms) == 1 and str(alarms[0]["ACTION"]) == "DISPLAY"
    return alarms[0]


@pytest.mark.parametrize(("due", "eve"), [
    (DUE, EVE),
    (datetime(2026, 3, 30, 21, 59, tzinfo=UTC),  # the eve is the night clocks go forward
     datetime(2026, 3, 29, 9, tzinfo=PARIS)),
    (datetime(2026, 7, 1, 15, 30, tzinfo=UTC), datetime(2026, 6, 30, 9, tzinfo=PARIS)),
])
def test_both_reminders_fire_at_the_given_instant(due: datetime, eve: datetime) -> None:
    data = ics(due=due, reminder=eve)
    _, event, todo = parse(data)
    absolute = _alarm(todo)
    assert absolute.decoded("TRIGGER") == eve
    assert absolute["TRIGGER"].params["VALUE"] == "DATE-TIME"  # RFC 5545 §3.8.6.3
    stamp = eve.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ").encode()
    assert b"TRIGGER;VALUE=DATE-TIME:" + stamp in data
    relative = _alarm(event)  # relative to the all-day start: midnight, Paris
    start = datetime.combine(event.decoded("DTSTART"), time(0), PARIS)
    assert start + relative.decoded("TRIGGER") == eve
    assert b"TRIGGER:-P" in data


def test_every_absolute_trigger_says_date_time() -> None:
    data = ics()
    triggers = [line for line in data.split(b"\r\n") if line.startswith(b"TRIGGER")]
    assert len(triggers) == 2
    for line in triggers:
        value = line.partition(b":")[2]
        assert value.startswith((b"-P", b"P")) or line.startswith(b"TRIGGER;VALUE=DATE-TIME:")


def test_optional_parts_can_be_left_out() -> None:
    _, event, todo = parse(ics(url=None, organizer_email=None, reminder=None))
    for component in (event, todo):
        assert "URL" not in component and "ORGANIZER" not in component
        assert component.walk("VALARM") == []


def test_a_given_task_uid_is_used() -> None:
    other = calendar_uid("mail:eval-request:17", "beta.gouv.fr", "tache")
    assert str(parse(ics(todo_uid=other))[2]["UID"]) == other


def test_same_arguments_same_bytes() -> None:
    assert ics() == ics()
    assert ics().startswith(b"BEGIN:VCALENDAR\r\n")


def test_a_uid_is_the_hashed_key_at_the_sender_domain() -> None:
    uid = calendar_uid("mail:hearing-invite:62:ana@example.org", "Beta.Gouv.fr")
    local, _, domain = uid.partition("@")
    assert domain == "beta.gouv.fr" and len(local) == 32 and "ana" not in uid
    assert uid == calendar_uid("mail:hearing-invite:62:ana@example.org", "beta.gouv.fr")
    others = {calendar_uid("mail:hearing-invite:62:ana@example.org", "autre.example"),
              calendar_uid("mail:hearing-invite:63:ana@example.org", "beta.gouv.fr"),
              calendar_uid("mail:hearing-invite:62:ana@example.org", "beta.gouv.fr", "x")}
    assert uid not in others and len(others) == 3
    with pytest.raises(ValueError):
        calendar_uid("", "beta.gouv.fr")
