"""The jury's availability, from a CSV file: one window per line.

Columns (``;`` or ``,``): ``courriel``, ``debut``, ``fin`` — local times in Europe/Paris
(``2026-12-08 09:00`` or ISO 8601). A bad line is reported with its line, field and rule;
the others are kept.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime

from models.french import pluriel
from models.paris_time import PARIS
from models.quote import quoted


@dataclass(frozen=True)
class Window:
    email: str
    start: datetime  # UTC
    end: datetime
    line: int = field(default=0, compare=False)  # in the file it was read from


@dataclass(frozen=True)
class WindowProblem:
    line: int
    field: str
    rule: str

    def __str__(self) -> str:
        return f"ligne {self.line}, champ {self.field} : {self.rule}"


def _local(text: str) -> datetime:
    """A Paris date and time (``AAAA-MM-JJ HH:MM``) in UTC; ValueError for anything else,
    a year outside 2000–2100 included (year 1 would overflow on its way to UTC)."""
    value = datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    if not 2000 <= value.year <= 2100:
        raise ValueError(f"année {value.year} hors de 2000–2100")
    if value.tzinfo is None:
        value = value.replace(tzinfo=PARIS)
    return value.astimezone(UTC)


def record_line(reader: csv.DictReader, raw: dict) -> int:
    """The file line a record starts on: blank lines skipped by the reader and line breaks
    inside quoted cells counted (not the record's rank)."""
    return reader.line_num - sum(str(v).count("\n") for v in raw.values()
                                 if isinstance(v, str))


def parse_windows(text: str) -> tuple[list[Window], list[WindowProblem]]:
    text = text.lstrip("\ufeff")
    delimiter = ";" if text.split("\n", 1)[0].count(";") >= text.split("\n", 1)[0].count(",") \
        else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    columns = [c.strip() for c in reader.fieldnames or []]
    missing = [c for c in ("courriel", "debut", "fin") if c not in columns]
    if not columns:
        return [], [WindowProblem(1, "en-tête", "fichier vide : il faut la ligne d'en-tête "
                                  "courriel;debut;fin")]
    if missing:
        return [], [WindowProblem(1, ", ".join(missing), pluriel(
            len(missing), "colonne absente", "colonnes absentes"))]
    windows, problems = [], []
    for raw in reader:
        line = record_line(reader, raw)
        row = {str(k).strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(row.values()):
            continue
        email = row["courriel"].lower()
        if "@" not in email:
            problems.append(WindowProblem(line, "courriel", "adresse absente ou invalide"))
            continue
        try:
            start = _local(row["debut"])
        except ValueError:
            problems.append(WindowProblem(line, "debut", f"{quoted(row['debut'])} n'est pas une "
                                          "date et heure (AAAA-MM-JJ HH:MM)"))
            continue
        try:
            end = _local(row["fin"])
        except ValueError:
            problems.append(WindowProblem(line, "fin", f"{quoted(row['fin'])} n'est pas une date "
                                          "et heure (AAAA-MM-JJ HH:MM)"))
            continue
        if end <= start:
            problems.append(WindowProblem(line, "fin", "la fin précède le début"))
            continue
        windows.append(Window(email, start, end, line))
    return windows, problems
