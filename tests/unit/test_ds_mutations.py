"""DS mutations: what each sends, how DS's refusals become `DSPayloadError`, and that a
mutation is never retried after a 5xx."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import httpx
import pytest

from connectors.ds import (
    AnnotationValue,
    DSError,
    DSPayloadError,
    DSServerError,
    accept,
    add_label,
    classer_sans_suite,
    dossier_number_of,
    modify_annotations,
    pass_en_instruction,
    refuse,
    remove_label,
    send_message,
)
from tests.unit.test_ds_mutations_fakes import FakeDS, dossier_id, make_client

DOSSIER = dossier_id(42)
INSTRUCTEUR = "SW5zdHJ1Y3RldXItNw=="


def decided(field: str, state: str, **extra: object) -> dict:
    dossier = {"id": DOSSIER, "number": 42, "state": state, **extra}
    return {"data": {field: {"clientMutationId": None, "errors": None, "dossier": dossier}}}


def refused(field: str, *messages: str, result: str = "dossier") -> dict:
    errors = [{"message": m} for m in messages]
    return {"data": {field: {"clientMutationId": None, "errors": errors, result: None}}}


# --- annotations -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "wire"),
    [
        ("text", "Très bon projet", "Très bon projet"),
        ("textarea", "ligne 1\nligne 2", "ligne 1\nligne 2"),
        ("email", "a@b.fr", "a@b.fr"),
        ("checkbox", True, True),
        ("yesNo", False, False),
        ("integerNumber", 17, 17),
        ("decimalNumber", 3, 3.0),
        ("date", date(2026, 3, 1), "2026-03-01"),
        ("datetime", datetime(2026, 3, 1, 9, 30, tzinfo=UTC), "2026-03-01T09:30:00+00:00"),
        ("dropDownList", "Retenu", "Retenu"),
        ("multipleDropDownList", ["IA", "Santé"], ["IA", "Santé"]),
        ("repetition", 2, 2),
    ],
)
def test_each_annotation_is_sent_under_its_one_of_key(kind, value, wire) -> None:
    fake = FakeDS(
        {
            "DossierModifierAnnotations": {
                "data": {
                    "dossierModifierAnnotations": {
                        "errors": None,
                        "annotations": [
                            {"id": "Q2hhbXAtMQ==", "champDescriptorId": "Q2hhbXAtMQ=="}
                        ],
                    }
                }
            }
        }
    )
    with make_client(fake) as ds:
        modify_annotations(ds, DOSSIER, INSTRUCTEUR, [AnnotationValue("Q2hhbXAtMQ==", kind, value)])

    assert fake.only_variables() == {
        "dossierId": DOSSIER,
        "instructeurId": INSTRUCTEUR,
        "annotations": [{"id": "Q2hhbXAtMQ==", "value": {kind: wire}}],
    }


def test_a_batch_sends_every_annotation_and_the_client_mutation_id() -> None:
    fake = FakeDS(
        {
            "DossierModifierAnnotations": {
                "data": {
                    "dossierModifierAnnotations": {
                        "clientMutationId": "ds:score:42",
                        "errors": None,
                        "annotations": [
                            {"id": "A", "champDescriptorId": "A"},
                            {"id": "B", "champDescriptorId": "B"},
                        ],
                    }
                }
            }
        }
    )
    values = [AnnotationValue("A", "integerNumber", 15), AnnotationValue("B", "text", "ok")]
    with make_client(fake) as ds:
        result = modify_annotations(
            ds, DOSSIER, INSTRUCTEUR, values, client_mutation_id="ds:score:42"
        )

    sent = fake.only_variables()
    assert sent["clientMutationId"] == "ds:score:42"
    assert sent["annotations"] == [
        {"id": "A", "value": {"integerNumber": 15}},
        {"id": "B", "value": {"text": "ok"}},
    ]
    assert result.complete and result.updated_ids == {"A", "B"}
    assert result.client_mutation_id == "ds:score:42"


@pytest.mark.parametrize(
    ("kind", "value", "error"),
    [
        ("integerNumber", True, TypeError),
        ("integerNumber", "12", TypeError),
        ("checkbox", "true", TypeError),
        ("decimalNumber", float("nan"), ValueError),
        ("date", datetime(2026, 1, 1, tzinfo=UTC), TypeError),
        ("datetime", datetime(2026, 1, 1), ValueError),
        ("multipleDropDownList", "IA", TypeError),
        ("repetition", 0, ValueError),
        ("number", 1, ValueError),
    ],
)
def test_a_value_that_does_not_fit_its_key_is_rejected_before_sending(kind, value, error) -> None:
    with pytest.raises(error):
        AnnotationValue("A", kind, value)


def test_partial_success_is_a_result_with_ds_messages_on_what_failed() -> None:
    fake = FakeDS(
        {
            "DossierModifierAnnotations": {
                "data": {
                    "dossierModifierAnnotations": {
                        "errors": [{"message": "Note globale doit être un nombre entier"}],
                        "annotations": [{"id": "A", "champDescriptorId": "A", "stringValue": "ok"}],
                    }
                }
            }
        }
    )
    values = [AnnotationValue("A", "text", "ok"), AnnotationValue("B", "integerNumber", 99)]
    with make_client(fake) as ds:
        result = modify_annotations(ds, DOSSIER, INSTRUCTEUR, values)

    assert not result.complete
    assert [u.annotation_id for u in result.updated] == ["A"]
    assert result.updated[0].string_value == "ok"
    assert [(f.annotation_id, f.kind) for f in result.failed] == [("B", "integerNumber")]
    assert "Note globale doit être un nombre entier" in result.failed[0].reason
    assert result.messages == ("Note globale doit être un nombre entier",)


def test_a_value_ds_skips_silently_is_reported_as_failed_with_the_likely_cause() -> None:
    # DS skips a value whose key does not match the champ's type, with no error at all.
    fake = FakeDS(
        {
            "DossierModifierAnnotations": {
                "data": {
                    "dossierModifierAnnotations": {
                        "errors": None,
                        "annotations": [{"id": "A", "champDescriptorId": "A"}],
                    }
                }
            }
        }
    )
    values = [AnnotationValue("A", "text", "ok"), AnnotationValue("B", "checkbox", True)]
    with make_client(fake) as ds:
        result = modify_annotations(ds, DOSSIER, INSTRUCTEUR, values)

    assert [f.annotation_id for f in result.failed] == ["B"]
    assert "does not match" in result.failed[0].reason and "checkbox" in result.failed[0].reason


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (
            {
                "errors": [{"message": "Le jeton utilisé est configuré seulement en lecture"}],
                "annotations": None,
            },
            "seulement en lecture",
        ),
        ({"errors": None, "annotations": []}, "does not match"),
        (None, "no payload"),
    ],
)
def test_nothing_applied_raises_a_payload_error(payload, expected) -> None:
    fake = FakeDS({"DossierModifierAnnotations": {"data": {"dossierModifierAnnotations": payload}}})
    with make_client(fake) as ds, pytest.raises(DSPayloadError) as caught:
        modify_annotations(ds, DOSSIER, INSTRUCTEUR, [AnnotationValue("A", "text", "x")])

    message = str(caught.value)
    assert caught.value.mutation == "dossierModifierAnnotations"
    assert "dossierModifierAnnotations" in message and "dossier 42" in message
    assert expected in message


def test_a_batch_needs_values_and_distinct_ids() -> None:
    fake = FakeDS({})
    with make_client(fake) as ds:
        with pytest.raises(ValueError):
            modify_annotations(ds, DOSSIER, INSTRUCTEUR, [])
        with pytest.raises(ValueError):
            twice = [AnnotationValue("A", "text", "x"), AnnotationValue("A", "text", "y")]
            modify_annotations(ds, DOSSIER, INSTRUCTEUR, twice)
    assert fake.sent == []


# --- labels ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("function", "operation", "field", "labels"),
    [
        (add_label, "DossierAjouterLabel", "dossierAjouterLabel", [{"id": "L1", "name": "Retenu"}]),
        (remove_label, "DossierSupprimerLabel", "dossierSupprimerLabel", []),
    ],
)
def test_labels_send_dossier_and_label_without_instructeur(function, operation, field, labels):
    dossier = {"id": DOSSIER, "number": 42, "labels": labels}
    fake = FakeDS(
        {
            operation: {
                "data": {
                    field: {
                        "errors": None,
                        "label": {"id": "L1", "name": "Retenu"},
                        "dossier": dossier,
                    }
                }
            }
        }
    )
    with make_client(fake) as ds:
        result = function(ds, DOSSIER, "L1")

    assert fake.only_variables() == {"dossierId": DOSSIER, "labelId": "L1"}
    assert result.labels == {label["name"]: label["id"] for label in labels}


def test_a_label_already_there_is_a_payload_error() -> None:
    fake = FakeDS(
        {
            "DossierAjouterLabel": refused(
                "dossierAjouterLabel", "Ce label est déjà associé au dossier"
            )
        }
    )
    with make_client(fake) as ds, pytest.raises(DSPayloadError) as caught:
        add_label(ds, DOSSIER, "L1")

    assert caught.value.messages == ["Ce label est déjà associé au dossier"]
    assert "dossierAjouterLabel" in str(caught.value) and "dossier 42" in str(caught.value)


# --- decisions ---------------------------------------------------------------------------


def test_pass_en_instruction_sends_the_instructeur() -> None:
    fake = FakeDS(
        {
            "DossierPasserEnInstruction": decided(
                "dossierPasserEnInstruction",
                "en_instruction",
                datePassageEnInstruction="2026-01-05",
            )
        }
    )
    with make_client(fake) as ds:
        result = pass_en_instruction(ds, DOSSIER, INSTRUCTEUR)

    assert fake.only_variables() == {
        "dossierId": DOSSIER,
        "instructeurId": INSTRUCTEUR,
        "disableNotification": False,
    }
    assert (result.number, result.state, result.date) == (42, "en_instruction", "2026-01-05")


def test_accept_sends_motivation_justificatif_and_notification_choice() -> None:
    fake = FakeDS(
        {
            "DossierAccepter": decided(
                "dossierAccepter", "accepte", dateTraitement="2026-02-01", motivation="Retenu"
            )
        }
    )
    with make_client(fake) as ds:
        result = accept(
            ds,
            DOSSIER,
            INSTRUCTEUR,
            motivation="Retenu",
            justificatif="blob-1",
            disable_notification=True,
            client_mutation_id="ds:accept:42",
        )

    assert fake.only_variables() == {
        "dossierId": DOSSIER,
        "instructeurId": INSTRUCTEUR,
        "motivation": "Retenu",
        "justificatif": "blob-1",
        "disableNotification": True,
        "clientMutationId": "ds:accept:42",
    }
    assert (result.state, result.date, result.motivation) == ("accepte", "2026-02-01", "Retenu")


def test_accept_without_motivation_leaves_it_out() -> None:
    fake = FakeDS({"DossierAccepter": decided("dossierAccepter", "accepte")})
    with make_client(fake) as ds:
        accept(ds, DOSSIER, INSTRUCTEUR)

    assert "motivation" not in fake.only_variables()
    assert "justificatif" not in fake.only_variables()


@pytest.mark.parametrize(
    ("function", "operation", "field", "state"),
    [
        (refuse, "DossierRefuser", "dossierRefuser", "refuse"),
        (classer_sans_suite, "DossierClasserSansSuite", "dossierClasserSansSuite", "sans_suite"),
    ],
)
def test_refusal_and_sans_suite_send_their_motivation(function, operation, field, state) -> None:
    fake = FakeDS({operation: decided(field, state, dateTraitement="2026-02-01")})
    with make_client(fake) as ds:
        result = function(ds, DOSSIER, INSTRUCTEUR, "Hors périmètre")

    sent = fake.only_variables()
    assert sent["motivation"] == "Hors périmètre"
    assert sent["instructeurId"] == INSTRUCTEUR and sent["dossierId"] == DOSSIER
    assert result.state == state


@pytest.mark.parametrize("function", [refuse, classer_sans_suite])
@pytest.mark.parametrize("motivation", ["", "   "])
def test_refusal_and_sans_suite_need_a_motivation(function, motivation) -> None:
    fake = FakeDS({})
    with make_client(fake) as ds, pytest.raises(ValueError, match="motivation"):
        function(ds, DOSSIER, INSTRUCTEUR, motivation)
    assert fake.sent == []


def test_a_refused_decision_names_mutation_dossier_and_ds_message() -> None:
    fake = FakeDS({"DossierAccepter": refused("dossierAccepter", "Le dossier est déjà accepté")})
    with make_client(fake) as ds, pytest.raises(DSPayloadError) as caught:
        accept(ds, DOSSIER, INSTRUCTEUR)

    error = caught.value
    assert isinstance(error, DSError)
    assert error.mutation == "dossierAccepter"
    assert error.messages == ["Le dossier est déjà accepté"]
    assert "dossierAccepter" in str(error) and "dossier 42" in str(error)
    assert "Le dossier est déjà accepté" in str(error)


def test_a_null_payload_is_a_payload_error_pointing_at_the_instructeur() -> None:
    fake = FakeDS({"DossierRefuser": {"data": {"dossierRefuser": None}}})
    with make_client(fake) as ds, pytest.raises(DSPayloadError) as caught:
        refuse(ds, DOSSIER, INSTRUCTEUR, "non")

    assert caught.value.mutation == "dossierRefuser"
    assert "instructeur" in str(caught.value) and "dossier 42" in str(caught.value)


# --- messages ----------------------------------------------------------------------------


def test_send_message_sends_body_attachment_and_instructeur() -> None:
    fake = FakeDS(
        {
            "DossierEnvoyerMessage": {
                "data": {
                    "dossierEnvoyerMessage": {
                        "errors": None,
                        "message": {
                            "id": "M1",
                            "body": "Bonjour",
                            "email": "i@eig.fr",
                            "createdAt": "2026-02-01T10:00:00+01:00",
                            "attachments": [{"filename": "decision.pdf", "checksum": "x"}],
                        },
                    }
                }
            }
        }
    )
    with make_client(fake) as ds:
        result = send_message(ds, DOSSIER, INSTRUCTEUR, "Bonjour", attachment="blob-2")

    assert fake.only_variables() == {
        "dossierId": DOSSIER,
        "instructeurId": INSTRUCTEUR,
        "body": "Bonjour",
        "attachment": "blob-2",
    }
    assert (result.message_id, result.attachments) == ("M1", ("decision.pdf",))


def test_a_refused_message_is_a_payload_error() -> None:
    fake = FakeDS(
        {
            "DossierEnvoyerMessage": refused(
                "dossierEnvoyerMessage",
                "L’instructeur n’a pas les droits d’accès à ce dossier",
                result="message",
            )
        }
    )
    with make_client(fake) as ds, pytest.raises(DSPayloadError, match="droits d’accès"):
        send_message(ds, DOSSIER, INSTRUCTEUR, "Bonjour")


# --- never retried blindly ---------------------------------------------------------------

MUTATIONS: list[tuple[str, Callable]] = [
    ("DossierAccepter", lambda ds: accept(ds, DOSSIER, INSTRUCTEUR)),
    ("DossierRefuser", lambda ds: refuse(ds, DOSSIER, INSTRUCTEUR, "non")),
    ("DossierClasserSansSuite", lambda ds: classer_sans_suite(ds, DOSSIER, INSTRUCTEUR, "non")),
    ("DossierPasserEnInstruction", lambda ds: pass_en_instruction(ds, DOSSIER, INSTRUCTEUR)),
    ("DossierAjouterLabel", lambda ds: add_label(ds, DOSSIER, "L1")),
    ("DossierSupprimerLabel", lambda ds: remove_label(ds, DOSSIER, "L1")),
    ("DossierEnvoyerMessage", lambda ds: send_message(ds, DOSSIER, INSTRUCTEUR, "Bonjour")),
    (
        "DossierModifierAnnotations",
        lambda ds: modify_annotations(
            ds, DOSSIER, INSTRUCTEUR, [AnnotationValue("A", "text", "x")]
        ),
    ),
]


@pytest.mark.parametrize(("operation", "call"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_a_mutation_is_sent_once_even_after_a_5xx(operation, call) -> None:
    fake = FakeDS({operation: httpx.Response(502, text="Bad Gateway")})
    with make_client(fake, max_attempts=5) as ds, pytest.raises(DSServerError):
        call(ds)

    assert len(fake.sent) == 1
    assert fake.sent[0].operation == operation
    assert fake.sent[0].not_idempotent


def test_a_query_is_still_retried_after_a_5xx() -> None:
    # The control of the test above: the same 502 on a read is retried.
    fake = FakeDS({"GetDossier": httpx.Response(502, text="Bad Gateway")})
    with make_client(fake, max_attempts=3) as ds, pytest.raises(DSServerError):
        ds.execute("dossier", {"number": 42})

    assert len(fake.sent) == 3
    assert not fake.sent[0].not_idempotent


def test_dossier_number_of_reads_ds_dossier_ids() -> None:
    assert dossier_number_of(dossier_id(1234)) == 1234
    assert dossier_number_of("not base64!") is None
    assert dossier_number_of(dossier_id(1).replace("RG9z", "TGFi")) is None
    assert dossier_number_of(None) is None
