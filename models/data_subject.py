"""The person a right of access or erasure is about (RGPD art. 15, 17): named by an email
or a dossier number, and what a legal obligation keeps of them, said in French."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from models.french import date_fr
from models.quote import quoted

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
DECISION_NAMES = {"laureat": "lauréat", "vivier": "vivier", "refus": "refus",
                  "liste_attente": "liste d'attente"}


class SubjectError(ValueError):
    """Neither a known email nor a known dossier: one French line for the operator."""


class SubjectKind(StrEnum):
    EMAIL = "email"
    DOSSIER = "dossier"


@dataclass(frozen=True)
class Subject:
    kind: SubjectKind
    value: str  # the email, lower-cased, or the dossier number

    @property
    def number(self) -> int:
        return int(self.value)

    def __str__(self) -> str:
        return f"dossier n° {self.value}" if self.kind is SubjectKind.DOSSIER else self.value


def parse_subject(text: str) -> Subject:
    """``1234`` (a dossier) or ``prenom.nom@exemple.fr``; anything else is refused."""
    cleaned = text.strip()
    if cleaned.isascii() and cleaned.isdigit() and len(cleaned) <= 18:
        return Subject(SubjectKind.DOSSIER, str(int(cleaned)))
    if _EMAIL.fullmatch(cleaned) and len(cleaned) <= 320:
        return Subject(SubjectKind.EMAIL, cleaned.lower())
    raise SubjectError(f"{quoted(text)} n'est ni un courriel ni un numéro de dossier")


def hold_reason(number: int, decision: tuple[str, date] | None, contract: bool) -> str | None:
    """Why a legal obligation keeps dossier ``number`` (None: nothing keeps it)."""
    if contract:
        return (f"le dossier {number} est conservé : une convention ou un contrat signé "
                "s'y rattache (obligation légale de conservation des actes, archives "
                "publiques)")
    if decision and decision[0] == "laureat":
        return (f"le dossier {number} est conservé : la décision du comité du "
                f"{date_fr(decision[1])} (lauréat) est publiée (archives publiques, Code "
                "du patrimoine, art. L211-4)")
    return None


def record_kept(number: int, decision: tuple[str, date] | None) -> str | None:
    """The published relevé that names the dossier stays, whatever is erased."""
    if decision is None:
        return None
    return (f"le relevé de décision du comité du {date_fr(decision[1])} "
            f"({DECISION_NAMES.get(decision[0], decision[0])}) qui cite le dossier {number} "
            "reste : décision publiée (archives publiques)")
