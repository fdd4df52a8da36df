"""iCalendar attachments: an evaluation task (VTODO) with its due date and a reminder,
and a hearing invitation (VEVENT, iTIP REQUEST or CANCEL).

Due dates and hearing slots are written in Europe/Paris with their VTIMEZONE, so
calendar clients show the local time the email announces; DTSTAMP and absolute alarm
triggers are in UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Literal

from icalendar import Alarm, Calendar, Event, Todo, vCalAddress

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


HEARING_ALARM_BEFORE = timedelta(minutes=30)
"""The display alarm of a hearing invitation fires that long before its start."""


def _address(email: str, name: str, **params: str) -> vCalAddress:
    """``mailto:`` address with its CN (quotes and newlines encoded per RFC 6868)."""
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["CN"] = name
    address.params.update(params)
    return address


def hearing_calendar(*, uid: str, sequence: int, method: Literal["REQUEST", "CANCEL"],
                     summary: str, description: str, start: datetime, end: datetime,
                     location: str | None, organizer_email: str, organizer_name: str,
                     attendees: Sequence[tuple[str, str]], now: datetime) -> bytes:
    """A VCALENDAR (METHOD REQUEST or CANCEL) holding one hearing VEVENT, as ``.ics`` bytes.

    ``REQUEST`` invites ``attendees`` (``(email, name)`` pairs) to the slot: STATUS
    CONFIRMED, RSVP requested, a display alarm 30 minutes before. ``CANCEL`` withdraws
    the event of the same ``uid``: STATUS CANCELLED, no RSVP, no alarm; pass a
    ``sequence`` above the request's. A reschedule is the caller's business: cancel the
    old ``uid``, then request a new one. ``start``, ``end`` and ``now`` must be aware;
    ``end`` must follow ``start``. Same arguments, same bytes.
    """
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"méthode iTIP inconnue : {method!r} (attendu : REQUEST ou CANCEL)")
    local_start, local_end = to_paris(start), to_paris(end)  # to_paris refuses naive ones
    if local_end <= local_start:
        raise ValueError(f"audition sans durée : fin {end.isoformat()} "
                         f"avant ou égale au début {start.isoformat()}")
    if sequence < 0:
        raise ValueError(f"SEQUENCE négative : {sequence}")
    stamp = to_paris(now).astimezone(UTC)
    request = method == "REQUEST"
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("sequence", sequence)
    event.add("summary", summary)
    event.add("description", description)
    event.add("dtstart", local_start)
    event.add("dtend", local_end)
    if location:
        event.add("location", location)
    event.add("status", "CONFIRMED" if request else "CANCELLED")
    event.add("transp", "OPAQUE")
    event.add("organizer", _address(organizer_email, organizer_name))
    for email, name in attendees:
        params = {"ROLE": "REQ-PARTICIPANT", "PARTSTAT": "NEEDS-ACTION"}
        if request:
            params["RSVP"] = "TRUE"
        event.add("attendee", _address(email, name, **params))
    if request:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", summary)
        alarm.add("trigger", -HEARING_ALARM_BEFORE)  # relative to DTSTART
        event.add_component(alarm)
    cal.add_component(event)
    cal.add_missing_timezones(first_date=(local_start - timedelta(days=400)).date(),
                              last_date=(local_end + timedelta(days=400)).date())
    return cal.to_ical()
