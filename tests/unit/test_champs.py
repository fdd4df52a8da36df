"""Mapping champs by descriptor id, and drift detection against the active revision."""

import pytest

from models.champs import (
    DossierMappingError,
    RevisionDriftError,
    descriptor_type,
    detect_drift,
    map_fields,
)
from settings.config import FieldMapping

FIELDS = {
    "administration": FieldMapping(id="A", type="text", required=True),
    "nombre_eig": FieldMapping(id="N", type="integer_number", required=True),
    "profils": FieldMapping(id="P", type="multiple_drop_down_list"),
    "theme": FieldMapping(id="T", type="drop_down_list"),
    "disponible": FieldMapping(id="D", type="date"),
    "equipe": FieldMapping(
        id="R", type="repetition",
        columns={
            "nom": {"id": "R1", "type": "text"},
            "mois": {"id": "R2", "type": "integer_number"},
        },
    ),
}


def champ(typename, cid, **values):
    return {"__typename": typename, "champDescriptorId": cid, "id": f"c-{cid}",
            "label": "Libellé qui peut changer", "stringValue": "", **values}


def good_champs():
    return [
        champ("TextChamp", "A", text="  DINUM  "),
        champ("IntegerNumberChamp", "N", integerNumber="2"),
        champ("MultipleDropDownListChamp", "P", choices=["designer", "développeur·se"]),
        champ("DropDownListChamp", "T", choice="santé"),
        champ("DateChamp", "D", date="2027-01-15"),
        champ("RepetitionChamp", "R", rows=[
            {"id": "r1", "champs": [champ("TextChamp", "R1", text="Ada"),
                                    champ("IntegerNumberChamp", "R2", integerNumber="12")]},
            {"id": "r2", "champs": [champ("TextChamp", "R1", text="Grace")]},
        ]),
    ]


def test_maps_by_descriptor_id_whatever_the_label_and_order():
    values = map_fields(101, 7, list(reversed(good_champs())), FIELDS)
    assert values == {
        "administration": "DINUM",
        "nombre_eig": 2,
        "profils": ["designer", "développeur·se"],
        "theme": "santé",
        "disponible": "2027-01-15",
        "equipe": [{"nom": "Ada", "mois": 12}, {"nom": "Grace", "mois": None}],
    }


def test_missing_required_champ_names_dossier_field_and_rule():
    champs = [c for c in good_champs() if c["champDescriptorId"] != "N"]
    with pytest.raises(DossierMappingError) as caught:
        map_fields(101, 7, champs, FIELDS)
    error = caught.value
    assert (error.dossier_number, error.demarche_number) == (7, 101)
    assert [(p.field, p.rule) for p in error.problems] == [("nombre_eig", "required")]
    assert "dossier 7 (démarche 101)" in str(error) and "nombre_eig" in str(error)


def test_empty_required_value_is_a_problem_but_optional_is_none():
    champs = good_champs()
    champs[0]["text"] = "   "
    champs[3]["choice"] = None
    with pytest.raises(DossierMappingError) as caught:
        map_fields(101, 7, champs, FIELDS)
    assert [(p.field, p.rule) for p in caught.value.problems] == [("administration", "required")]


def test_wrong_champ_type_and_bad_integer_are_reported_together():
    champs = good_champs()
    champs[0] = champ("IntegerNumberChamp", "A", integerNumber="3")
    champs[1]["integerNumber"] = "deux"
    with pytest.raises(DossierMappingError) as caught:
        map_fields(101, 7, champs, FIELDS)
    problems = {(p.field, p.rule) for p in caught.value.problems}
    assert problems == {("administration", "type"), ("nombre_eig", "type")}


def test_bad_repetition_cell_names_the_column():
    champs = good_champs()
    champs[5]["rows"][0]["champs"][1] = champ("TextChamp", "R2", text="douze")
    with pytest.raises(DossierMappingError) as caught:
        map_fields(101, 7, champs, FIELDS)
    [problem] = caught.value.problems
    assert (problem.field, problem.champ_id, problem.rule) == ("equipe.mois", "R2", "type")


@pytest.mark.parametrize(("typename", "expected"), [
    ("TextChampDescriptor", "text"),
    ("TextareaChampDescriptor", "textarea"),
    ("IntegerNumberChampDescriptor", "integer_number"),
    ("MultipleDropDownListChampDescriptor", "multiple_drop_down_list"),
    ("YesNoChampDescriptor", "yes_no"),
    ("RepetitionChampDescriptor", "repetition"),
])
def test_descriptor_type(typename, expected):
    assert descriptor_type(typename) == expected


def descriptors():
    return [
        {"__typename": "TextChampDescriptor", "id": "A"},
        {"__typename": "IntegerNumberChampDescriptor", "id": "N"},
        {"__typename": "MultipleDropDownListChampDescriptor", "id": "P"},
        {"__typename": "DropDownListChampDescriptor", "id": "T"},
        {"__typename": "DateChampDescriptor", "id": "D"},
        {"__typename": "RepetitionChampDescriptor", "id": "R", "champDescriptors": [
            {"__typename": "TextChampDescriptor", "id": "R1"},
            {"__typename": "IntegerNumberChampDescriptor", "id": "R2"},
        ]},
        {"__typename": "TextChampDescriptor", "id": "UNMAPPED"},
    ]


def test_no_drift_when_revision_matches():
    assert detect_drift(101, descriptors(), FIELDS) == []


def test_drift_names_field_and_demarche_for_gone_and_retyped_descriptors():
    revision = [d for d in descriptors() if d["id"] != "T"]
    revision[1] = {"__typename": "DecimalNumberChampDescriptor", "id": "N"}
    revision[4]["champDescriptors"][1]["__typename"] = "TextChampDescriptor"
    drifts = detect_drift(101, revision, FIELDS)
    assert {(d.field, d.found) for d in drifts} == {
        ("nombre_eig", "decimal_number"), ("theme", None), ("equipe.mois", "text"),
    }
    message = str(RevisionDriftError(drifts))
    assert "démarche 101" in message and "« theme »" in message and "decimal_number" in message


def test_an_annotation_gone_or_retyped_is_named_as_an_annotation():
    annotations = {"etape": FieldMapping(id="E", type="drop_down_list"),
                   "rang": FieldMapping(id="G", type="integer_number")}
    revision = [{"__typename": "TextChampDescriptor", "id": "E"}]
    drifts = detect_drift(104, revision, annotations, annotations=True)
    assert {(d.field, d.found) for d in drifts} == {("etape", "text"), ("rang", None)}
    message = str(RevisionDriftError(drifts))
    assert "l'annotation privée « etape » (E) a changé de type" in message
    assert "l'annotation privée « rang »" in message and "le champ" not in message
