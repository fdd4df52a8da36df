"""Searching the vivier: a perfect match first, conflicts and engaged candidates left
out with why, wishes respected, every point explained."""

from __future__ import annotations

from datetime import date

from models.mission_match import MissionSpec, VivierCandidate, fold, search_vivier

FAMILIES = {"designer": "produit", "développeur·se": "technique",
            "ingénieur·e de la donnée": "technique", "directeur·rice de produit": "produit"}
MISSION = MissionSpec(administration="Direction de l'eau", projet="Mieux partager l'eau",
                  profiles=("développeur·se",), start=date(2027, 3, 1), quotite="temps plein",
                  location="Lyon", theme="Environnement", min_years=5)


def candidate(dossier: int, **changes) -> VivierCandidate:
    base = dict(dossier=dossier, name=f"Candidat {dossier}", specialite="développeur·se",
                years=8, themes=("Environnement",), locations=("Lyon",),
                administrations="direction de l'eau, ADEME", available_from=date(2027, 2, 1),
                quotite="temps plein", employer="Start-up SAS")
    return VivierCandidate(**(base | changes))


def test_a_perfect_match_comes_first_with_its_reasons():
    found = search_vivier(MISSION, [
        candidate(3, themes=("Santé",), locations=("Paris",), administrations=""),
        candidate(2, specialite="ingénieur·e de la donnée"),
        candidate(1)], shortlist=2, families=FAMILIES)
    assert [m.dossier for m in found.shortlist] == [1, 2]
    assert [m.dossier for m in found.others] == [3]
    best = found.shortlist[0]
    assert best.score == 95  # every criterion met (quotité only costs)
    assert "+40 : spécialité recherchée (développeur·se)" in best.reasons
    assert "+15 : souhaite la thématique Environnement" in best.reasons
    assert "+10 : souhaite rejoindre Direction de l'eau" in best.reasons
    assert any("famille technique" in r for r in found.shortlist[1].reasons)


def test_conflicts_and_candidates_already_taken_are_left_out_with_why():
    found = search_vivier(MISSION, [
        candidate(1, employer="DIRECTION DE L'EAU"),
        candidate(2, status="engage"),
        candidate(3, status="propose", proposed_to="mission 7"),
        candidate(4)], shortlist=5, families=FAMILIES)
    assert [m.dossier for m in found.shortlist] == [4]
    reasons = {m.dossier: m.excluded for m in found.excluded}
    assert "conflit d'intérêts" in reasons[1]
    assert reasons[2] == "déjà engagé·e sur une mission"
    assert reasons[3] == "déjà proposé·e à une autre mission (mission 7)"


def test_wishes_and_availability_order_otherwise_equal_candidates():
    found = search_vivier(MISSION, [
        candidate(1, available_from=date(2027, 4, 30)),   # 60 days late: a third left
        candidate(2, locations=("Paris",)),
        candidate(3, quotite="4/5"),
        candidate(4)], shortlist=4, families=FAMILIES)
    assert [m.dossier for m in found.shortlist] == [4, 3, 1, 2]
    late = next(m for m in found.shortlist if m.dossier == 1)
    assert "+3,3 : disponible le vendredi 30 avril 2027, 60 jours après le début" in late.reasons
    assert any("souhaite un 4/5" in r for r in found.shortlist[1].reasons)


def test_too_little_experience_costs_points():
    found = search_vivier(MISSION, [candidate(1, years=2), candidate(2)], shortlist=2,
                          families=FAMILIES)
    assert [m.dossier for m in found.shortlist] == [2, 1]
    assert "-10 : 2 ans d'expérience (< 5 demandés)" in found.shortlist[1].reasons


def test_fold_ignores_case_accents_and_punctuation():
    assert fold("Île-de-France") == fold("ile de  france")


def test_the_vivier_keeps_what_a_search_reads_and_nothing_more() -> None:
    from datetime import date

    from models.mission_match import vivier_profile

    fields = {"specialite": "développeur·se", "annees_experience": 6,
              "voeux_thematiques": ["santé"], "disponibilite": date(2027, 3, 1),
              "quotite": "4/5", "telephone": "06 12 34 56 78", "motivation": "…"}
    profile = vivier_profile(fields)
    assert profile["disponibilite"] == "1 mars 2027"
    assert profile["disponibilite_iso"] == "2027-03-01"
    assert profile["voeux_localisations"] == [] and profile["experiences"] == []
    assert "telephone" not in profile and "motivation" not in profile
