"""Who is heard and how: the cut line of the scores (or the hearing's own), and the
entretien's family by specialty."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from flows.hearing_booking import hearing_type, selected
from settings.config import load_config
from settings.environment import PROJECT_ROOT


@pytest.fixture(scope="module")
def rt():
    return SimpleNamespace(config=load_config(PROJECT_ROOT / "config" / "eig.yaml"))


def test_the_entretien_is_produit_or_technique_by_specialty(rt):
    assert hearing_type(rt, "projets", {}) == "soutenance"
    assert hearing_type(rt, "candidats", {"specialite": "développeur·se"}) == "technique"
    assert hearing_type(rt, "candidats", {"specialite": "designer"}) == "produit"


def test_the_scoring_cut_decides_unless_the_hearing_has_its_own(rt):
    assert selected(rt, "projets", {"above_cut": True})
    assert not selected(rt, "projets", {"above_cut": False, "rank": 1, "total": 44})
    own = rt.config.hearings.tracks["projets"].model_copy(update={"cut_rank": 2})
    config = rt.config.model_copy(update={"hearings": rt.config.hearings.model_copy(
        update={"tracks": {"projets": own}})})
    mine = SimpleNamespace(config=config)
    assert selected(mine, "projets", {"rank": 2, "total": 30, "passes_thresholds": True})
    assert not selected(mine, "projets", {"rank": 3, "total": 30, "passes_thresholds": True})
    assert not selected(mine, "projets", {"rank": 1, "total": 30, "passes_thresholds": False})
