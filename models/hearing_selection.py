"""Who is heard, and in which kind of hearing.

A project above its hearing cut is heard in a *soutenance*; a candidate in an
*entretien métier* of their specialty's family (produit, technique…); a candidate
proposed for a mission in an *entretien de mission*. The hearing cut is the track's own
(a rank and/or a total) or, when it sets neither, the scoring's cut line.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any


class RequestStatus(StrEnum):
    """A hearing request: waiting for a slot, booked, held (the jury's scores in), or
    withdrawn (the applicant withdrew: cancelled, no other slot is sought)."""

    PENDING = "pending"
    SCHEDULED = "scheduled"
    HELD = "held"
    WITHDRAWN = "withdrawn"


class SlotStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class HearingKind(StrEnum):
    """A soutenance (projects), an entretien métier of a family (candidates), an entretien
    de mission."""

    SOUTENANCE = "soutenance"
    PRODUIT = "produit"
    TECHNIQUE = "technique"
    MISSION = "mission"


DEFAULT_FAMILY = HearingKind.PRODUIT


def hearing_kind(track: str, specialty: str | None, families: Mapping[str, str], *,
                 for_mission: bool = False) -> HearingKind:
    """``soutenance`` for a project, ``mission`` for a mission's entretien, else the
    entretien métier's family of the candidate's specialty (``produit`` when unknown)."""
    if track == "projets":
        return HearingKind.SOUTENANCE
    if for_mission:
        return HearingKind.MISSION
    return HearingKind(families.get(str(specialty or ""), DEFAULT_FAMILY))


def above_hearing_cut(scores: Mapping[str, Any], cut_rank: int | None,
                      cut_threshold: float | None) -> bool:
    """Whether a ranked dossier is called to its hearing: within ``cut_rank`` and at or
    above ``cut_threshold`` (each when set) and passing every threshold; with neither
    set, wherever the scoring put it (``above_cut``)."""
    if cut_rank is None and cut_threshold is None:
        return bool(scores.get("above_cut"))
    rank, total = scores.get("rank"), scores.get("total")
    if rank is None or total is None or not scores.get("passes_thresholds"):
        return False
    return ((cut_rank is None or int(rank) <= cut_rank)
            and (cut_threshold is None or float(total) >= cut_threshold))
