"""The missions démarche's rules (models/mission_dossier.py): a filing, the team's step,
the path of the placement, and what the administration reads."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from models.mission_dossier import (
    NONE,
    CandidateLine,
    DossierProblem,
    MissionFiling,
    PlacementRef,
    StepPlan,
    StepRequest,
    mission_view,
    plan_step,
    read_filing,
    read_step,
)
from models.placement import PlacementStatus as S

SPECIALTIES = ["designer", "développeur·se", "juriste du numérique"]
STEPS = {"Proposition acceptée": "accepte", "Contrat signé": "contrat_signe",
         "Prise de poste": "demarre", "Désistement": "renonce"}
FIELDS = {"projet_dossier": 12, "administration": "DINUM", "intitule": "Données ouvertes",
          "profils": ["designer"], "quotite": "temps plein", "debut": "2027-03-01",
          "localisation": "Paris", "thematique": "numérique", "experience_min": None,
          "contact_nom": "Claire Dupont", "contact_email": "Claire.Dupont@numerique.gouv.fr"}


def read(**changes: object) -> MissionFiling | DossierProblem:
    return read_filing(7, 104, FIELDS | changes, specialties=SPECIALTIES, laureats={12},
                       deposited=date(2027, 1, 5))


def test_a_good_filing_reads_as_the_mission_of_match_mission():
    filing = read()
    assert isinstance(filing, MissionFiling)
    assert filing.profils == ("designer",) and filing.debut == date(2027, 3, 1)
    assert filing.contact_email == "claire.dupont@numerique.gouv.fr"
    assert filing.answers()["debut"] == "2027-03-01" and filing.answers()["profils"] == [
        "designer"]


@pytest.mark.parametrize(("changes", "field", "rule"), [
    ({"profils": []}, "profils", "1 ou 2 profils"),
    ({"profils": ["designer", "développeur·se", "juriste du numérique"]}, "profils",
     "1 ou 2 profils"),
    ({"profils": ["astronaute"]}, "profils", "spécialité du programme"),
    ({"projet_dossier": 13}, "projet_dossier", "projet lauréat du programme"),
    ({"quotite": "mi-temps"}, "quotite", "temps plein ou 4/5"),
    ({"debut": "2026-12-01"}, "debut", "date à venir"),
    ({"experience_min": 80}, "experience_min", "entre 0 et 40 ans"),
    ({"contact_email": "claire"}, "contact_email", "adresse électronique"),
])
def test_a_filing_that_breaks_a_rule_names_the_dossier_the_field_and_the_rule(
        changes: dict, field: str, rule: str):
    problem = read(**changes)
    assert isinstance(problem, DossierProblem)
    assert (problem.field, problem.rule) == (field, rule)
    line = problem.describe()
    assert line.startswith("dossier 7 (démarche 104) : champ « ") and rule in line
    assert "\n" not in line
    assert f"« {field} »" not in problem.for_applicant()
    assert problem.for_applicant().startswith("le champ « ")


def step(**annotations: object) -> StepRequest | DossierProblem | None:
    return read_step(7, 104, annotations, STEPS)


def test_no_step_yet_and_a_step_with_its_dates():
    assert step() is None
    signed = step(etape_recrutement="Contrat signé", date_signature="2027-02-01")
    assert isinstance(signed, StepRequest) and signed.step is S.CONTRAT_SIGNE
    assert signed.as_json()["signed_on"] == "2027-02-01"


@pytest.mark.parametrize(("annotations", "field"), [
    ({"etape_recrutement": "Embauché"}, "etape_recrutement"),
    ({"etape_recrutement": "Contrat signé"}, "date_signature"),
    ({"etape_recrutement": "Prise de poste", "date_signature": "2027-02-01"},
     "date_prise_de_poste"),
    ({"etape_recrutement": "Prise de poste", "date_signature": "2027-02-01",
      "date_prise_de_poste": "2027-01-15"}, "date_prise_de_poste"),
])
def test_a_bad_step_is_a_problem_naming_its_field(annotations: dict, field: str):
    problem = step(**annotations)
    assert isinstance(problem, DossierProblem) and problem.field == field


def request(target: S, candidate: int | None = None) -> StepRequest:
    return StepRequest("x", target, candidate, date(2027, 2, 1), date(2027, 3, 1))


def test_the_retained_placement_walks_the_path_to_the_step():
    placements = [PlacementRef(1, 501, "retenu"), PlacementRef(2, 502, "non_retenu")]
    assert plan_step(7, 104, request(S.CONTRAT_SIGNE), placements) == StepPlan(
        1, (S.ACCEPTE, S.CONTRAT_SIGNE))
    assert plan_step(7, 104, request(S.ACCEPTE),
                     [PlacementRef(1, 501, "demarre")]) == StepPlan(1, ())  # further: no-op
    assert plan_step(7, 104, request(S.RENONCE), placements) == StepPlan(1, (S.RENONCE,))
    assert plan_step(7, 104, request(S.RENONCE),
                     [PlacementRef(1, 501, "renonce")]) == StepPlan(1, ())


def test_a_step_without_a_retained_person_or_with_two_is_a_problem():
    nobody = plan_step(7, 104, request(S.ACCEPTE), [PlacementRef(1, 501, "propose")])
    assert isinstance(nobody, DossierProblem) and nobody.rule == "après la délibération"
    two = [PlacementRef(1, 501, "retenu"), PlacementRef(2, 502, "accepte")]
    both = plan_step(7, 104, request(S.CONTRAT_SIGNE), two)
    assert isinstance(both, DossierProblem) and both.field == "dossier_candidat"
    assert plan_step(7, 104, request(S.CONTRAT_SIGNE, 502), two) == StepPlan(
        2, (S.CONTRAT_SIGNE,))
    stranger = plan_step(7, 104, request(S.ACCEPTE, 999), two)
    assert isinstance(stranger, DossierProblem) and "999" in stranger.describe()
    started = plan_step(7, 104, request(S.RENONCE), [PlacementRef(1, 501, "demarre")])
    assert isinstance(started, DossierProblem) and "en poste" in started.describe()


def test_what_the_administration_reads_follows_the_mission():
    at = datetime(2027, 1, 12, 8, 30, tzinfo=UTC)
    opened = mission_view("ouverte", [], None)
    assert opened.stage == "ouverte" and opened.values["candidats_proposes"] == NONE
    heard = mission_view("ouverte", [CandidateLine("Camille Martin", 501, "propose", at)], None)
    assert heard.stage == "entretiens"
    assert heard.values["entretiens"] == "Camille Martin : le mardi 12 janvier 2027 à 9 h 30"
    retained = mission_view("ouverte", [CandidateLine("Camille Martin", 501, "contrat_signe",
                                                      at)], None)
    assert retained.stage == "retenu"
    assert retained.values["personne_retenue"] == "Camille Martin (contrat signé)"
    assert mission_view("pourvue", [], None).stage == "pourvue"
    aside = mission_view(None, [], "dossier 7 : …")
    assert aside.stage == "a_corriger" and aside.values == {
        "etat_mission": "À corriger : dossier 7 : …"}


def test_the_administration_reads_that_the_entretiens_wait_for_its_contact():
    from datetime import date as day

    from models.mission_dossier import CandidateLine, mission_view

    waiting = [CandidateLine("Camille Martin", 2041, "propose", None)]
    view = mission_view("ouverte", waiting, None, contact_asked=day(2027, 1, 11))
    assert view.values["entretiens"] == (
        "En attente des disponibilités de votre contact, demandées le lundi 11 janvier 2027 "
        "par un formulaire Démarches Simplifiées")
    assert mission_view("ouverte", waiting, None).values["entretiens"] == "—"
