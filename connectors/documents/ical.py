"""iCalendar attachments: an evaluation task (VTODO) with its due date and a reminder.

The due date is written in Europe/Paris with its VTIMEZONE, so calendar clients show
the local time the email announces; DTSTAMP and the alarm trigger are in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Alarm, Calendar, Todo, vCalAddress

from .french import to_paris

PRODID = "-//DINUM//Pipeline EIG//FR"


def task_calendar(*, uid: str, summary: str, description: str, due: datetime,
                  url: str | None, now: datetime, organizer_email: str | None = None,
                  alarm_before: timedelta | None = timedelta(days=1),
                  priority: int = 5) -> bytes:
    """A VCALENDAR (METHOD:PUBLISH) holding one VTODO due at ``due``, as ``.ics`` bytes.

    ``due`` and ``now`` must be aware. ``alarm_before`` sets a display alarm that long
    before the due date (``None``: no alarm). ``priority`` follows RFC 5545 (1 highest,
    9 lowest, 5 normal). Same arguments, same bytes.
    """
    local_due = to_paris(due)
    stamp = to_paris(now).astimezone(UTC)  # to_paris refuses a naive datetime
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    todo = Todo()
    todo.add("uid", uid)
    todo.add("dtstamp", stamp)
    todo.add("summary", summary)
    todo.add("description", description)
    todo.add("due", local_due)
    if url:
        todo.add("url", url)
    todo.add("status", "NEEDS-ACTION")
    todo.add("priority", priority)
    if organizer_email:
        todo.add("organizer", vCalAddress(f"mailto:{organizer_email}"))
    if alarm_before is not None:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", summary)
        # An absolute trigger: clients handle it alike, a VTODO has no DTSTART to relate to.
        alarm.add("trigger", (due - alarm_before).astimezone(UTC))
        todo.add_component(alarm)
    cal.add_component(todo)
    cal.add_missing_timezones(first_date=(local_due - timedelta(days=400)).date(),
                              last_date=(local_due + timedelta(days=400)).date())
    return cal.to_ical()
