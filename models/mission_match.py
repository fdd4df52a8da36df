"""Searching the vivier for a mission: who fits, in what order, and why.

Each candidate of the vivier gets points for what the mission asks — the specialty (or
its family, produit or technique), the experience, their wishes (theme, administration,
location), the date they are available and the quotité — and every point comes with the
sentence that explains it, so the shortlist can be read and challenged. Some candidates
are left out, with the reason: already engaged, already proposed to another mission, or a
conflict of interest (their employer is the mission's administration).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from models.evaluation_task import as_text
from models.french import date_fr, nombre_fr, pluriel

POINTS = {"specialite": 40.0, "famille": 15.0, "experience": 10.0, "theme": 15.0,
          "administration": 10.0, "localisation": 10.0, "disponibilite": 10.0,
          "quotite": 5.0}
"""The weight of each criterion; a late availability loses up to its points."""


@dataclass(frozen=True)
class MissionSpec:
    administration: str
    projet: str
    profiles: tuple[str, ...]  # the specialties wanted (1 or 2 EIG)
    start: date
    quotite: str = "temps plein"  # or "4/5"
    location: str = ""
    theme: str = ""
    min_years: int | None = None


@dataclass(frozen=True)
class VivierCandidate:
    dossier: int
    name: str
    specialite: str
    years: int | None
    themes: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()
    administrations: str = ""  # free text, as the candidate wrote it
    available_from: date | None = None
    quotite: str | None = None
    employer: str | None = None
    status: str = "disponible"  # disponible, propose, engage
    proposed_to: str | None = None  # the mission they are proposed to, if any


@dataclass(frozen=True)
class Match:
    dossier: int
    name: str
    score: float
    reasons: tuple[str, ...]
    excluded: str | None = None


@dataclass(frozen=True)
class Search:
    shortlist: tuple[Match, ...]
    others: tuple[Match, ...]  # ranked below the shortlist
    excluded: tuple[Match, ...]
    families: Mapping[str, str] = field(default_factory=dict)


def fold(text: str) -> str:
    """Case, accents and punctuation ignored (« Île-de-France » = « ile de france »)."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join("".join(c if c.isalnum() else " " for c in plain).split())


def exclusion(mission: MissionSpec, candidate: VivierCandidate) -> str | None:
    if candidate.status == "engage":
        return "déjà engagé·e sur une mission"
    if candidate.status == "propose":
        where = f" ({candidate.proposed_to})" if candidate.proposed_to else ""
        return f"déjà proposé·e à une autre mission{where}"
    if candidate.employer and fold(candidate.employer) == fold(mission.administration):
        return (f"conflit d'intérêts : son employeur ({candidate.employer}) est "
                "l'administration de la mission")
    return None


def score(mission: MissionSpec, candidate: VivierCandidate,
          families: Mapping[str, str]) -> tuple[float, tuple[str, ...]]:
    """The candidate's points for this mission, each with its explanation."""
    points, reasons = 0.0, []

    def add(value: float, reason: str) -> None:
        nonlocal points
        points += value
        reasons.append(f"{nombre_fr(value, signe=True)} : {reason}")

    wanted = {fold(p) for p in mission.profiles}
    family = families.get(candidate.specialite)
    if fold(candidate.specialite) in wanted:
        add(POINTS["specialite"], f"spécialité recherchée ({candidate.specialite})")
    elif family and family in {families.get(p) for p in mission.profiles}:
        add(POINTS["famille"], f"spécialité voisine ({candidate.specialite}, famille {family})")
    else:
        add(0, f"spécialité {candidate.specialite} hors des profils recherchés "
            f"({', '.join(mission.profiles)})")
    if mission.min_years is not None and candidate.years is not None:
        if candidate.years >= mission.min_years:
            add(POINTS["experience"], f"{candidate.years} ans d'expérience "
                f"(≥ {mission.min_years} demandés)")
        else:
            add(-POINTS["experience"], f"{candidate.years} ans d'expérience "
                f"(< {mission.min_years} demandés)")
    if mission.theme:
        if fold(mission.theme) in {fold(t) for t in candidate.themes}:
            add(POINTS["theme"], f"souhaite la thématique {mission.theme}")
        elif candidate.themes:
            add(0, f"thématiques souhaitées : {', '.join(candidate.themes)}")
    if candidate.administrations and fold(mission.administration) and \
            fold(mission.administration) in fold(candidate.administrations):
        add(POINTS["administration"], f"souhaite rejoindre {mission.administration}")
    if mission.location:
        if fold(mission.location) in {fold(loc) for loc in candidate.locations}:
            add(POINTS["localisation"], f"souhaite travailler à {mission.location}")
        elif candidate.locations:
            add(0, f"localisations souhaitées : {', '.join(candidate.locations)}")
    if candidate.available_from is None or candidate.available_from <= mission.start:
        add(POINTS["disponibilite"], "disponible au début de la mission")
    else:
        late = (candidate.available_from - mission.start).days
        add(round(POINTS["disponibilite"] * max(0.0, 1 - late / 90), 1),  # 0 at 3 months
            f"disponible le {date_fr(candidate.available_from)}, {late} "
            f"{pluriel(late, 'jour', 'jours')} après le début")
    if candidate.quotite and fold(candidate.quotite) != fold(mission.quotite):
        add(-POINTS["quotite"], f"souhaite un {candidate.quotite}, la mission est à "
            f"{mission.quotite}")
    return round(points, 1), tuple(reasons)


def search_vivier(mission: MissionSpec, candidates: Sequence[VivierCandidate], *,
                  shortlist: int, families: Mapping[str, str] | None = None) -> Search:
    """The shortlist (best first; ties by dossier number), the others, and those left
    out with why."""
    families = families or {}
    ranked, excluded = [], []
    for candidate in candidates:
        reason = exclusion(mission, candidate)
        if reason:
            excluded.append(Match(candidate.dossier, candidate.name, 0.0, (), reason))
            continue
        points, reasons = score(mission, candidate, families)
        ranked.append(Match(candidate.dossier, candidate.name, points, reasons))
    ranked.sort(key=lambda m: (-m.score, m.dossier))
    return Search(tuple(ranked[:shortlist]), tuple(ranked[shortlist:]),
                  tuple(sorted(excluded, key=lambda m: m.dossier)), families)


def vivier_profile(fields: Mapping[str, Any]) -> dict[str, Any]:
    """What the vivier keeps of a candidate's dossier (its champs, as synced): specialty,
    experience, wishes, availability and quotité — what a mission search reads, nothing
    more. JSON-able."""
    availability = fields.get("disponibilite")
    profile = {
        "specialite": fields.get("specialite"),
        "annees_experience": fields.get("annees_experience"),
        "experiences": fields.get("experiences") or [],
        "voeux_thematiques": fields.get("voeux_thematiques") or [],
        "voeux_localisations": fields.get("voeux_localisations") or [],
        "voeux_administrations": fields.get("voeux_administrations"),
        "disponibilite": as_text(availability) or None,
        "disponibilite_iso": str(availability or "") or None,
        "quotite": fields.get("quotite"), "employeur": fields.get("employeur"),
    }
    return json.loads(json.dumps(profile, default=str))
