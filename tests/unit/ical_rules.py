"""RFC 5545 / 5546 rules every .ics we send must keep, checked on the parsed bytes."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from icalendar import Calendar, Component


def _lines(data: bytes) -> list[bytes]:
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    return data.split(b"\r\n")[:-1]


def _alarm_rules(alarm: Component, parent: Component) -> None:
    assert str(alarm["ACTION"]) == "DISPLAY" and str(alarm["DESCRIPTION"])
    trigger = alarm["TRIGGER"]
    value = alarm.decoded("TRIGGER")
    if isinstance(value, datetime):  # §3.8.6.3: an absolute trigger says so, in UTC
        assert trigger.params.get("VALUE") == "DATE-TIME", trigger.params
        assert value.utcoffset() == timedelta(0)
    else:
        assert isinstance(value, timedelta)
        assert trigger.params.get("VALUE", "DURATION") == "DURATION"
        related = trigger.params.get("RELATED", "START")
        anchor = "DTSTART" if related == "START" else ("DUE" if parent.name == "VTODO"
                                                       else "DTEND")
        assert anchor in parent, f"a relative trigger needs {anchor} in {parent.name}"


def check_ics(data: bytes) -> Calendar:
    """The parsed calendar, after asserting the rules; raises AssertionError otherwise."""
    for line in _lines(data):
        assert len(line) <= 75, line  # §3.1: folded at 75 octets
    calendar = Calendar.from_ical(data)
    assert str(calendar["VERSION"]) == "2.0" and str(calendar["PRODID"])
    method = str(calendar.get("METHOD", ""))
    timezones = {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")}
    uids = []
    for component in calendar.subcomponents:
        if component.name == "VTIMEZONE":
            continue
        assert component.name in ("VEVENT", "VTODO"), component.name
        uids.append(str(component["UID"]))
        assert isinstance(component.decoded("DTSTAMP"), datetime)
        assert component.decoded("DTSTAMP").utcoffset() == timedelta(0)
        for name, values in component.items():
            for value in values if isinstance(values, list) else [values]:
                tzid = getattr(value, "params", {}).get("TZID")
                assert tzid is None or tzid in timezones, f"{name}: TZID {tzid} undefined"
        if component.name == "VEVENT":
            start, end = component.decoded("DTSTART"), component.decoded("DTEND")
            assert type(start) is type(end) and end > start
            if not isinstance(start, datetime):
                assert isinstance(start, date)
            if method in ("REQUEST", "CANCEL"):  # RFC 5546 §3.2.2, §3.2.5
                assert "ORGANIZER" in component and component.get("ATTENDEE")
                assert "SEQUENCE" in component
        for alarm in component.walk("VALARM"):
            _alarm_rules(alarm, component)
    assert uids and len(set(uids)) == len(uids), uids  # one UID per component
    return calendar
