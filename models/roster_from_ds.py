"""Roster rows for the instructeurs of a DS groupe instructeur (pure).

A groupe gives emails only: the other fields come from the roster file when the person
is in it, otherwise from defaults the operator gives; every row is validated as a file
row is (models/roster.py), its "line" counting on after the file's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


def rows_for_groupe(
    emails: Iterable[str], label: str, known: set[str], first_line: int, *,
    profiles: Sequence[str], tracks: Sequence[str], capacity: int,
) -> list[tuple[int, dict[str, Any]]]:
    rows = []
    for offset, email in enumerate(e for e in emails if e.lower() not in known):
        rows.append((first_line + offset, {
            "courriel": email, "nom": email.split("@")[0].replace(".", " ").title(),
            "organisation": f"Groupe instructeur DS « {label} »",
            "profils": "|".join(profiles), "parcours": "|".join(tracks),
            "capacite_mensuelle": str(capacity),
        }))
    return rows
