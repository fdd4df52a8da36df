"""iCalendar attachments: an evaluation task (an all-day VEVENT on its due date beside a
VTODO) and a hearing invitation (VEVENT, iTIP REQUEST or CANCEL).

Due dates and hearing slots are written in Europe/Paris with their VTIMEZONE, so
calendar clients show the local time the email announces; DTSTAMP and absolute alarm
triggers are in UTC, an absolute trigger marked ``VALUE=DATE-TIME`` (RFC 5545 §3.8.6.3).

UIDs (``calendar_uid``) are built from the outbox key of the email that first carries
the event and the sender's domain: stable across resends, and distinct from another
database's (whose ids restart at 1) as long as its sender domain differs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Literal

from icalendar import Alarm, Calendar, Event, Todo, vCalAddress

from models.paris_time import PARIS

from .french import to_paris

PRODID = "-//DINUM//Pipeline EIG//FR"


def calendar_uid(key: str, domain: str, part: str = "") -> str:
    """``<32 hex digits>@<domain>``: the UID of the event an email carries, from the
    email's outbox key (``part`` tells apart two components of one email). The key is
    hashed: it names a person's address, which a UID should not show."""
    if not key.strip() or not domain.strip():
        raise ValueError(f"UID sans clé ou sans domaine : {key!r}, {domain!r}")
    digest = hashlib.sha256(f"{key}#{part}".encode()).hexdigest()[:32]
    return f"{digest}@{domain.strip().lower()}"


def _absolute_trigger(alarm: Alarm, at: datetime) -> None:
    alarm.add("trigger", at.astimezone(UTC), parameters={"VALUE": "DATE-TIME"})


def _display_alarm(summary: str) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary)
    return alarm


def task_calendar(*, uid: str, summary: str, description: str, due: datetime,
                  url: str | None, now: datetime, organizer_email: str | None = None,
                  reminder: datetime | None = None, priority: int = 5,
                  todo_uid: str | None = None) -> bytes:
    """A VCALENDAR (METHOD:PUBLISH) for a task due at ``due``, as ``.ics`` bytes.

    It holds an all-day VEVENT on the due day (Paris), first, then a VTODO due at
    ``due``. The event is what Outlook, Google Calendar and Apple Calendar show — they
    ignore a VTODO in an attachment; an all-day event is how an agenda shows a deadline
    without blocking the day (TRANSP:TRANSPARENT), the hour being in its summary. The
    VTODO serves clients with a task list (Thunderbird), which may check it off.
    ``uid`` is the event's, ``todo_uid`` the task's (default: derived from ``uid``):
    two components of one calendar never share a UID.

    ``reminder``: when a display alarm fires (``None``: no alarm; the caller picks the
    day, e.g. the working day before) — relative to the event's start, absolute on the
    VTODO (which has no start). ``priority`` follows RFC 5545 (1 highest, 9 lowest, 5
    normal). ``due``, ``now`` and ``reminder`` must be aware. Same arguments, same bytes.
    """
    local_due = to_paris(due)
    stamp = to_paris(now).astimezone(UTC)  # to_paris refuses a naive datetime
    day = local_due.date()
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    hour = f"{local_due.hour} h {local_due.minute:02d}"
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("sequence", 0)
    event.add("summary", f"{summary} — échéance à {hour}")
    event.add("description", description)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("transp", "TRANSPARENT")
    if url:
        event.add("url", url)
    if organizer_email:
        event.add("organizer", vCalAddress(f"mailto:{organizer_email}"))
    todo = Todo()
    todo.add("uid", todo_uid or _derived(uid, "tache"))
    todo.add("dtstamp", stamp)
    todo.add("sequence", 0)
    todo.add("summary", summary)
    todo.add("description", description)
    todo.add("due", local_due)
    if url:
        todo.add("url", url)
    todo.add("status", "NEEDS-ACTION")
    todo.add("priority", priority)
    if organizer_email:
        todo.add("organizer", vCalAddress(f"mailto:{organizer_email}"))
    if reminder is not None:
        fires = to_paris(reminder)
        alarm = _display_alarm(summary)
        # The all-day event starts at midnight, local: a duration back from it.
        alarm.add("trigger", fires - datetime.combine(day, time(0), PARIS))
        event.add_component(alarm)
        alarm = _display_alarm(summary)
        _absolute_trigger(alarm, fires)
        todo.add_component(alarm)
    cal.add_component(event)
    cal.add_component(todo)
    cal.add_missing_timezones(first_date=day - timedelta(days=400),
                              last_date=day + timedelta(days=400))
    return cal.to_ical()


def _derived(uid: str, part: str) -> str:
    local, at, domain = uid.rpartition("@")
    return f"{local}-{part}@{domain}" if at else f"{uid}-{part}"


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
    the event of the same ``uid``: STATUS CANCELLED, no RSVP, no alarm. Each later
    message about the same event (a cancel, a move's new request) keeps the ``uid`` with
    a higher ``sequence``, so a client applies them in order whatever order they arrive
    in. ``start``, ``end`` and ``now`` must be aware;
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
