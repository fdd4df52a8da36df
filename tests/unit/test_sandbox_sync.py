"""Pagination, ordering and the three dossier streams, as DS serves them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ds_sandbox import (
    DEFAULT_TOKEN,
    PROJETS,
    Sandbox,
    SandboxState,
    generate,
    running_sandbox,
)
from ds_sandbox.testing import FakeClock
from ds_sandbox.timeutil import format_us
from tests.ds_documents import query_document

SYNC = query_document("sync_demarche")
RECONCILE = query_document("reconcile_demarche")
GET_DOSSIER = query_document("dossier")
LONG_AGO = "2000-01-01T00:00:00+00:00"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sandbox(clock: FakeClock) -> Sandbox:
    box = Sandbox(SandboxState(now=clock), microsecond_timestamps=True)
    generate(box.state, projets=250, candidats=5, evaluations=5, seed=3)
    return box


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with running_sandbox(sandbox) as url, httpx.Client(base_url=url) as http:
        yield http


def post(client: httpx.Client, query: str, variables: dict[str, Any],
         token: str | None = DEFAULT_TOKEN) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.post("/api/v2/graphql", json={"query": query, "variables": variables},
                           headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def sync_vars(**overrides: Any) -> dict[str, Any]:
    variables: dict[str, Any] = {
        "number": PROJETS.number, "first": 100, "withRevision": False, "withDossiers": True,
        "updatedSince": LONG_AGO, "dossiersAfter": None, "withPendingDeleted": False,
        "withDeleted": False,
    }
    variables.update(overrides)
    return variables


def walk(client: httpx.Client, **overrides: Any) -> tuple[list[dict[str, Any]], int]:
    """All dossier nodes of the stream, resuming from each endCursor; and the requests."""
    nodes: list[dict[str, Any]] = []
    after, requests = None, 0
    while True:
        requests += 1
        page = post(client, SYNC, sync_vars(dossiersAfter=after, **overrides))
        connection = page["data"]["demarche"]["dossiers"]
        nodes += connection["nodes"]
        if not connection["pageInfo"]["hasNextPage"]:
            return nodes, requests
        after = connection["pageInfo"]["endCursor"]


def test_page_size_is_capped_at_100(client):
    page = post(client, SYNC, sync_vars(first=500))["data"]["demarche"]["dossiers"]
    assert len(page["nodes"]) == 100
    assert page["pageInfo"]["hasNextPage"] is True
    small = post(client, SYNC, sync_vars(first=7))["data"]["demarche"]["dossiers"]
    assert len(small["nodes"]) == 7


def test_stream_is_ordered_by_updated_at_then_id_and_ends_without_an_empty_page(client, sandbox):
    nodes, requests = walk(client)
    assert requests == 3  # 250 dossiers: 100 + 100 + 50, hasNextPage false on the last
    numbers = [n["number"] for n in nodes]
    assert len(numbers) == len(set(numbers)) == 250
    keys = [(n["dateDerniereModification"], n["number"]) for n in nodes]
    assert keys == sorted(keys)
    record = sandbox.state.dossiers[numbers[0]]
    assert nodes[0]["dateDerniereModification"] == format_us(record.updated_at, True)


def test_without_updated_since_dossiers_come_by_deposit_date(client):
    nodes, _ = walk(client, updatedSince=None)
    keys = [(n["dateDepot"], n["number"]) for n in nodes]
    assert keys == sorted(keys)
    assert [n["number"] for n in nodes] == sorted(n["number"] for n in nodes)


def test_updated_since_is_inclusive(client, sandbox):
    index = sandbox.state.demarches[PROJETS.number].by_updated
    updated_at, number = index[120]
    page = post(client, SYNC, sync_vars(updatedSince=format_us(updated_at, True)))
    nodes = page["data"]["demarche"]["dossiers"]["nodes"]
    assert nodes[0]["number"] == number
    assert len(nodes) == 100 and page["data"]["demarche"]["dossiers"]["pageInfo"]["hasNextPage"]
    later = post(client, SYNC, sync_vars(updatedSince=format_us(updated_at + 1, True)))
    assert later["data"]["demarche"]["dossiers"]["nodes"][0]["number"] != number


def test_a_dossier_updated_during_the_sync_is_returned_again_after_the_cursor(
        client, sandbox, clock):
    first = post(client, SYNC, sync_vars())["data"]["demarche"]["dossiers"]
    changed = first["nodes"][10]["number"]
    clock.advance(seconds=5)
    sandbox.state.update_champ(changed, PROJETS.champs[2].id, "Un nouvel intitulé")
    nodes, _ = walk(client)
    rest, after = [], first["pageInfo"]["endCursor"]
    while after:
        page = post(client, SYNC, sync_vars(dossiersAfter=after))["data"]["demarche"]["dossiers"]
        rest += page["nodes"]
        after = page["pageInfo"]["endCursor"] if page["pageInfo"]["hasNextPage"] else None
    assert rest[-1]["number"] == changed
    intitule = next(c for c in rest[-1]["champs"] if c["champDescriptorId"] == PROJETS.champs[2].id)
    assert intitule["text"] == "Un nouvel intitulé"
    assert nodes[-1]["number"] == changed  # a fresh walk also sees it last


def test_end_cursor_is_null_on_an_empty_page(client, clock):
    page = post(client, SYNC, sync_vars(updatedSince=clock.advance(days=1).isoformat()))
    connection = page["data"]["demarche"]["dossiers"]
    assert connection["nodes"] == []
    assert connection["pageInfo"] == {"hasNextPage": False, "endCursor": None}


def test_labels_do_not_bump_updated_at(client, sandbox):
    number = sandbox.state.numbers(PROJETS.number)[0]
    before = post(client, GET_DOSSIER, {"number": number})["data"]["dossier"]
    sandbox.state.set_labels(number, ["à auditionner"])
    after = post(client, GET_DOSSIER, {"number": number})["data"]["dossier"]
    assert after["labels"] == [{"id": after["labels"][0]["id"], "name": "à auditionner"}]
    assert after["dateDerniereModification"] == before["dateDerniereModification"]
    state_change = sandbox.state.set_state(number, "en_instruction")
    changed = post(client, GET_DOSSIER, {"number": number})["data"]["dossier"]
    assert changed["state"] == "en_instruction"
    assert changed["dateDerniereModification"] == format_us(state_change, True)
    assert changed["dateDerniereModification"] > before["dateDerniereModification"]


def test_writes_get_strictly_increasing_stamps_even_with_a_frozen_clock(sandbox):
    numbers = sandbox.state.numbers(PROJETS.number)[:3]
    stamps = [sandbox.state.touch(n) for n in numbers + numbers]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)


def test_hide_restore_and_delete_move_dossiers_between_streams(client, sandbox):
    hidden, deleted, trashed_then_deleted = sandbox.state.numbers(PROJETS.number)[:3]
    sandbox.state.hide(hidden)
    sandbox.state.delete(deleted)
    sandbox.state.hide(trashed_then_deleted)
    sandbox.state.delete(trashed_then_deleted)

    def streams() -> tuple[set[int], list[int], list[int]]:
        nodes, _ = walk(client)
        data = post(client, SYNC, sync_vars(
            withDossiers=False, withPendingDeleted=True, pendingDeletedSince=LONG_AGO,
            withDeleted=True, deletedSince=LONG_AGO))["data"]["demarche"]
        return ({n["number"] for n in nodes},
                [n["number"] for n in data["pendingDeletedDossiers"]["nodes"]],
                [n["number"] for n in data["deletedDossiers"]["nodes"]])

    visible, trash, tombstones = streams()
    assert hidden not in visible and deleted not in visible
    assert trash == [hidden]
    assert tombstones == [deleted, trashed_then_deleted]
    assert "errors" in post(client, GET_DOSSIER, {"number": hidden})

    restored_at = sandbox.state.restore(hidden)
    visible, trash, tombstones = streams()
    assert hidden in visible and trash == []
    nodes, _ = walk(client)
    assert nodes[-1]["number"] == hidden
    assert nodes[-1]["dateDerniereModification"] == format_us(restored_at, True)


def test_deletion_streams_filter_inclusively_and_page_with_cursors(client, sandbox):
    numbers = sandbox.state.numbers(PROJETS.number)[:5]
    stamps = [sandbox.state.delete(n) for n in numbers]
    variables = sync_vars(withDossiers=False, withDeleted=True, first=2,
                          deletedSince=format_us(stamps[1], True))
    page = post(client, SYNC, variables)["data"]["demarche"]["deletedDossiers"]
    assert [n["number"] for n in page["nodes"]] == numbers[1:3]
    assert page["nodes"][0]["reason"] == "user_request"
    assert page["pageInfo"]["hasNextPage"] is True
    variables["deletedAfter"] = page["pageInfo"]["endCursor"]
    rest = post(client, SYNC, variables)["data"]["demarche"]["deletedDossiers"]
    assert [n["number"] for n in rest["nodes"]] == numbers[3:5]
    assert rest["pageInfo"]["hasNextPage"] is False


def test_reconcile_lists_ids_states_and_labels(client, sandbox):
    number = sandbox.state.numbers(PROJETS.number)[0]
    sandbox.state.set_labels(number, ["retenu"])
    data = post(client, RECONCILE, {
        "number": PROJETS.number, "first": 100, "withDossiers": True,
        "withPendingDeleted": True, "withDeleted": True})["data"]["demarche"]
    first = data["dossiers"]["nodes"][0]
    assert first["number"] == number and first["labels"][0]["name"] == "retenu"
    assert set(first) == {"id", "number", "state", "dateDerniereModification", "labels"}


def test_state_filter(client, sandbox):
    query = """query Accepted($number: Int!, $after: String) {
      demarche(number: $number) {
        dossiers(state: accepte, first: 10, after: $after) {
          pageInfo { hasNextPage endCursor } nodes { number state } } } }"""
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = post(client, query, {"number": PROJETS.number, "after": after})
        connection = page["data"]["demarche"]["dossiers"]
        nodes += connection["nodes"]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert {n["state"] for n in nodes} == {"accepte"}
    expected = {r.number for r in sandbox.state.dossiers.values()
                if r.demarche == PROJETS.number and r.state == "accepte"}
    assert expected and {n["number"] for n in nodes} == expected


def test_a_cursor_from_another_stream_is_rejected(client):
    page = post(client, SYNC, sync_vars(updatedSince=None))["data"]["demarche"]["dossiers"]
    result = post(client, SYNC, sync_vars(dossiersAfter=page["pageInfo"]["endCursor"]))
    assert result["data"] is None
    assert result["errors"][0]["message"].startswith("Invalid cursor")


def test_unknown_dossier_is_a_not_found_error(client):
    result = post(client, GET_DOSSIER, {"number": 999_999})
    assert result["data"] is None
    assert result["errors"][0]["extensions"] == {"code": "not_found"}
    assert result["errors"][0]["path"] == ["dossier"]


def test_drift_publishes_a_new_active_revision(client, sandbox):
    removed, retyped = PROJETS.champs[10].id, PROJETS.champs[8].id  # localisation, nombre_eig
    sandbox.state.remove_descriptor(PROJETS.number, removed)
    sandbox.state.change_descriptor_type(PROJETS.number, retyped, "text")
    data = post(client, SYNC, sync_vars(withRevision=True, first=1))["data"]["demarche"]
    descriptors = {d["id"]: d for d in data["activeRevision"]["champDescriptors"]}
    assert removed not in descriptors
    assert descriptors[retyped]["__typename"] == "TextChampDescriptor"
    champs = {c["champDescriptorId"]: c for c in data["dossiers"]["nodes"][0]["champs"]}
    assert removed not in champs
    assert champs[retyped]["__typename"] == "TextChamp"
    assert champs[retyped]["text"] in {"1", "2"}


def test_explicit_dossiers_show_their_values(client, sandbox, clock):
    record = sandbox.state.add_dossier(PROJETS.number, state="en_instruction", values={
        PROJETS.champs[0].id: "DINUM",
        PROJETS.champs[8].id: 2,
        PROJETS.champs[20].id: [{"nom": "Ada Lovelace", "role": "cheffe de produit",
                                 "email": "ada@numerique.gouv.fr"}],
    })
    dossier = post(client, GET_DOSSIER, {"number": record.number})["data"]["dossier"]
    champs = {c["champDescriptorId"]: c for c in dossier["champs"]}
    assert champs[PROJETS.champs[0].id]["text"] == "DINUM"
    assert champs[PROJETS.champs[8].id]["integerNumber"] == "2"  # BigInt travels as a string
    row = champs[PROJETS.champs[20].id]["rows"]
    assert [c["text"] for c in row[0]["champs"]] == [
        "Ada Lovelace", "cheffe de produit", "ada@numerique.gouv.fr"]
    assert dossier["demarche"] == {"number": PROJETS.number}
    assert dossier["state"] == "en_instruction"
    with pytest.raises(ValueError, match="not in the trash"):
        sandbox.state.restore(record.number)
