"""Reading a dossier of the availability démarche: whose windows, for which period, and
whether they can count.

The form is open to whoever holds the link, so it counts only when its signed token
verifies (``models.availability_token``) and names the person the request went to. Each
window is a day and two hours, Paris time: both hours within the plausible ones, the
start before the end, after the moment of the answer, inside the period asked. A form
breaking any rule counts for nothing (quarantined with the field and the rule); one that
passes replaces the person's windows of the period, as the CSV import does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from models.availability_token import token_request, verify_token
from models.french import date_fr, datetime_fr, heure_fr
from models.paris_time import PARIS
from models.quote import quoted


class AvailabilityStatus(StrEnum):
    VALID = "valid"  # its windows replaced the person's for the period
    INVALID = "invalid"  # quarantined: a field breaks a rule


class AvailabilityRole(StrEnum):
    JURY = "jury"
    ADMINISTRATION = "administration"


@dataclass(frozen=True)
class RequestRef:
    """What a request asked: of whom, which period (``[start, end)``, UTC)."""

    id: int
    email: str
    scope: str
    period_start: datetime
    period_end: datetime


@dataclass(frozen=True)
class Problem:
    field: str
    rule: str


@dataclass(frozen=True)
class AvailabilityReading:
    """What one form says: its windows (UTC), or the problems that keep it out."""

    form_number: int
    request_id: int | None
    windows: tuple[tuple[datetime, datetime], ...] = ()
    problems: tuple[Problem, ...] = field(default=())

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def field(self) -> str | None:
        return self.problems[0].field if self.problems else None

    @property
    def reason(self) -> str | None:
        """The rules broken, the first one's field being ``field`` (the others named)."""
        if not self.problems:
            return None
        first, *others = self.problems
        return " ; ".join([first.rule, *(f"{p.field} : {p.rule}" for p in others)])


def hour(text: str) -> time:
    """``HH:MM`` as a time; ValueError for anything else."""
    hours, _, minutes = str(text).strip().partition(":")
    if not (hours.isascii() and hours.isdigit() and minutes.isascii() and minutes.isdigit()
            and len(minutes) == 2):
        raise ValueError(text)
    return time(int(hours), int(minutes))


def _h(value: time) -> str:
    """``9 h 00``: an hour as people read it (``models.french``)."""
    return heure_fr(datetime.combine(date(2000, 1, 3), value, PARIS))


def period_last_day(ref: RequestRef) -> date:
    """The last day of a request's period, Paris time (its end is exclusive)."""
    return (ref.period_end.astimezone(PARIS) - timedelta(seconds=1)).date()


def read_availability(form_number: int, fields: Mapping[str, Any], secret: bytes,
                      requests: Mapping[int, RequestRef], *, answered_at: datetime,
                      earliest: time, latest: time) -> AvailabilityReading:
    token = fields.get("jeton")
    claimed = token_request(token)

    def refused(field_name: str, rule: str, request: int | None = None
                ) -> AvailabilityReading:
        return AvailabilityReading(form_number, request, (), (Problem(field_name, rule),))

    if claimed is None:
        return refused("jeton", "le jeton est absent ou mal formé (il ne doit pas être "
                       "modifié)")
    ref = requests.get(claimed)
    if ref is None:
        return refused("jeton", f"le jeton désigne la demande n°{claimed}, inconnue")
    if not verify_token(secret, token, ref.id, ref.email, ref.scope):
        return refused("jeton", "la signature du jeton ne correspond pas (jeton modifié ou "
                       "recopié d'un autre formulaire)", ref.id)
    email = str(fields.get("courriel") or "").strip().lower()
    if email != ref.email.strip().lower():
        return refused("courriel", f"{quoted(email or '(vide)')} n'est pas la personne à qui "
                       "la demande a été envoyée (ne pas modifier ce champ)", ref.id)
    rows = fields.get("creneaux") or []
    if not rows:
        return refused("creneaux", "aucun créneau : indiquez au moins un créneau", ref.id)
    windows, problems = _windows(rows, ref, answered_at, earliest, latest)
    return AvailabilityReading(form_number, ref.id, tuple(windows), tuple(problems))


def _windows(rows: Sequence[Mapping[str, Any]], ref: RequestRef, answered_at: datetime,
             earliest: time, latest: time
             ) -> tuple[list[tuple[datetime, datetime]], list[Problem]]:
    windows, problems = [], []
    first, last = ref.period_start.astimezone(PARIS).date(), period_last_day(ref)
    bounds = f"de {_h(earliest)} à {_h(latest)}, heure de Paris"
    for line, row in enumerate(rows, start=1):
        def where(column: str, line: int = line) -> str:
            return f"creneaux.{column} (ligne {line})"

        try:
            day = date.fromisoformat(str(row.get("jour") or "")[:10])
        except ValueError:
            problems.append(Problem(where("jour"), "jour absent ou illisible"))
            continue
        hours = {}
        for column in ("de", "a"):
            try:
                hours[column] = hour(row.get(column) or "")
            except ValueError:
                problems.append(Problem(where(column), f"heure absente ou illisible "
                                        f"({quoted(str(row.get(column) or ''))}, attendu "
                                        "HH:MM)"))
        if len(hours) < 2:
            continue
        start, end = hours["de"], hours["a"]
        if start < earliest or start > latest:
            problems.append(Problem(where("de"), f"{_h(start)} est hors des heures possibles "
                                    f"({bounds})"))
            continue
        if end > latest or end < earliest:
            problems.append(Problem(where("a"), f"{_h(end)} est hors des heures possibles "
                                    f"({bounds})"))
            continue
        if end <= start:
            problems.append(Problem(where("a"), f"la fin ({_h(end)}) ne suit pas le début "
                                    f"({_h(start)})"))
            continue
        if not first <= day <= last:
            problems.append(Problem(where("jour"), f"le {date_fr(day)} est hors de la période "
                                    f"demandée (du {date_fr(first)} au {date_fr(last)})"))
            continue
        begin = datetime.combine(day, start, PARIS).astimezone(UTC)
        if begin <= answered_at:
            problems.append(Problem(where("jour"), f"créneau passé : le {datetime_fr(begin)} "
                                    "précède la réponse"))
            continue
        windows.append((begin, datetime.combine(day, end, PARIS).astimezone(UTC)))
    return windows, problems
