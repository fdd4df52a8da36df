"""What a convention draft says, from a dossier, a decision and the operator's overrides."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from models.convention_draft import (
    ConventionInputError,
    DraftSettings,
    Laureat,
    Overrides,
    content_digest,
    content_from_json,
    content_to_json,
    convention_content,
    end_date,
    paragraphs,
    start_date,
)
from settings.config import load_config
from settings.environment import PROJECT_ROOT

FIELDS = {
    "administration": "Direction de l'eau", "ministere": "Transition écologique",
    "intitule": "Mieux partager l'eau", "theme": "Environnement",
    "porteur": "Alice Martin, cheffe de bureau", "email": "alice@eau.gouv.fr",
    "sponsor": "Bruno Roy, directeur", "description": "Premier paragraphe\nsuite.\n\nSecond.",
    "nombre_eig": 2, "profils": ["designer", "développeur·se", "data"],
    "localisation": "Lyon",
    "equipe": [{"nom": "Chloé", "role": "experte métier", "email": "chloe@eau.gouv.fr"}],
}


@pytest.fixture(scope="module")
def config():
    return load_config(PROJECT_ROOT / "config" / "eig.yaml").conventions


def settings(config) -> DraftSettings:
    return DraftSettings(dinum=config.dinum.model_dump(), default_coach=config.default_coach,
                         start_delay_months=config.start_delay_months,
                         promotion_start={k: f.start for k, f in config.frameworks.items()})


NO_OVERRIDES = Overrides()


def content(config, kind="partenariat", overrides=NO_OVERRIDES, fields=FIELDS,
            decided=date(2026, 11, 5)):
    framework = config.frameworks[kind].framework(kind)
    return convention_content(Laureat(42, fields, decided, "Comité de sélection"),
                              framework, overrides, settings(config), "EIG-CONV-2026-0001")


def test_parties_mission_and_eig_come_from_the_dossier(config):
    c = content(config)
    assert c["administration"]["nom"] == "Direction de l'eau"
    assert c["administration"]["email"] == "alice@eau.gouv.fr"
    assert c["sponsor"] == "Bruno Roy, directeur"
    assert c["coach"] == "à désigner par la DINUM"
    assert c["mission"]["paragraphes"] == ["Premier paragraphe suite.", "Second."]
    assert [e["profil"] for e in c["eig"]] == ["designer", "développeur·se / data"]
    assert c["equipe"][0]["role"] == "experte métier"
    assert c["employeur"] == "dinum"
    assert c["decision"]["date"] == date(2026, 11, 5)


def test_the_administration_signs_through_its_signatory_never_its_porteur(config):
    assert content(config)["administration"]["signataire"] == ""  # unknown: a blank to fill
    named = {**FIELDS, "signataire": "Claire Dubois, directrice de l'eau"}
    assert content(config, fields=named)["administration"]["signataire"] == \
        "Claire Dubois, directrice de l'eau"
    told = Overrides(signatory="Marc Petit, secrétaire général")
    assert content(config, overrides=told, fields=named)["administration"]["signataire"] == \
        "Marc Petit, secrétaire général"
    assert Overrides.from_json(told.as_json()) == told
    for fields in (FIELDS, named):
        assert "Alice Martin" not in content(config, fields=fields)["administration"][
            "signataire"]


def test_the_draft_describes_the_project_in_the_applicants_words_only(config):
    """No committee motivation, no evaluator's comment: the dossier's text."""
    fields = {**FIELDS, "probleme_actionnable": "Trois bassins testent.\n\nObjectif : -20 %."}
    c = content(config, fields=fields)
    assert c["dossier"] == 42
    assert c["mission"]["objectif"] == "Trois bassins testent. Objectif : -20 %."
    assert set(c["decision"]) == {"comite", "date"}
    assert "motivation" not in str(content_to_json(c))


def test_partenariat_dates_start_two_months_after_the_committee(config):
    c = content(config)
    assert c["dates"]["debut"] == date(2027, 1, 1)
    assert c["dates"]["fin"] == date(2027, 12, 31)
    assert c["dates"]["renouvelable"] is True


def test_budgetaire_starts_with_the_next_promotion_and_lasts_ten_months(config):
    c = content(config, "budgetaire", decided=date(2026, 6, 10))
    assert c["dates"]["debut"] == date(2026, 9, 1)
    assert c["dates"]["fin"] == date(2027, 6, 30)
    assert "10 mois" in c["contrat"]["libelle"]
    assert c["annexe"]["totaux"]["part_dinum"] == D("74000.00")  # 2 × 74 000 × 50 %


def test_overrides_change_quotite_experience_dates_and_coach(config):
    c = content(config, overrides=Overrides(
        start=date(2027, 3, 15), duration_months=6, quotites=(D("0.8"),),
        bands=("moins-10-ans", None), coach="Dana Coach", nombre_eig=2))
    assert c["dates"]["debut"] == date(2027, 3, 15) and c["dates"]["fin"] == date(2027, 9, 14)
    assert [line["net_mensuel"] for line in c["annexe"]["lignes"]] == [D("3400.00"),
                                                                       D("4000.00")]
    assert [line["hypothese"] for line in c["annexe"]["lignes"]] == [False, True]
    assert c["annexe"]["hypothese"]
    assert c["coach"] == "Dana Coach"


@pytest.mark.parametrize(("fields", "overrides", "field", "rule"), [
    ({**FIELDS, "nombre_eig": 3}, Overrides(), "nombre_eig", "1 ou 2"),
    ({**FIELDS, "profils": []}, Overrides(), "profils", "obligatoire"),
    ({**FIELDS, "administration": " "}, Overrides(), "administration", "obligatoire"),
    (FIELDS, Overrides(quotites=(D(1), D(1), D(1))), "quotite", "une valeur par EIG"),
    (FIELDS, Overrides(bands=("junior",)), "experience", "tranche connue"),
])
def test_bad_input_names_the_dossier_field_and_rule(config, fields, overrides, field, rule):
    with pytest.raises(ConventionInputError) as caught:
        content(config, fields=fields, overrides=overrides)
    assert (caught.value.dossier, caught.value.field, caught.value.rule) == (42, field, rule)
    assert str(caught.value).startswith(f"dossier 42, champ {field}")


def test_a_part_time_convention_budgetaire_is_refused(config):
    with pytest.raises(ConventionInputError, match="champ quotite"):
        content(config, "budgetaire", overrides=Overrides(quotites=(D("0.8"),)))


def test_the_digest_changes_with_the_content_only(config):
    assert content_digest(content(config)) == content_digest(content(config))
    assert content_digest(content(config)) != content_digest(
        content(config, overrides=Overrides(coach="Dana Coach")))


def test_stored_content_reads_back_with_dates_and_decimals(config):
    original = content(config)
    assert content_from_json(content_to_json(original)) == original


def test_overrides_merge_and_round_trip():
    stored = Overrides(coach="A", quotites=(D("0.8"),))
    merged = stored.merged(Overrides(start=date(2027, 1, 4)))
    assert merged.coach == "A" and merged.start == date(2027, 1, 4)
    assert Overrides.from_json(merged.as_json()) == merged


def test_dates_helpers():
    assert start_date(date(2026, 11, 30), None, 2) == date(2027, 1, 1)
    assert start_date(date(2026, 9, 1), "09-01", 0) == date(2027, 9, 1)
    assert end_date(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert paragraphs(None) == []
