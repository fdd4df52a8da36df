"""The draft-conventions run form (Prefect's parameter schema): typed, choice-restricted
fields with French titles, none to switch from « None »; the overrides they make."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import yaml
from prefect.utilities.callables import get_call_parameters
from prefect.utilities.schema_tools import validate
from prefect.utilities.schema_tools.validation import ValidationError as FormError
from pydantic import MISSING, ValidationError

from flows.conventions import FORM, ConventionParameters, Quotite, TypeConvention, asked
from flows.conventions import draft_conventions as flow
from models.convention_draft import Overrides
from settings.environment import PROJECT_ROOT


@pytest.fixture(scope="module")
def schema() -> dict:
    return flow.parameters.model_dump()


def resolved(schema: dict, prop: dict) -> dict:
    if "$ref" in prop:
        return schema["definitions"][prop["$ref"].rsplit("/", 1)[1]]
    return prop


def test_every_field_has_its_french_title_and_help(schema):
    properties = schema["properties"]
    assert list(properties) == list(FORM)
    for name, prop in properties.items():
        assert (prop["title"], prop["description"]) == FORM[name]
    assert properties["type_convention"]["title"] == "Type de convention"
    assert properties["quotite"]["title"] == "Quotité"


def test_no_field_offers_none_and_none_is_required(schema):
    """The schedule and the committee's event run it without parameters; in the form,
    an empty field keeps the default (no « Property is type 'None' » to switch from)."""
    assert schema["required"] == []
    text = str(schema)
    assert "'null'" not in text and "anyOf" not in text and "None" not in text
    for prop in schema["properties"].values():
        assert resolved(schema, prop).get("type") in ("integer", "string")
        # the form fills a field with its default and validates it: a null default is
        # refused by the field's own type (« None is not of type 'string' »)
        assert "default" not in prop


def test_kind_and_quotite_are_choices(schema):
    properties = schema["properties"]
    assert resolved(schema, properties["type_convention"])["enum"] == [
        "Convention budgétaire (cadre fixe)", "Convention de partenariat (cadre adaptable)"]
    for name in ("quotite", "quotite_eig_2"):
        assert resolved(schema, properties[name])["enum"] == ["temps plein", "4/5"]
    assert (properties["nombre_eig"]["minimum"], properties["nombre_eig"]["maximum"]) == (1, 2)
    assert properties["date_debut"]["format"] == "date"


def test_the_form_refuses_what_is_not_a_choice(schema):
    assert validate({"type_convention": "Convention de partenariat (cadre adaptable)",
                     "quotite": "4/5", "dossier": 12}, schema, raise_on_error=True) == []
    for wrong in ({"type_convention": "libre"}, {"quotite": "mi-temps"},
                  {"nombre_eig": 3}, {"duree_mois": 0}):
        with pytest.raises(FormError):
            validate(wrong, schema, raise_on_error=True)
    with pytest.raises(ValidationError):
        ConventionParameters(quotite="mi-temps")


def test_the_deployment_parameters_fit_the_form(schema):
    [deployment] = [d for d in yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text())[
        "deployments"] if d["name"] == "draft-conventions"]
    parameters = deployment.get("parameters", {})
    validate(parameters, schema, raise_on_error=True)
    assert set(parameters) <= set(schema["properties"])


def test_fields_left_empty_keep_the_defaults():
    """What Prefect passes for a field the form left empty (pydantic's MISSING) is no
    override: a run with no parameters (the schedule, the event) changes nothing."""
    empty = get_call_parameters(flow.fn, (), {}, apply_defaults=True)
    assert set(empty) == set(FORM) and all(value is MISSING for value in empty.values())
    assert asked(**empty) == ConventionParameters()
    some = get_call_parameters(flow.fn, (), {"dossier": 3, "quotite": "4/5"},
                               apply_defaults=True)
    assert asked(**some) == ConventionParameters(dossier=3, quotite=Quotite.QUATRE_CINQUIEMES)


def test_the_form_makes_the_overrides():
    assert ConventionParameters().overrides() == Overrides()
    params = ConventionParameters(
        dossier=7, type_convention="budgetaire", date_debut=date(2027, 1, 4), duree_mois=10,
        quotite=Quotite.QUATRE_CINQUIEMES, experience="plus-10-ans", coach="Dana",
        signataire="Claire Dubois, directrice")
    assert params.type_convention is TypeConvention.BUDGETAIRE  # the config's key accepted
    assert params.overrides() == Overrides(
        kind="budgetaire", start=date(2027, 1, 4), duration_months=10,
        quotites=(Decimal("0.8"),), bands=("plus-10-ans",), coach="Dana",
        signatory="Claire Dubois, directrice")
    each = ConventionParameters(dossier=7, quotite_eig_2="4/5",
                                experience_eig_2="moins-10-ans").overrides()
    assert each.quotites == (Decimal(1), Decimal("0.8"))
    assert each.bands == (None, "moins-10-ans")
    assert TypeConvention("Convention de partenariat (cadre adaptable)").kind == "partenariat"
