"""People answering the availability form, for the demo, the season and the tests: the
link of their request email followed, the form filled and submitted in the DS sandbox
(as a juror or an administration contact would do it)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.chasing import is_working_day
from models.tables import AvailabilityRequest, Effect

LINK = re.compile(r"https?://\S+/commencer/[^\s?]+\?\S+")


def request_link(session: Session, scope: str, email: str) -> str | None:
    """The form link of the request email sent to ``email`` for ``scope`` (None: not
    asked), read from the email itself, as its reader would."""
    request = session.scalar(select(AvailabilityRequest).where(
        AvailabilityRequest.scope == scope, AvailabilityRequest.email == email.lower()))
    if request is None:
        return None
    payload = session.scalar(select(Effect.payload).where(
        Effect.key == f"mail:availability-request:{request.id}"))
    found = LINK.search(str((payload or {}).get("text") or ""))
    return found.group(0) if found else None


def working_days(first: date, last: date) -> list[date]:
    """The working days (no weekend, no French public holiday) from ``first`` to ``last``."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)
            if is_working_day(first + timedelta(days=n))]


def rows(days: Iterable[date], hours: Iterable[tuple[str, str]] = (("09:00", "12:30"),
                                                                     ("14:00", "18:00"))
         ) -> list[dict[str, str]]:
    """The form's lines: each day, each pair of hours (``HH:MM``, as its drop-downs)."""
    return [{"jour": day.isoformat(), "de": start, "a": end}  # format machine
            for day in days for start, end in hours]


def answer(sandbox: Any, link: str, lines: list[dict[str, str]]) -> int:
    """Follow ``link`` in the sandbox, fill the windows and submit: the form's number."""
    form = sandbox.state.start_from_link(link)
    return sandbox.state.submit_prefilled(form.number, {"creneaux": lines}).number
