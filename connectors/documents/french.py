"""French formatting for templates, without any locale: dates, times, numbers, plurals.

Dates and times are shown in Europe/Paris: an aware datetime is converted first, a
naive one is refused (the store keeps UTC, so a naive datetime is a bug upstream).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from numbers import Real

from models.paris_time import PARIS

DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")

NARROW_NBSP = "\u202f"
"""Thousands separator of French typography (espace fine insécable)."""


def to_paris(value: datetime) -> datetime:
    """The same instant in Europe/Paris; a naive datetime raises ``ValueError``."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"date et heure sans fuseau horaire : {value.isoformat()} "
                         "(attendu : un datetime avec fuseau, en UTC dans la base)")
    return value.astimezone(PARIS)


def date_fr(value: date | datetime) -> str:
    """``lundi 14 décembre 2026``; ``1er`` for the first day of the month."""
    if isinstance(value, datetime):
        value = to_paris(value).date()
    day = "1er" if value.day == 1 else str(value.day)
    return f"{DAYS[value.weekday()]} {day} {MONTHS[value.month - 1]} {value.year}"


def datetime_fr(value: datetime) -> str:
    """``lundi 14 décembre 2026 à 18 h 00``, in Europe/Paris."""
    local = to_paris(value)
    return f"{date_fr(local.date())} à {local.hour} h {local.minute:02d}"


def nombre_fr(value: Real | Decimal, decimales: int | None = None) -> str:
    """``12 345,5``: narrow no-break space for thousands, comma for decimals.

    Without ``decimales``, integers show none and other numbers at most two, trailing
    zeros removed.
    """
    if isinstance(value, bool):
        raise TypeError("nombre_fr attend un nombre, pas un booléen")
    if decimales is not None:
        text = f"{value:,.{decimales}f}"
    elif isinstance(value, int) or (isinstance(value, Decimal) and value == value.to_integral()):
        text = f"{value:,.0f}"
    else:
        text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", NARROW_NBSP).replace(".", ",")


def pluriel(n: int | float, singulier: str, pluriel: str) -> str:
    """The word agreeing with ``n``: singular below 2 (``0 jour``, ``1 jour``, ``2 jours``)."""
    return singulier if abs(n) < 2 else pluriel


def euros(value: Real | Decimal) -> str:
    """``3 500,00 €``: two decimals, narrow no-break space for thousands."""
    return f"{nombre_fr(value, 2)}\u00a0€"


def pourcentage(value: Real | Decimal) -> str:
    """A fraction as a percentage: ``0.06`` → ``6 %``, ``0.125`` → ``12,5 %``."""
    if isinstance(value, bool):
        raise TypeError("pourcentage attend un nombre, pas un booléen")
    return f"{nombre_fr(value * 100)}\u00a0%"


FILTERS = {"date_fr": date_fr, "datetime_fr": datetime_fr, "nombre_fr": nombre_fr,
           "euros": euros, "pourcentage": pourcentage, "pluriel": pluriel}
"""The Jinja filters of every template (HTML, text and .docx)."""
