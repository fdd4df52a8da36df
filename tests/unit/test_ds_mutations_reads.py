"""The reads behind idempotent delivery: the instructeur to act as, the dossier's snapshot
(what is already true in DS), the démarche's labels."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from connectors.ds import (
    AnnotationValue,
    DSError,
    DSInstructeurError,
    DSNotFoundError,
    demarche_labels,
    fetch_dossier_snapshot,
    find_instructeur,
)
from tests.unit.test_ds_mutations_fakes import FakeDS, dossier_id, make_client

GROUPES = {
    "data": {
        "demarche": {
            "id": "RGVtYXJjaGUtMTI=",
            "number": 12,
            "groupeInstructeurs": [
                {
                    "id": "G1",
                    "number": 1,
                    "label": "défaut",
                    "closed": False,
                    "instructeurs": [
                        {"id": "I-7", "email": "Instruction@EIG.example"},
                        {"id": "I-8", "email": "autre@eig.example"},
                    ],
                },
                {
                    "id": "G2",
                    "number": 2,
                    "label": "santé",
                    "closed": True,
                    "instructeurs": [{"id": "I-8", "email": "autre@eig.example"}],
                },
                {
                    "id": "G3",
                    "number": 3,
                    "label": "numérique",
                    "closed": False,
                    "instructeurs": [{"id": "I-7", "email": "instruction@eig.example"}],
                },
            ],
        }
    }
}


def snapshot_answer(**overrides: object) -> dict:
    dossier = {
        "id": dossier_id(42),
        "number": 42,
        "state": "en_instruction",
        "motivation": None,
        "dateDerniereModification": "2026-01-10T10:00:00+01:00",
        "datePassageEnInstruction": "2026-01-05T09:00:00+01:00",
        "dateTraitement": None,
        "demarche": {"number": 12},
        "groupeInstructeur": {"id": "G3", "number": 3, "label": "numérique"},
        "labels": [{"id": "L1", "name": "Retenu"}, {"id": "L2", "name": "Audition"}],
        "messages": [
            {
                "id": "M1",
                "body": "Bonjour,\r\nvotre dossier  est reçu.",
                "email": "i@eig.fr",
                "createdAt": "2026-01-05T09:00:00+01:00",
                "attachments": [],
            },
            {
                "id": "M2",
                "body": "Merci",
                "email": "usager@x.fr",
                "createdAt": "2026-01-06T09:00:00+01:00",
                "attachments": [{"filename": "cv.pdf", "checksum": "c"}],
            },
        ],
        "annotations": [
            champ("TextChamp", "A-text", "Avis", text="Favorable"),
            champ("IntegerNumberChamp", "A-int", "Note", integerNumber="17"),
            champ("DecimalNumberChamp", "A-dec", "Moyenne", decimalNumber=14.5),
            champ("CheckboxChamp", "A-check", "Vu", checked=True),
            champ("DateChamp", "A-date", "Audition", date="2026-03-01"),
            champ("DatetimeChamp", "A-dt", "Rdv", datetime="2026-03-01T10:30:00+01:00"),
            champ("DropDownListChamp", "A-dd", "Décision", choice="Retenu"),
            champ("MultipleDropDownListChamp", "A-multi", "Thèmes", choices=["Santé", "IA"]),
            champ("TextChamp", "A-empty", "Commentaire", text=None),
            champ("RepetitionChamp", "A-rep", "Auditions", rows=[{"id": "R1", "champs": []}]),
        ],
    }
    dossier.update(overrides)
    return {"data": {"dossier": dossier}}


def champ(typename: str, descriptor_id: str, label: str, **value: object) -> dict:
    string_value = next(iter(value.values()))
    return {
        "__typename": typename,
        "id": descriptor_id,
        "champDescriptorId": descriptor_id,
        "label": label,
        "stringValue": None if string_value is None else str(string_value),
        "updatedAt": "2026-01-10T10:00:00+01:00",
        **value,
    }


# --- instructeur -------------------------------------------------------------------------


def test_find_instructeur_by_email_whatever_its_case() -> None:
    fake = FakeDS({"DemarcheInstructeurs": GROUPES})
    with make_client(fake) as ds:
        me = find_instructeur(ds, 12, " instruction@eig.example ")

    assert fake.only_variables() == {"number": 12}
    assert me.id == "I-7" and me.demarche_number == 12
    assert [(g.id, g.number, g.label) for g in me.groupes] == [
        ("G1", 1, "défaut"),
        ("G3", 3, "numérique"),
    ]
    assert me.in_groupe("G3") and not me.in_groupe("G2")


def test_an_email_in_no_groupe_says_where_to_add_it() -> None:
    fake = FakeDS({"DemarcheInstructeurs": GROUPES})
    with make_client(fake) as ds, pytest.raises(DSInstructeurError) as caught:
        find_instructeur(ds, 12, "inconnu@eig.example")

    assert isinstance(caught.value, DSError)
    message = str(caught.value)
    assert "inconnu@eig.example" in message and "démarche 12" in message
    assert "groupes instructeurs" in message


def test_an_unknown_demarche_is_not_found() -> None:
    fake = FakeDS({"DemarcheInstructeurs": {"data": {"demarche": None}}})
    with make_client(fake) as ds, pytest.raises(DSNotFoundError):
        find_instructeur(ds, 99, "instruction@eig.example")


def test_an_instructeur_outside_the_dossier_groupe_cannot_instruct_it() -> None:
    fake = FakeDS(
        {
            "DemarcheInstructeurs": GROUPES,
            "DossierSnapshot": snapshot_answer(
                groupeInstructeur={"id": "G2", "number": 2, "label": "santé"},
            ),
        }
    )
    with make_client(fake) as ds:
        me = find_instructeur(ds, 12, "instruction@eig.example")
        other_groupe = fetch_dossier_snapshot(ds, 42)
        fake.answers["DossierSnapshot"] = snapshot_answer()
        own_groupe = fetch_dossier_snapshot(ds, 42)

    me.check_can_instruct(own_groupe)
    with pytest.raises(DSInstructeurError) as caught:
        me.check_can_instruct(other_groupe)
    assert "dossier 42" in str(caught.value) and "n°2" in str(caught.value)


# --- snapshot ----------------------------------------------------------------------------


def test_the_snapshot_reads_state_groupe_labels_messages_and_annotations() -> None:
    fake = FakeDS({"DossierSnapshot": snapshot_answer()})
    with make_client(fake) as ds:
        snapshot = fetch_dossier_snapshot(ds, 42)

    assert fake.only_variables() == {"number": 42}
    assert (snapshot.id, snapshot.number, snapshot.state) == (dossier_id(42), 42, "en_instruction")
    assert snapshot.demarche_number == 12
    assert (snapshot.groupe_instructeur_id, snapshot.groupe_instructeur_number) == ("G3", 3)
    assert snapshot.labels == {"Retenu": "L1", "Audition": "L2"}
    assert [(m.id, m.email) for m in snapshot.messages] == [
        ("M1", "i@eig.fr"),
        ("M2", "usager@x.fr"),
    ]
    assert snapshot.messages[1].attachments == ("cv.pdf",)
    values = {key: a.value for key, a in snapshot.annotations.items()}
    assert values == {
        "A-text": "Favorable",
        "A-int": "17",
        "A-dec": 14.5,
        "A-check": True,
        "A-date": "2026-03-01",
        "A-dt": "2026-03-01T10:30:00+01:00",
        "A-dd": "Retenu",
        "A-multi": ["Santé", "IA"],
        "A-empty": None,
        "A-rep": [{"id": "R1", "champs": []}],
    }
    assert snapshot.annotations["A-int"].typename == "IntegerNumberChamp"
    assert snapshot.annotations["A-int"].string_value == "17"


def test_the_snapshot_tells_labels_and_messages_already_there() -> None:
    fake = FakeDS({"DossierSnapshot": snapshot_answer()})
    with make_client(fake) as ds:
        snapshot = fetch_dossier_snapshot(ds, 42)

    assert snapshot.has_label("Retenu") and not snapshot.has_label("Refusé")
    assert snapshot.has_message("Bonjour,\nvotre dossier est reçu.")
    assert snapshot.has_message("Bonjour, votre dossier est reçu.", email="I@EIG.FR")
    assert not snapshot.has_message("Bonjour, votre dossier est reçu.", email="usager@x.fr")
    assert not snapshot.has_message("Bonjour")


def test_the_snapshot_tells_which_annotations_are_left_to_send() -> None:
    fake = FakeDS({"DossierSnapshot": snapshot_answer()})
    with make_client(fake) as ds:
        snapshot = fetch_dossier_snapshot(ds, 42)

    held = [
        AnnotationValue("A-text", "text", "Favorable"),
        AnnotationValue("A-int", "integerNumber", 17),
        AnnotationValue("A-dec", "decimalNumber", 14.5),
        AnnotationValue("A-check", "checkbox", True),
        AnnotationValue("A-date", "date", date(2026, 3, 1)),
        AnnotationValue("A-dt", "datetime", datetime(2026, 3, 1, 9, 30, tzinfo=UTC)),
        AnnotationValue("A-dd", "dropDownList", "Retenu"),
        AnnotationValue("A-multi", "multipleDropDownList", ["IA", "Santé"]),
    ]
    not_held = [
        AnnotationValue("A-text", "text", "Défavorable"),
        AnnotationValue("A-int", "integerNumber", 18),
        AnnotationValue("A-check", "checkbox", False),
        AnnotationValue("A-dt", "datetime", datetime(2026, 3, 1, 10, 30, tzinfo=UTC)),
        AnnotationValue("A-multi", "multipleDropDownList", ["IA"]),
        AnnotationValue("A-empty", "text", "x"),
        AnnotationValue("A-unknown", "text", "x"),
        AnnotationValue("A-rep", "repetition", 1),  # adds rows: never "already there"
    ]
    assert snapshot.pending_annotations(held) == []
    assert snapshot.pending_annotations(not_held) == not_held


def test_a_dossier_ds_does_not_answer_is_not_found() -> None:
    fake = FakeDS({"DossierSnapshot": {"data": {"dossier": None}}})
    with make_client(fake) as ds, pytest.raises(DSNotFoundError, match="42"):
        fetch_dossier_snapshot(ds, 42)


# --- labels of the démarche --------------------------------------------------------------


def test_demarche_labels_by_name() -> None:
    fake = FakeDS(
        {
            "DemarcheLabels": {
                "data": {
                    "demarche": {
                        "id": "D",
                        "number": 12,
                        "labels": [
                            {"id": "L1", "name": "Retenu"},
                            {"id": "L3", "name": "Refusé"},
                        ],
                    }
                }
            }
        }
    )
    with make_client(fake) as ds:
        labels = demarche_labels(ds, 12)

    assert fake.only_variables() == {"number": 12}
    assert labels == {"Retenu": "L1", "Refusé": "L3"}


def test_demarche_labels_of_an_unknown_demarche_is_not_found() -> None:
    fake = FakeDS({"DemarcheLabels": {"data": {"demarche": None}}})
    with make_client(fake) as ds, pytest.raises(DSNotFoundError):
        demarche_labels(ds, 99)
