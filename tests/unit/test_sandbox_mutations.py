"""The sandbox's DS mutations follow DS's rules, and it records what it received and applied."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from graphql import build_schema

from ds_sandbox import (
    AUTRE_INSTRUCTEUR,
    CANDIDATS,
    DEFAULT_TOKEN,
    EVALUATIONS,
    INSTRUCTEUR,
    LABEL_NAMES,
    PROJETS,
    READ_ONLY_MESSAGE,
    Sandbox,
    SandboxState,
    md5_base64,
    running_sandbox,
    typed_id,
)
from ds_sandbox.schema import schema_sdl
from ds_sandbox.testing import FakeClock

NOTE, RANG, NB_EVALS, ALERTES, DECISION, _COMITE = (d.id for d in PROJETS.annotations)
AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
RO_AUTH = {"Authorization": "Bearer ro-token"}

MUTATIONS = {
    "dossierPasserEnInstruction": "dossier { id number state } errors { message }",
    "dossierAccepter": "dossier { id number state motivation } errors { message }",
    "dossierRefuser": "dossier { id number state motivation } errors { message }",
    "dossierClasserSansSuite": "dossier { id number state motivation } errors { message }",
    "dossierEnvoyerMessage": "message { id body email createdAt } errors { message }",
    "dossierAjouterLabel": "dossier { number labels { id name } } label { name } "
                           "errors { message }",
    "dossierSupprimerLabel": "dossier { number labels { id name } } label { name } "
                             "errors { message }",
    "dossierModifierAnnotations": "annotations { id champDescriptorId stringValue "
                                  "... on DecimalNumberChamp { decimal: value } "
                                  "... on IntegerNumberChamp { integer: value } } "
                                  "errors { message }",
    "createDirectUpload": "directUpload { url headers blobId signedBlobId }",
}
INPUT_TYPES = {name: name[0].upper() + name[1:] + "Input" for name in MUTATIONS}
DOSSIER_QUERY = """
query GetDossier($number: Int!) {
  dossier(number: $number) {
    state motivation dateDerniereModification
    groupeInstructeur { id number label }
    labels { id name }
    messages { id body createdAt email attachments { filename checksum } }
    motivationAttachment { filename checksum byteSizeBigInt url }
    annotations { id champDescriptorId stringValue }
  }
}"""


def document(name: str) -> str:
    operation = name[0].upper() + name[1:]
    return (f"mutation {operation}($input: {INPUT_TYPES[name]}!) {{\n"
            f"  {name}(input: $input) {{ clientMutationId {MUTATIONS[name]} }}\n}}")


def body(name: str, **input_: Any) -> dict[str, Any]:
    return {"query": document(name), "operationName": name[0].upper() + name[1:],
            "variables": {"input": input_}}


@pytest.fixture
def sandbox() -> Sandbox:
    sandbox = Sandbox(SandboxState(now=FakeClock()), microsecond_timestamps=True,
                      tokens={DEFAULT_TOKEN: "ok", "ro-token": "read_only"})
    for _ in range(3):
        sandbox.state.add_dossier(PROJETS.number)
    sandbox.state.add_dossier(CANDIDATS.number)
    return sandbox


@pytest.fixture
def http(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with running_sandbox(sandbox) as url, httpx.Client(base_url=url) as client:
        yield client


def mutate(sandbox: Sandbox, name: str, **input_: Any) -> dict[str, Any]:
    """The mutation's payload (asserting there is no top-level error)."""
    result = sandbox.execute(document(name), {"input": input_})
    assert "errors" not in result, result
    payload: dict[str, Any] = result["data"][name]
    return payload


def dossier_id(number: int) -> str:
    return typed_id("Dossier", number)


def dossier(sandbox: Sandbox, number: int) -> dict[str, Any]:
    result = sandbox.execute(DOSSIER_QUERY, {"number": number})
    assert "errors" not in result, result
    return result["data"]["dossier"]  # type: ignore[no-any-return]


def stamp(sandbox: Sandbox, number: int) -> int:
    return sandbox.state.dossier(number).updated_at


def errors(payload: dict[str, Any]) -> list[str]:
    return [e["message"] for e in payload.get("errors") or []]


def to_instruction(sandbox: Sandbox, number: int) -> None:
    payload = mutate(sandbox, "dossierPasserEnInstruction", dossierId=dossier_id(number),
                     instructeurId=INSTRUCTEUR.id)
    assert payload["dossier"]["state"] == "en_instruction", payload


# -- what the démarches expose ----------------------------------------------------------


def test_annotations_labels_and_groupes_are_queryable(sandbox: Sandbox) -> None:
    result = sandbox.execute("""
      query { demarche(number: 101) {
        activeRevision { annotationDescriptors { id label __typename } }
        labels { id name color }
        groupeInstructeurs { id number label closed instructeurs { id email } }
      } }""")
    demarche = result["data"]["demarche"]
    annotations = {d["label"]: d for d in demarche["activeRevision"]["annotationDescriptors"]}
    assert annotations["Note totale"]["__typename"] == "DecimalNumberChampDescriptor"
    assert annotations["Rang"]["__typename"] == "IntegerNumberChampDescriptor"
    assert annotations["Décision proposée"]["__typename"] == "DropDownListChampDescriptor"
    assert [label["name"] for label in demarche["labels"]] == list(LABEL_NAMES)
    groupes = {g["label"]: g for g in demarche["groupeInstructeurs"]}
    assert groupes["défaut"]["instructeurs"] == [{"id": INSTRUCTEUR.id,
                                                  "email": "instructeur@eig.example"}]
    assert [i["email"] for g in groupes.values() for i in g["instructeurs"]].count(
        AUTRE_INSTRUCTEUR.email) == 1
    assert AUTRE_INSTRUCTEUR.email not in str(groupes["défaut"])
    number = sandbox.state.numbers(PROJETS.number)[0]
    seen = dossier(sandbox, number)
    assert [a["champDescriptorId"] for a in seen["annotations"]] == [
        d.id for d in PROJETS.annotations]
    assert seen["groupeInstructeur"]["label"] == "défaut"
    assert seen["messages"] == [] and seen["labels"] == []


def test_the_sdl_keeps_annotation_value_input_one_of() -> None:
    assert build_schema(schema_sdl()).type_map["AnnotationValueInput"].is_one_of  # type: ignore[union-attr]


# -- dossierModifierAnnotations ---------------------------------------------------------


def test_annotations_are_applied_one_by_one(sandbox: Sandbox) -> None:
    number = sandbox.state.numbers(PROJETS.number)[0]
    before = stamp(sandbox, number)
    unknown = typed_id("Champ", 9999)
    payload = mutate(sandbox, "dossierModifierAnnotations", dossierId=dossier_id(number),
                     instructeurId=INSTRUCTEUR.id, clientMutationId="scores-1", annotations=[
                         {"id": NOTE, "value": {"decimalNumber": 15.5}},
                         {"id": unknown, "value": {"text": "x"}},
                         {"id": RANG, "value": {"integerNumber": 3}},
                     ])
    assert [a["champDescriptorId"] for a in payload["annotations"]] == [NOTE, RANG]
    assert payload["annotations"][0]["decimal"] == 15.5
    assert payload["annotations"][1]["integer"] == "3"
    assert errors(payload) == [f"L‘annotation \"{unknown}\" n’existe pas"]
    assert payload["clientMutationId"] == "scores-1"
    values = {a["champDescriptorId"]: a["stringValue"] for a in dossier(sandbox, number)[
        "annotations"]}
    assert values[NOTE] == "15.5" and values[RANG] == "3"
    assert stamp(sandbox, number) > before
    [entry] = sandbox.mutations.entries("dossierModifierAnnotations")
    assert (entry.dossier, entry.outcome) == (number, "partial")
    assert entry.applied == {"annotations": {NOTE: 15.5, RANG: 3}}


def test_a_value_key_that_does_not_match_the_type_is_refused(sandbox: Sandbox) -> None:
    number = sandbox.state.numbers(PROJETS.number)[0]
    before = stamp(sandbox, number)
    payload = mutate(sandbox, "dossierModifierAnnotations", dossierId=dossier_id(number),
                     instructeurId=INSTRUCTEUR.id, annotations=[
                         {"id": NOTE, "value": {"integerNumber": 15}},  # a decimal champ
                         {"id": ALERTES, "value": {"text": "a textarea"}},
                         {"id": DECISION, "value": {"dropDownList": "Pas une option"}},
                     ])
    assert payload["annotations"] == []
    assert errors(payload)[:2] == [f"L‘annotation \"{NOTE}\" n’est pas de type attendu",
                                   f"L‘annotation \"{ALERTES}\" n’est pas de type attendu"]
    assert "Décision proposée" in errors(payload)[2]
    assert stamp(sandbox, number) == before  # nothing written
    assert sandbox.mutations.count("dossierModifierAnnotations", outcome="rejected") == 1
    assert sandbox.mutations.applied() == 0


def test_one_of_allows_exactly_one_key(sandbox: Sandbox) -> None:
    number = sandbox.state.numbers(PROJETS.number)[0]
    result = sandbox.execute(document("dossierModifierAnnotations"), {"input": {
        "dossierId": dossier_id(number), "instructeurId": INSTRUCTEUR.id,
        "annotations": [{"id": RANG, "value": {"integerNumber": 1, "text": "1"}}]}})
    assert result["data"] is None and result["errors"]
    assert len(sandbox.mutations) == 0


def test_annotations_land_on_the_right_demarche(sandbox: Sandbox) -> None:
    candidat = sandbox.state.numbers(CANDIDATS.number)[0]
    payload = mutate(sandbox, "dossierModifierAnnotations", dossierId=dossier_id(candidat),
                     instructeurId=INSTRUCTEUR.id, annotations=[
                         {"id": RANG, "value": {"integerNumber": 1}},  # a projets annotation
                         {"id": CANDIDATS.annotations[1].id, "value": {"integerNumber": 2}}])
    assert [a["champDescriptorId"] for a in payload["annotations"]] == [
        CANDIDATS.annotations[1].id]
    assert errors(payload) == [f"L‘annotation \"{RANG}\" n’existe pas"]


# -- the state machine ------------------------------------------------------------------


def test_state_machine(sandbox: Sandbox) -> None:
    number = sandbox.state.numbers(PROJETS.number)[0]
    ids = {"dossierId": dossier_id(number), "instructeurId": INSTRUCTEUR.id}
    refused = mutate(sandbox, "dossierAccepter", **ids)
    assert refused["dossier"] is None
    assert errors(refused) == ["Le dossier est déjà en construction"]
    before = stamp(sandbox, number)
    assert mutate(sandbox, "dossierPasserEnInstruction", **ids)["dossier"] == {
        "id": dossier_id(number), "number": number, "state": "en_instruction"}
    assert stamp(sandbox, number) > before
    again = mutate(sandbox, "dossierPasserEnInstruction", **ids)
    assert errors(again) == ["Le dossier est déjà en instruction"]
    assert mutate(sandbox, "dossierAccepter", **ids)["dossier"]["state"] == "accepte"
    for name in ("dossierRefuser", "dossierClasserSansSuite"):
        late = mutate(sandbox, name, motivation="trop tard", **ids)
        assert (late["dossier"], errors(late)) == (None, ["Le dossier est déjà accepté"])
    assert mutate(sandbox, "dossierAccepter", **ids)["dossier"] is None
    assert dossier(sandbox, number)["state"] == "accepte"
    assert sandbox.mutations.applied() == 2
    assert sandbox.mutations.count(outcome="rejected") == 5


@pytest.mark.parametrize(("name", "state"), [("dossierRefuser", "refuse"),
                                             ("dossierClasserSansSuite", "sans_suite")])
def test_refuse_and_classer_sans_suite_need_a_motivation(sandbox: Sandbox, name: str,
                                                         state: str) -> None:
    number = sandbox.state.numbers(PROJETS.number)[0]
    to_instruction(sandbox, number)
    ids = {"dossierId": dossier_id(number), "instructeurId": INSTRUCTEUR.id}
    for blank in ("", "   "):
        payload = mutate(sandbox, name, motivation=blank, **ids)
        assert payload["dossier"] is None
        assert errors(payload) == ["La motivation est obligatoire"]
    assert dossier(sandbox, number)["state"] == "en_instruction"
    done = mutate(sandbox, name, motivation="Hors du périmètre du programme", **ids)
    assert done["dossier"]["state"] == state
    assert dossier(sandbox, number)["motivation"] == "Hors du périmètre du programme"


def test_motivation_is_a_required_argument(sandbox: Sandbox) -> None:
    number = sandbox.state.numbers(PROJETS.number)[0]
    result = sandbox.execute(document("dossierRefuser"), {"input": {
        "dossierId": dossier_id(number), "instructeurId": INSTRUCTEUR.id}})
    assert result["data"] is None and "motivation" in result["errors"][0]["message"]


# -- instructeurs -----------------------------------------------------------------------


@pytest.mark.parametrize(("name", "extra"), [
    ("dossierPasserEnInstruction", {}),
    ("dossierEnvoyerMessage", {"body": "Bonjour"}),
    ("dossierModifierAnnotations", {"annotations": [{"id": RANG, "value": {"integerNumber": 1}}]}),
])
def test_the_instructeur_must_be_in_the_dossier_groupe(sandbox: Sandbox, name: str,
                                                        extra: dict[str, Any]) -> None:
    number = sandbox.state.numbers(PROJETS.number)[0]
    before = stamp(sandbox, number)
    payload = mutate(sandbox, name, dossierId=dossier_id(number),
                     instructeurId=AUTRE_INSTRUCTEUR.id, **extra)
    assert errors(payload) == ["L’instructeur n’a pas les droits d’accès à ce dossier"]
    assert stamp(sandbox, number) == before
    # in another groupe, the first instructeur may not, and the other one may
    sandbox.state.set_groupe(number, PROJETS.number * 10 + 2)
    assert errors(mutate(sandbox, name, dossierId=dossier_id(number),
                         instructeurId=INSTRUCTEUR.id, **extra)) == [
        "L’instructeur n’a pas les droits d’accès à ce dossier"]
    assert errors(mutate(sandbox, name, dossierId=dossier_id(number),
                         instructeurId=AUTRE_INSTRUCTEUR.id, **extra)) == []
    assert sandbox.mutations.applied(name) == 1


def test_the_instructeur_is_checked_on_decisions_too(sandbox: Sandbox) -> None:
    number = sandbox.state.numbers(PROJETS.number)[0]
    to_instruction(sandbox, number)
    ids = {"dossierId": dossier_id(number), "instructeurId": AUTRE_INSTRUCTEUR.id}
    for name in ("dossierAccepter", "dossierRefuser", "dossierClasserSansSuite"):
        payload = mutate(sandbox, name, motivation="m", **ids)
        assert errors(payload) == ["L’instructeur n’a pas les droits d’accès à ce dossier"]
    assert dossier(sandbox, number)["state"] == "en_instruction"


def test_unknown_ids_are_top_level_errors(sandbox: Sandbox) -> None:
    number = sandbox.state.numbers(PROJETS.number)[0]
    for ids in ({"dossierId": dossier_id(99_999), "instructeurId": INSTRUCTEUR.id},
                {"dossierId": dossier_id(number), "instructeurId": typed_id("Instructeur", 77)}):
        result = sandbox.execute(document("dossierPasserEnInstruction"), {"input": ids})
        assert result["data"] == {"dossierPasserEnInstruction": None}
        assert result["errors"][0]["message"].startswith("No object found for")
    assert sandbox.mutations.count(outcome="error") == 2
    assert sandbox.state.dossier(number).state == "en_construction"


# -- tokens -----------------------------------------------------------------------------


def test_a_read_only_token_reads_but_cannot_write(sandbox: Sandbox, http: httpx.Client) -> None:
    number = sandbox.state.numbers(PROJETS.number)[0]
    before = stamp(sandbox, number)
    read = http.post("/api/v2/graphql", headers=RO_AUTH, json={
        "query": DOSSIER_QUERY, "variables": {"number": number}}).json()
    assert read["data"]["dossier"]["state"] == "en_construction"
    ids = {"dossierId": dossier_id(number), "instructeurId": INSTRUCTEUR.id}
    label_id = sandbox.state.demarches[PROJETS.number].labels[LABEL_NAMES[0]].id
    calls = [
        body("dossierPasserEnInstruction", **ids),
        body("dossierEnvoyerMessage", body="Bonjour", **ids),
        body("dossierModifierAnnotations",
             annotations=[{"id": RANG, "value": {"integerNumber": 1}}], **ids),
        body("dossierAjouterLabel", dossierId=ids["dossierId"], labelId=label_id),
    ]
    for call in calls:
        reply = http.post("/api/v2/graphql", headers=RO_AUTH, json=call)
        assert reply.status_code == 200
        [payload] = reply.json()["data"].values()
        assert errors(payload) == [READ_ONLY_MESSAGE], call["operationName"]
    upload = http.post("/api/v2/graphql", headers=RO_AUTH, json=body(
        "createDirectUpload", dossierId=ids["dossierId"], filename="a.pdf", byteSize=1,
        checksum=md5_base64(b"a"), contentType="application/pdf")).json()
    assert upload["data"] == {"createDirectUpload": None}
    assert upload["errors"][0]["message"] == READ_ONLY_MESSAGE
    assert stamp(sandbox, number) == before and dossier(sandbox, number)["labels"] == []
    assert sandbox.mutations.count(outcome="rejected") == 5
    assert {e.token for e in sandbox.mutations.entries()} == {"ro-token"}
    # the same calls with a full token go through
    reply = http.post("/api/v2/graphql", headers=AUTH, json=calls[0]).json()
    assert reply["data"]["dossierPasserEnInstruction"]["dossier"]["state"] == "en_instruction"


# -- uploads ----------------------------------------------------------------------------


def create_upload(http: httpx.Client, number: int, content: bytes,
                  **overrides: Any) -> dict[str, Any]:
    input_ = {"dossierId": dossier_id(number), "filename": "decision.pdf",
              "byteSize": len(content), "checksum": md5_base64(content),
              "contentType": "application/pdf", **overrides}
    reply = http.post("/api/v2/graphql", headers=AUTH, json=body("createDirectUpload", **input_))
    upload: dict[str, Any] = reply.json()["data"]["createDirectUpload"]["directUpload"]
    return upload


def test_an_upload_is_usable_once_its_put_matched(sandbox: Sandbox, http: httpx.Client) -> None:
    number = sandbox.state.numbers(PROJETS.number)[0]
    to_instruction(sandbox, number)
    content = b"%PDF-1.4 decision\n"
    upload = create_upload(http, number, content)
    assert upload["url"].startswith(str(http.base_url).rstrip("/") + "/_sandbox/uploads/")
    headers = json.loads(upload["headers"])
    assert headers == {"Content-Type": "application/pdf",
                       "Content-MD5": base64.b64encode(hashlib.md5(content).digest()).decode()}
    ids = {"dossierId": dossier_id(number), "instructeurId": INSTRUCTEUR.id}

    def accept() -> dict[str, Any]:
        return http.post("/api/v2/graphql", headers=AUTH, json=body(
            "dossierAccepter", justificatif=upload["signedBlobId"], **ids)).json()[
            "data"]["dossierAccepter"]

    not_yet = accept()
    assert not_yet["dossier"] is None
    assert errors(not_yet) == [
        "Le fichier n’a pas été correctement téléversé sur le serveur de stockage"]
    # wrong size, then same size but other bytes: refused by the storage
    assert http.put(upload["url"], content=content + b"x", headers=headers).status_code == 400
    assert http.put(upload["url"], content=content[:-1] + b"?",
                    headers=headers).status_code == 400
    assert errors(accept()) == [
        "Le fichier n’a pas été correctement téléversé sur le serveur de stockage"]
    assert sandbox.state.dossier(number).state == "en_instruction"
    assert http.put(upload["url"], content=content, headers=headers).status_code == 200
    done = accept()
    assert errors(done) == [] and done["dossier"]["state"] == "accepte"
    attachment = dossier(sandbox, number)["motivationAttachment"]
    assert attachment["checksum"] == headers["Content-MD5"]
    assert attachment["byteSizeBigInt"] == str(len(content))
    assert http.get(attachment["url"]).content == content


def test_an_unknown_signed_blob_id_is_refused(sandbox: Sandbox) -> None:
    number = sandbox.state.numbers(PROJETS.number)[0]
    to_instruction(sandbox, number)
    payload = mutate(sandbox, "dossierRefuser", dossierId=dossier_id(number),
                     instructeurId=INSTRUCTEUR.id, motivation="non",
                     justificatif="eyJfcmFpbHMiOnt9fQ==--0000")
    assert errors(payload) == ["L’identifiant du fichier téléversé est invalide"]
    assert sandbox.state.dossier(number).state == "en_instruction"


def test_a_put_with_another_content_md5_header_is_refused(sandbox: Sandbox,
                                                           http: httpx.Client) -> None:
    number = sandbox.state.numbers(PROJETS.number)[0]
    upload = create_upload(http, number, b"abc")
    wrong = {"Content-Type": "application/pdf", "Content-MD5": md5_base64(b"abd")}
    assert http.put(upload["url"], content=b"abc", headers=wrong).status_code == 403
    assert sandbox.state.blobs.usable(upload["signedBlobId"])[1] is not None


# -- messages ---------------------------------------------------------------------------


def test_a_message_is_visible_and_bumps_the_dossier(sandbox: Sandbox,
                                                    http: httpx.Client) -> None:
    number = sandbox.state.numbers(PROJETS.number)[0]
    before = stamp(sandbox, number)
    ids = {"dossierId": dossier_id(number), "instructeurId": INSTRUCTEUR.id}
    payload = mutate(sandbox, "dossierEnvoyerMessage", body="Votre dossier est complet.", **ids)
    assert errors(payload) == [] and payload["message"]["email"] == INSTRUCTEUR.email
    assert stamp(sandbox, number) > before
    content = b"convocation"
    upload = create_upload(http, number, content, filename="convocation.txt",
                           contentType="text/plain")
    bad = mutate(sandbox, "dossierEnvoyerMessage", body="PJ", attachment=upload["signedBlobId"],
                 **ids)
    assert bad["message"] is None and len(errors(bad)) == 1
    http.put(upload["url"], content=content, headers=json.loads(upload["headers"]))
    mutate(sandbox, "dossierEnvoyerMessage", body="PJ", attachment=upload["signedBlobId"], **ids)
    messages = dossier(sandbox, number)["messages"]
    assert [(m["body"], m["email"]) for m in messages] == [
        ("Votre dossier est complet.", INSTRUCTEUR.email), ("PJ", INSTRUCTEUR.email)]
    assert messages[0]["id"] == payload["message"]["id"] and messages[0]["createdAt"]
    assert messages[1]["attachments"] == [{"filename": "convocation.txt",
                                           "checksum": md5_base64(content)}]
    assert sandbox.mutations.applied("dossierEnvoyerMessage", number) == 2


# -- labels -----------------------------------------------------------------------------


def test_labels_do_not_bump_updated_at(sandbox: Sandbox) -> None:
    number = sandbox.state.numbers(PROJETS.number)[0]
    labels = sandbox.state.demarches[PROJETS.number].labels
    favorable, discuter = labels["Présélection favorable"].id, labels["À discuter"].id
    before = dossier(sandbox, number)["dateDerniereModification"]
    stamp_before = stamp(sandbox, number)
    added = mutate(sandbox, "dossierAjouterLabel", dossierId=dossier_id(number),
                   labelId=favorable)
    assert added["label"] == {"name": "Présélection favorable"}
    assert added["dossier"]["labels"] == [{"id": favorable, "name": "Présélection favorable"}]
    assert errors(mutate(sandbox, "dossierAjouterLabel", dossierId=dossier_id(number),
                         labelId=favorable)) == ["Ce label est déjà associé au dossier"]
    assert errors(mutate(sandbox, "dossierSupprimerLabel", dossierId=dossier_id(number),
                         labelId=discuter)) == ["Ce label n’est pas associé au dossier"]
    other = sandbox.state.demarches[CANDIDATS.number].labels["À discuter"].id
    assert errors(mutate(sandbox, "dossierAjouterLabel", dossierId=dossier_id(number),
                         labelId=other)) == [
        "Ce label n’appartient pas à la même démarche que le dossier"]
    mutate(sandbox, "dossierAjouterLabel", dossierId=dossier_id(number), labelId=discuter)
    removed = mutate(sandbox, "dossierSupprimerLabel", dossierId=dossier_id(number),
                     labelId=favorable)
    assert removed["dossier"]["labels"] == [{"id": discuter, "name": "À discuter"}]
    after = dossier(sandbox, number)
    assert after["labels"] == [{"id": discuter, "name": "À discuter"}]
    assert after["dateDerniereModification"] == before
    assert stamp(sandbox, number) == stamp_before
    assert sandbox.mutations.applied("dossierAjouterLabel") == 2
    assert sandbox.mutations.applied("dossierSupprimerLabel") == 1


def test_evaluations_also_have_labels(sandbox: Sandbox) -> None:
    assert list(sandbox.state.demarches[EVALUATIONS.number].labels) == list(LABEL_NAMES)


# -- the mutation log -------------------------------------------------------------------


def test_the_log_counts_what_was_received_and_applied(sandbox: Sandbox,
                                                      http: httpx.Client) -> None:
    number = sandbox.state.numbers(PROJETS.number)[1]
    ids = {"dossierId": dossier_id(number), "instructeurId": INSTRUCTEUR.id}
    label_id = sandbox.state.demarches[PROJETS.number].labels["À discuter"].id
    for call in (body("dossierPasserEnInstruction", clientMutationId="a", **ids),
                 body("dossierPasserEnInstruction", clientMutationId="a", **ids),  # a retry
                 body("dossierEnvoyerMessage", body="Bonjour", **ids),
                 body("dossierAjouterLabel", dossierId=ids["dossierId"], labelId=label_id)):
        assert http.post("/api/v2/graphql", headers=AUTH, json=call).status_code == 200
    log = sandbox.mutations
    assert log.count(dossier=number) == 4
    assert log.applied(dossier=number) == 3
    assert log.applied("dossierPasserEnInstruction") == 1
    assert log.count("dossierPasserEnInstruction", outcome="rejected") == 1
    assert log.applied("dossierEnvoyerMessage") == 1 and log.applied("dossierAjouterLabel") == 1
    first = log.entries("dossierPasserEnInstruction")[0]
    assert first.input == {**ids, "clientMutationId": "a", "disableNotification": False}
    assert first.applied == {"state": "en_instruction"}
    assert first.operation == "DossierPasserEnInstruction" and first.token == DEFAULT_TOKEN
    snapshot = http.get("/_sandbox/mutations").json()
    assert snapshot["total"] == 4
    assert [m["name"] for m in snapshot["mutations"]] == [
        "dossierPasserEnInstruction", "dossierPasserEnInstruction", "dossierEnvoyerMessage",
        "dossierAjouterLabel"]
    assert [m["outcome"] for m in snapshot["mutations"]] == [
        "applied", "rejected", "applied", "applied"]
    assert snapshot["mutations"][1]["errors"] == ["Le dossier est déjà en instruction"]
    assert http.delete("/_sandbox/mutations").json() == {"reset": True}
    assert len(sandbox.mutations) == 0


def test_queries_are_not_logged_as_mutations(sandbox: Sandbox) -> None:
    dossier(sandbox, sandbox.state.numbers(PROJETS.number)[0])
    assert len(sandbox.mutations) == 0


# -- faults after apply -----------------------------------------------------------------


def test_http_500_after_apply_applies_then_fails(sandbox: Sandbox, http: httpx.Client) -> None:
    number = sandbox.state.numbers(PROJETS.number)[0]
    to_instruction(sandbox, number)
    sandbox.faults.add("http_500_after_apply", operation="DossierAccepter")
    call = body("dossierAccepter", dossierId=dossier_id(number), instructeurId=INSTRUCTEUR.id)
    reply = http.post("/api/v2/graphql", headers=AUTH, json=call)
    assert reply.status_code == 500
    assert sandbox.state.dossier(number).state == "accepte"  # applied nonetheless
    assert sandbox.mutations.applied("dossierAccepter") == 1
    # a client retrying blindly is told it already happened; reading first shows it
    retry = http.post("/api/v2/graphql", headers=AUTH, json=call).json()
    assert errors(retry["data"]["dossierAccepter"]) == ["Le dossier est déjà accepté"]
    assert sandbox.mutations.applied("dossierAccepter") == 1
    assert sandbox.stats.count(operation="DossierAccepter", status=500) == 1


def test_drop_after_apply_applies_then_closes_the_connection(sandbox: Sandbox,
                                                             http: httpx.Client) -> None:
    number = sandbox.state.numbers(PROJETS.number)[0]
    sandbox.faults.add("drop_after_apply", operation="DossierEnvoyerMessage")
    call = body("dossierEnvoyerMessage", dossierId=dossier_id(number),
                instructeurId=INSTRUCTEUR.id, body="Bonjour")
    with pytest.raises(httpx.TransportError):
        http.post("/api/v2/graphql", headers=AUTH, json=call)
    assert [m["body"] for m in dossier(sandbox, number)["messages"]] == ["Bonjour"]
    assert sandbox.mutations.applied("dossierEnvoyerMessage") == 1
    # the fault is consumed: the next call is answered (and applies a second message)
    reply = http.post("/api/v2/graphql", headers=AUTH, json=call)
    assert reply.status_code == 200
    assert len(dossier(sandbox, number)["messages"]) == 2


def test_after_apply_faults_match_by_operation(sandbox: Sandbox) -> None:
    number = sandbox.state.numbers(PROJETS.number)[0]
    sandbox.faults.add("drop_after_apply", operation="DossierAccepter")
    reply = sandbox.handle(f"Bearer {DEFAULT_TOKEN}", json.dumps(body(
        "dossierPasserEnInstruction", dossierId=dossier_id(number),
        instructeurId=INSTRUCTEUR.id)).encode())
    assert reply.status == 200 and not reply.drop
    assert len(sandbox.faults) == 1
    to_accept = json.dumps(body("dossierAccepter", dossierId=dossier_id(number),
                                instructeurId=INSTRUCTEUR.id)).encode()
    dropped = sandbox.handle(f"Bearer {DEFAULT_TOKEN}", to_accept)
    assert dropped.drop and dropped.body == b""
    assert sandbox.state.dossier(number).state == "accepte"
