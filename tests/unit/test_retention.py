"""The retention rules (models/retention.py) travel in time: the day before each limit
nothing goes, the day after exactly what the data class says goes; a legal obligation
keeps the dossier; an undelivered effect defers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from models.data_subject import SubjectError, SubjectKind, hold_reason, parse_subject
from models.retention import (
    Action,
    DataClass,
    DossierFacts,
    evaluator_due,
    plan_dossier,
    pseudonym_of_email,
)
from settings.config import ConfigError, RgpdConfig, load_config
from settings.environment import PROJECT_ROOT

POLICY = load_config(PROJECT_ROOT / "config" / "eig.yaml").rgpd.policy()
T0 = datetime(2027, 3, 1, 10, tzinfo=UTC)
DAY = timedelta(days=1)


def days(data_class: DataClass) -> timedelta:
    return timedelta(days=POLICY[data_class].days)


def before_and_after(facts: DossierFacts, start: datetime, data_class: DataClass):
    limit = start + days(data_class)
    return plan_dossier(facts, POLICY, limit - DAY), plan_dossier(facts, POLICY, limit + DAY)


def test_the_embedded_policy_matches_the_register():
    assert POLICY[DataClass.CANDIDATS_NON_RETENUS].days == 730  # CNIL: 2 years
    assert POLICY[DataClass.VIVIER].days == 730
    assert POLICY[DataClass.DECISIONS_PUBLIEES].days is None
    assert set(POLICY) == set(DataClass)
    register = (PROJECT_ROOT / "docs" / "rgpd.md").read_text(encoding="utf-8")
    for data_class, rule in POLICY.items():
        assert f"`{data_class}`" in register, data_class
        if rule.days is not None:
            assert f"| {rule.days} " in register, data_class


def test_a_candidate_not_retained_is_pseudonymised_two_years_after_the_last_contact():
    facts = DossierFacts(number=7, track="candidats", last_contact=T0, decision="refus")
    before, after = before_and_after(facts, T0, DataClass.CANDIDATS_NON_RETENUS)
    assert before.data_class is DataClass.CANDIDATS_NON_RETENUS
    assert before.action is None
    assert after.action is Action.PSEUDONYMISE
    done = replace(facts, pseudonymised=True)
    assert plan_dossier(done, POLICY, T0 + 3 * days(DataClass.VIVIER)).due is False


def test_evaluations_of_a_closed_season_go_after_a_year_the_dossier_stays():
    facts = DossierFacts(number=8, track="candidats", last_contact=T0, evaluation_data=True)
    before, after = before_and_after(facts, T0, DataClass.SAISON_CLOSE)
    assert (before.evaluations, after.evaluations) == (False, True)
    assert after.action is None  # the candidate's dossier: two years


def test_a_projects_dossier_of_a_closed_season():
    facts = DossierFacts(number=9, track="projets", last_contact=T0, decision="refus")
    before, after = before_and_after(facts, T0, DataClass.SAISON_CLOSE)
    assert (before.action, after.action) == (None, Action.PSEUDONYMISE)


def test_a_published_laureate_or_a_convention_is_kept_never_erased():
    for facts in (DossierFacts(10, "projets", T0, decision="laureat", evaluation_data=True),
                  DossierFacts(11, "candidats", T0, contract=True)):
        plan = plan_dossier(facts, POLICY, T0 + 50 * days(DataClass.VIVIER))
        assert plan.data_class is DataClass.DECISIONS_PUBLIEES
        assert plan.action is Action.KEEP
        assert plan.evaluations is facts.evaluation_data  # the grids go after the season


def test_the_vivier_lasts_as_long_as_the_consent_renewed():
    facts = DossierFacts(12, "candidats", T0, decision="vivier", vivier_member=True,
                         vivier_status="disponible", consent_at=T0)
    before, after = before_and_after(facts, T0, DataClass.VIVIER)
    assert before.action is None and not before.leave_vivier
    assert after.action is Action.PSEUDONYMISE and after.leave_vivier
    renewed = replace(facts, consent_at=T0 + 700 * DAY)
    assert plan_dossier(renewed, POLICY, T0 + days(DataClass.VIVIER) + DAY).action is None
    proposed = replace(facts, vivier_status="propose")  # on a mission now: wait
    assert plan_dossier(proposed, POLICY, T0 + days(DataClass.VIVIER) + DAY).action is None


def test_a_dossier_ds_deleted_goes_a_week_later_unless_kept():
    facts = DossierFacts(13, "projets", T0, deleted_at=T0 + DAY, evaluation_data=True)
    before, after = before_and_after(facts, T0 + DAY, DataClass.DOSSIERS_SUPPRIMES_DS)
    assert before.action is None and not before.evaluations
    assert after.action is Action.DELETE and after.evaluations
    laureate = replace(facts, decision="laureat")
    assert plan_dossier(laureate, POLICY, T0 + 30 * DAY).action is Action.PSEUDONYMISE


def test_an_undelivered_effect_defers_the_dossier():
    facts = DossierFacts(14, "candidats", T0, pending_effects=2, evaluation_data=True)
    plan = plan_dossier(facts, POLICY, T0 + 3 * days(DataClass.VIVIER))
    assert plan.action is Action.DEFER and not plan.evaluations
    assert "2 effet(s)" in plan.reason


def test_an_evaluator_who_left_a_year_ago():
    limit = T0 + days(DataClass.EVALUATEURS_PARTIS)
    assert not evaluator_due(T0, POLICY, limit - DAY)
    assert evaluator_due(T0, POLICY, limit + DAY)
    assert not evaluator_due(None, POLICY, limit + 100 * DAY)  # still active


def test_the_log_names_no_one():
    ref = pseudonym_of_email(" Alice@Exemple.fr ")
    assert ref == pseudonym_of_email("alice@exemple.fr") and "alice" not in ref


def test_a_subject_is_an_email_or_a_dossier_number():
    assert parse_subject(" 1234 ").kind is SubjectKind.DOSSIER
    assert parse_subject("Alice@Exemple.FR").value == "alice@exemple.fr"
    for bad in ("", "alice", "12a", "x" * 400 + "@a.fr", "١٢٣"):
        with pytest.raises(SubjectError):
            parse_subject(bad)


def test_the_refusal_says_why_in_one_sentence():
    from datetime import date

    why = hold_reason(5, ("laureat", date(2027, 6, 15)), False)
    assert why and "publiée" in why and "\n" not in why
    assert hold_reason(5, ("refus", date(2027, 6, 15)), False) is None


def test_a_duration_for_published_decisions_is_refused(tmp_path: Path):
    with pytest.raises(ValueError):
        RgpdConfig.model_validate({"retention": {"decisions_publiees": {
            "days": 10, "basis": "non"}}})
    raw = (PROJECT_ROOT / "config" / "eig.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "eig.yaml"
    bad.write_text(raw.replace("      days: 730\n      basis: \"Recommandation",
                               "      days: -1\n      basis: \"Recommandation"),
                   encoding="utf-8")
    with pytest.raises(ConfigError, match="candidats_non_retenus.days"):
        load_config(bad)


def test_a_mission_dossier_waits_while_its_mission_recruits_then_a_year():
    facts = DossierFacts(number=9, track="missions", last_contact=T0, mission_open=True)
    assert plan_dossier(facts, POLICY, T0 + 5 * days(DataClass.MISSIONS)).action is None
    closed = replace(facts, mission_open=False)
    before, after = before_and_after(closed, T0, DataClass.MISSIONS)
    assert before.data_class is DataClass.MISSIONS and before.action is None
    assert after.action is Action.PSEUDONYMISE and not after.evaluations
    # a contract was signed on it: the recruitment's record is kept
    hired = replace(closed, contract=True)
    kept = plan_dossier(hired, POLICY, T0 + 5 * days(DataClass.MISSIONS))
    assert kept.data_class is DataClass.DECISIONS_PUBLIEES and kept.action is Action.KEEP


def test_an_availability_form_goes_three_months_after_its_last_contact():
    facts = DossierFacts(number=11, track="disponibilites", last_contact=T0)
    before, after = before_and_after(facts, T0, DataClass.DISPONIBILITES)
    assert before.data_class is DataClass.DISPONIBILITES and before.action is None
    assert after.action is Action.PSEUDONYMISE
