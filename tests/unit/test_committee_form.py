"""The committee's approval form: presence and presidency among the configured members."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from flows.deliberate import CommitteeApproval, approval_class, sitting_of
from models.deliberation import decision_code
from settings.config import ConfigError, load_config
from settings.environment import PROJECT_ROOT

CONFIG = load_config(PROJECT_ROOT / "config" / "eig.yaml")
RT = SimpleNamespace(config=CONFIG)
MEMBERS = CONFIG.deliberation.composition["projets"].members


def test_presence_and_presidency_are_chosen_among_the_members() -> None:
    form = approval_class(RT, "projets")  # type: ignore[arg-type]
    schema = form.model_json_schema()["properties"]
    assert schema["membres_presents"]["items"]["enum"] == list(MEMBERS)
    assert schema["preside_par"]["enum"] == ["", *MEMBERS]  # a select, not a union
    assert schema["decisions"]["title"] == "Décisions"
    # required in the schema (no « (Optional) » in the UI), prefilled all the same
    assert {"approuve", "approuve_par", "preside_par", "membres_presents", "decisions"} <= set(
        form.model_json_schema()["required"])
    with pytest.raises(ValidationError):
        form.model_validate({"membres_presents": ["Quelqu'un d'autre"]})
    answer = form.model_validate({"approuve": True, "approuve_par": "Camille",
                                  "preside_par": MEMBERS[1], "membres_presents": MEMBERS[:3]})
    sitting = sitting_of(RT, "projets", answer)  # type: ignore[arg-type]
    assert sitting.president == MEMBERS[1] and sitting.quorum == 3
    assert sitting.members == tuple(MEMBERS)


def test_without_composition_the_form_takes_names() -> None:
    rt = SimpleNamespace(config=CONFIG.model_copy(update={
        "deliberation": CONFIG.deliberation.model_copy(update={"composition": {}})}))
    form = approval_class(rt, "projets")  # type: ignore[arg-type]
    assert form.model_fields["preside_par"].annotation is str  # free text
    assert issubclass(form, CommitteeApproval)
    assert sitting_of(rt, "projets", None).quorum == 1  # type: ignore[arg-type]


def test_a_quorum_above_the_members_is_a_config_error(tmp_path) -> None:
    text = (PROJECT_ROOT / "config" / "eig.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "eig.yaml"
    bad.write_text(text.replace("      quorum: 3\n    candidats:", "      quorum: 9\n"
                                "    candidats:"), encoding="utf-8")
    with pytest.raises(ConfigError, match="quorum 9 > 5"):
        load_config(bad)


def test_decisions_are_french_labels_limited_to_the_track() -> None:
    for track, labels in (("projets", ["Lauréat", "Liste d'attente", "Refus"]),
                          ("candidats", ["Vivier", "Refus"])):
        form = approval_class(RT, track)  # type: ignore[arg-type]
        schema = form.model_json_schema()
        item = schema["$defs"][f"DossierDecision_{track}"]["properties"]
        assert item["decision"]["enum"] == labels
        assert item["dossier"]["readOnly"] and item["titre"]["readOnly"]
    assert decision_code("Liste d'attente") == "liste_attente"
    assert decision_code("refus") == "refus"
    with pytest.raises(ValueError, match="décision 'peut-être' inconnue"):
        decision_code("peut-être")


def test_the_prefilled_form_keeps_its_french_titles() -> None:
    from flows.approval import prefilled

    form = approval_class(RT, "projets")  # type: ignore[arg-type]
    item = form.model_fields["decisions"].annotation.__args__[0]  # type: ignore[union-attr]
    ready = prefilled(form, description="## Comité", notes={"approuve": "Relevé : x.pdf"},
                      approuve=False, decisions=[item(dossier=22, titre="Projet",
                                                      decision="Lauréat", motivation="M")])
    schema = ready.model_json_schema()["properties"]
    assert schema["decisions"]["title"] == "Décisions"
    assert schema["approuve"]["description"] == "Relevé : x.pdf"
    assert schema["decisions"]["default"][0]["decision"] == "Lauréat"
    assert ready._description == "## Comité"
