"""Every flow's run form in the Prefect UI starts filled: a flow's parameters model is its
default (frozen, shared), never « None » an operator must first switch to an object."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from flows.assign import assign_evaluators
from flows.chase import chase_evaluators
from flows.deliberate import deliberate
from flows.effects import deliver_effects
from flows.hearings import schedule_hearings_flow
from flows.missions import match_mission
from flows.score import score_dossiers
from flows.sync import sync_dossiers

FLOWS = [assign_evaluators, chase_evaluators, deliberate, deliver_effects,
         schedule_hearings_flow, match_mission, score_dossiers, sync_dossiers]


@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: f.name)
def test_the_form_starts_with_the_defaults_not_none(flow) -> None:
    schema = flow.parameters.model_dump()
    prop = schema["properties"]["params"]
    assert "anyOf" not in prop and "$ref" in prop  # one object, no « None » to switch from
    model = schema["definitions"][prop["$ref"].rsplit("/", 1)[1]]
    assert isinstance(prop["default"], dict) and set(prop["default"]) <= set(model["properties"])


@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: f.name)
def test_the_shared_default_cannot_be_changed(flow) -> None:
    default = flow.fn.__defaults__[0]
    field = next(iter(type(default).model_fields))
    with pytest.raises(ValidationError):
        setattr(default, field, getattr(default, field))
