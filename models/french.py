"""French formatting, without any locale: dates, times, numbers, plurals — the one format of
every French output (emails, DS messages and annotations, documents, artifacts, CLI): decimal
comma, narrow no-break space for thousands, "1 234,50 €".

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
    return f"{date_fr(local.date())} à {heure_fr(local)}"


def nombre_fr(value: Real | Decimal, decimales: int | None = None, signe: bool = False) -> str:
    """``12 345,5``: narrow no-break space for thousands, comma for decimals.

    Without ``decimales``, integers show none and other numbers at most two, trailing
    zeros removed (``4,67``, ``38,5``, ``45``); ``signe`` shows ``+`` on positive numbers.
    """
    if isinstance(value, bool):
        raise TypeError("nombre_fr attend un nombre, pas un booléen")
    if round(float(value), 2 if decimales is None else decimales) == 0:
        value = 0  # no "-0" nor "+0"
    sign = "+" if signe and value != 0 else ""
    if decimales is not None:
        text = f"{value:{sign},.{decimales}f}"
    elif isinstance(value, int) or (isinstance(value, Decimal) and value == value.to_integral()):
        text = f"{value:{sign},.0f}"
    else:
        text = f"{value:{sign},.2f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    return text.replace(",", NARROW_NBSP).replace(".", ",")


def heure_fr(value: datetime) -> str:
    """``9 h 00``, in Europe/Paris."""
    local = to_paris(value)
    return f"{local.hour} h {local.minute:02d}"


def date_tableur(value: datetime | None) -> str:
    """A moment for a French spreadsheet cell (CSV), in Europe/Paris: ``2027-01-15 09:30``
    reads as a date and time in a French Excel or LibreOffice; empty when there is none."""
    return "" if value is None else to_paris(value).strftime("%Y-%m-%d %H:%M")


def nombre_tableur(value: float | Decimal) -> str:
    """A number for a French spreadsheet cell (CSV): decimal comma, no thousands separator,
    at most four decimals — ``41,6667`` reads as a number in a French Excel or LibreOffice."""
    return nombre_fr(value, 4).replace(NARROW_NBSP, "").rstrip("0").rstrip(",")


def entier(n: int) -> str:
    """``1 234``: a narrow no-break space between thousands."""
    return f"{n:,}".replace(",", NARROW_NBSP)


def compte(n: int, singulier: str, pluriel: str | None = None) -> str:
    """A count and its noun, agreeing: ``0 lauréat``, ``1 lauréat``, ``20 lauréats``,
    ``1 234 courriels`` (singular below 2). The plural of a one-word noun is its singular
    + « s » (unchanged after s, x, z); a longer phrase (``dossier classé``) gives its own."""
    if pluriel is None:
        if " " in singulier.strip():
            raise ValueError(f"compte : donnez le pluriel de « {singulier} »")
        pluriel = singulier if singulier.endswith(("s", "x", "z")) else f"{singulier}s"
    return f"{entier(n)} {singulier if abs(n) < 2 else pluriel}"


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
