"""The path of a placement, from the vivier's proposal to a started contract."""

from __future__ import annotations

import pytest

from models.placement import (
    MissionStatus,
    PlacementStatus,
    VivierStatus,
    mission_filled,
    move_placement,
)


def step(current: str, target: str, *, profiles: int = 1, started: int = 0):
    return move_placement(7, current, target, mission_id=3, profiles=profiles,
                          started_elsewhere=started)


def test_the_path_to_a_started_contract() -> None:
    assert step("retenu", "accepte").placement is PlacementStatus.ACCEPTE
    signed = step("accepte", "contrat_signe")
    assert (signed.vivier, signed.vivier_mission) == (VivierStatus.ENGAGE, 3)
    started = step("contrat_signe", "demarre")
    assert started.mission is MissionStatus.POURVUE  # its one profile has started
    assert started.vivier is None  # the person stays engaged


def test_a_mission_is_pourvue_when_every_profile_has_started() -> None:
    assert step("contrat_signe", "demarre", profiles=2).mission is None
    assert step("contrat_signe", "demarre", profiles=2, started=1).mission is \
        MissionStatus.POURVUE
    assert not mission_filled(1, 2) and mission_filled(2, 2) and mission_filled(1, 0)


def test_a_withdrawal_returns_the_person_to_the_vivier() -> None:
    for current in ("propose", "retenu", "accepte", "contrat_signe"):
        move = step(current, "renonce")
        assert (move.vivier, move.vivier_mission) == (VivierStatus.DISPONIBLE, None)


def test_impossible_steps_are_refused_in_french() -> None:
    with pytest.raises(ValueError, match=r"placement 7 : retenu → demarre impossible "
                                         r"\(possible : accepte, renonce\)"):
        step("retenu", "demarre")
    with pytest.raises(ValueError, match="demarre → renonce impossible .possible : aucune"):
        step("demarre", "renonce")
    with pytest.raises(ValueError, match="étape 'signé' inconnue"):
        step("accepte", "signé")
    with pytest.raises(ValueError, match="non_retenu → accepte impossible"):
        step("non_retenu", "accepte")
