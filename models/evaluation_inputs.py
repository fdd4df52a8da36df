"""What the assignment solver needs to know of a dossier and of an evaluator (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from enum import StrEnum
from typing import Any

from models.assignment import DossierSpec, EvaluatorSpec
from models.assignment.eligibility import norm  # the roster's comparison key
from models.roster import DateRange


class AssignmentStatus(StrEnum):
    """An evaluation task's life: proposed to the evaluator, accepted, started (a form in
    progress), submitted; or declined, or replaced (late, given to the next)."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    STARTED = "started"
    SUBMITTED = "submitted"
    DECLINED = "declined"
    REPLACED = "replaced"


STATUS_LABELS = {AssignmentStatus.PROPOSED: "proposée", AssignmentStatus.ACCEPTED: "acceptée",
                 AssignmentStatus.STARTED: "commencée", AssignmentStatus.SUBMITTED: "rendue",
                 AssignmentStatus.DECLINED: "déclinée", AssignmentStatus.REPLACED: "remplacée"}
"""What the operator reads of a task's status (CLI, artifacts)."""


# count toward the evaluator's load
OPEN_STATUSES = (AssignmentStatus.PROPOSED, AssignmentStatus.ACCEPTED, AssignmentStatus.STARTED)
COUNTED_STATUSES = (*OPEN_STATUSES, AssignmentStatus.SUBMITTED)  # count toward the dossier's k




def dossier_spec(
    number: int, track: str, fields: Mapping[str, Any], applicant: Mapping[str, Any], k: int,
    assigned: Iterable[str], families: Mapping[str, str], former: Iterable[str] = (),
) -> DossierSpec:
    """``former``: the evaluators who left the dossier (declined, replaced when late): a
    late one's form may still come in, and an evaluator is never on a dossier twice."""
    assigned = frozenset(assigned)
    people = {p for p in (applicant.get("email"), applicant.get("usager_email"),
                          fields.get("email"), fields.get("porteur"), fields.get("sponsor"))
              if p}
    if applicant.get("nom"):
        people.add(f"{applicant.get('prenom', '')} {applicant['nom']}".strip())
    common = {"number": number, "track": track, "needed": max(k - len(assigned), 0),
              "people": frozenset(p.lower() for p in people), "assigned": assigned,
              "former": frozenset(former) - assigned}
    if track == "projets":
        return DossierSpec(**common, organisation=norm(fields.get("administration")),
                           ministry=norm(fields.get("ministere")), theme=fields.get("theme"))
    specialty = fields.get("specialite")
    return DossierSpec(**common, specialty_family=families.get(specialty or ""),
                       employer=norm(fields.get("employeur")),
                       theme=(fields.get("voeux_thematiques") or [None])[0])


def evaluator_spec(row: Mapping[str, Any], open_load: int, start: date, end: date
                   ) -> EvaluatorSpec:
    """From a stored roster row (``details`` holds the full imported record)."""
    details = row["details"]
    ranges = [DateRange(date.fromisoformat(a), date.fromisoformat(b))
              for a, b in details.get("unavailable", [])]
    return EvaluatorSpec(
        email=row["email"],
        organisation=norm(row["organisation"]) or "",
        ministry=norm(row.get("ministry")),
        profiles=frozenset(row["profiles"]),
        tracks=frozenset(row["tracks"]),
        senior=bool(row["senior"]),
        capacity=max(int(row["monthly_capacity"]) - open_load, 0),
        available=not any(r.overlaps(start, end) for r in ranges),
        themes=frozenset(details.get("themes", [])),
        ministries=frozenset(norm(m) or "" for m in details.get("expertise_ministries", [])),
        conflict_organisations=frozenset(
            norm(o) or "" for o in details.get("conflict_organisations", [])),
        conflict_dossiers=frozenset(int(d) for d in details.get("conflict_dossiers", [])),
        conflict_people=frozenset(p.lower() for p in details.get("conflict_people", [])),
    )
