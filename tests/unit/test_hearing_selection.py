"""Who is heard, and in which kind of hearing."""

from __future__ import annotations

from models.hearing_selection import above_hearing_cut, hearing_kind

FAMILIES = {"développeur·se": "technique", "designer": "produit"}


def test_the_kind_of_hearing() -> None:
    assert hearing_kind("projets", None, FAMILIES) == "soutenance"
    assert hearing_kind("candidats", "développeur·se", FAMILIES) == "technique"
    assert hearing_kind("candidats", "juriste", FAMILIES) == "produit"  # unknown: produit
    assert hearing_kind("candidats", "designer", FAMILIES, for_mission=True) == "mission"


def test_the_hearing_cut() -> None:
    ranked = {"rank": 5, "total": 31.5, "passes_thresholds": True, "above_cut": False}
    assert above_hearing_cut(ranked, 5, None) and not above_hearing_cut(ranked, 4, None)
    assert above_hearing_cut(ranked, None, 31.5) and not above_hearing_cut(ranked, None, 32)
    assert not above_hearing_cut({**ranked, "passes_thresholds": False}, 10, None)
    assert not above_hearing_cut({**ranked, "rank": None}, 10, None)
    # neither set: the scoring's cut line decides
    assert not above_hearing_cut(ranked, None, None)
    assert above_hearing_cut({**ranked, "above_cut": True}, None, None)
