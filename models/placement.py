"""A mission's placements: the path from a vivier proposal to a started contract.

A person of the vivier proposed for a mission is ``propose``; the mission's
deliberation retains one (``retenu``) and the others are ``non_retenu``; the retained
person accepts, signs, starts — or withdraws (``renonce``) at any step before starting.
The vivier follows: a signed contract engages the person, a withdrawal makes them
available again. A mission is *pourvue* once as many placements have started as it has
profiles.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PlacementStatus(StrEnum):
    PROPOSE = "propose"
    RETENU = "retenu"
    NON_RETENU = "non_retenu"
    ACCEPTE = "accepte"
    CONTRAT_SIGNE = "contrat_signe"
    DEMARRE = "demarre"
    RENONCE = "renonce"


class VivierStatus(StrEnum):
    DISPONIBLE = "disponible"
    PROPOSE = "propose"
    ENGAGE = "engage"


class MissionStatus(StrEnum):
    OUVERTE = "ouverte"
    POURVUE = "pourvue"
    FERMEE = "fermee"


def not_retained_motivation(total: float | None, passes: bool, someone_retained: bool) -> str:
    """What a candidate not retained for a mission reads of the decision: their own
    entretien's outcome only — never the motivation written for the one retained."""
    if total is None:
        own = "Votre entretien de mission n'a pas été noté par le jury."
    elif passes:
        own = ("Votre entretien de mission a atteint le seuil de chacun des critères du "
               "recrutement.")
    else:
        own = ("Votre entretien de mission n'a pas atteint le seuil d'au moins un des "
               "critères du recrutement.")
    if someone_retained:
        return own + " La DINUM et l'administration ont retenu une autre candidature."
    return own + " Aucune candidature n'est retenue pour cette mission à ce stade."


# The steps an operator records (`eig missions placement`); the deliberation alone moves
# a proposal to retenu / non_retenu.
TRANSITIONS: dict[PlacementStatus, frozenset[PlacementStatus]] = {
    PlacementStatus.PROPOSE: frozenset({PlacementStatus.RENONCE}),
    PlacementStatus.RETENU: frozenset({PlacementStatus.ACCEPTE, PlacementStatus.RENONCE}),
    PlacementStatus.ACCEPTE: frozenset({PlacementStatus.CONTRAT_SIGNE,
                                        PlacementStatus.RENONCE}),
    PlacementStatus.CONTRAT_SIGNE: frozenset({PlacementStatus.DEMARRE,
                                              PlacementStatus.RENONCE}),
}
# Placements that still hold a person for the mission.
ACTIVE = (PlacementStatus.PROPOSE, PlacementStatus.RETENU, PlacementStatus.ACCEPTE,
          PlacementStatus.CONTRAT_SIGNE, PlacementStatus.DEMARRE)


@dataclass(frozen=True)
class PlacementMove:
    """What one recorded step changes: the placement, the person in the vivier (None:
    unchanged), and the mission (None: unchanged). ``vivier_mission`` is the mission the
    person is held for after the step (None: none)."""

    placement: PlacementStatus
    vivier: VivierStatus | None
    vivier_mission: int | None
    mission: MissionStatus | None


def move_placement(placement_id: int, current: str, target: str, *, mission_id: int,
                   profiles: int, started_elsewhere: int) -> PlacementMove:
    """The step ``current`` → ``target`` of a placement of mission ``mission_id`` (with
    ``profiles`` profiles, ``started_elsewhere`` of its other placements already started).
    ``ValueError``, in French, naming the placement, for a step the path does not allow."""
    try:
        now, then = PlacementStatus(current), PlacementStatus(target)
    except ValueError:
        raise ValueError(f"placement {placement_id} : étape {target!r} inconnue (étapes : "
                         f"{', '.join(s.value for s in PlacementStatus)})") from None
    allowed = TRANSITIONS.get(now, frozenset())
    if then not in allowed:
        possible = ", ".join(sorted(s.value for s in allowed)) or "aucune"
        raise ValueError(f"placement {placement_id} : {now.value} → {then.value} impossible "
                         f"(possible : {possible})")
    if then is PlacementStatus.CONTRAT_SIGNE:
        return PlacementMove(then, VivierStatus.ENGAGE, mission_id, None)
    if then is PlacementStatus.RENONCE:
        return PlacementMove(then, VivierStatus.DISPONIBLE, None, None)
    if then is PlacementStatus.DEMARRE:
        filled = mission_filled(started_elsewhere + 1, profiles)
        return PlacementMove(then, None, mission_id, MissionStatus.POURVUE if filled else None)
    return PlacementMove(then, None, mission_id, None)


def mission_filled(started: int, profiles: int) -> bool:
    """A mission is *pourvue* once a placement has started for each of its profiles."""
    return started >= max(profiles, 1)
