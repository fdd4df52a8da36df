"""Page fetchers: the variables they send, what they return, and the timeout fallback."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest

from connectors.ds import (
    DSClient,
    DSNotFoundError,
    DSQueryTimeoutError,
    StreamPage,
    StreamPosition,
    fetch_dossier,
    fetch_reconcile_page,
    fetch_sync_page,
)

API_URL = "https://ds.test/api/v2/graphql"
SKIP = StreamPosition(include=False)


def connection(nodes: list[dict], end_cursor: str | None, has_next: bool) -> dict:
    return {"pageInfo": {"hasNextPage": has_next, "endCursor": end_cursor}, "nodes": nodes}


def demarche_answer(variables: dict) -> dict:
    """What DS would answer, echoing which streams were included."""
    demarche: dict = {"id": "RGVtYXJjaGUtNw==", "number": 7, "title": "EIG", "state": "publiee"}
    if variables.get("withRevision"):
        demarche["activeRevision"] = {"id": "rev", "champDescriptors": []}
    if variables["withDossiers"]:
        demarche["dossiers"] = connection([{"number": 1}, {"number": 2}], "MjAyNg", True)
    if variables["withPendingDeleted"]:
        demarche["pendingDeletedDossiers"] = connection([], None, False)
    if variables["withDeleted"]:
        demarche["deletedDossiers"] = connection([{"number": 9}], "ZGVs", False)
    return {"data": {"demarche": demarche}}


class FakeDS:
    """Records the GraphQL bodies it receives and answers with `answer(variables)`."""

    def __init__(self, answer: Callable[[dict], dict] = demarche_answer) -> None:
        self.answer = answer
        self.bodies: list[dict] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.bodies.append(body)
        return httpx.Response(200, json=self.answer(body.get("variables", {})))

    @property
    def variables(self) -> list[dict]:
        return [body.get("variables", {}) for body in self.bodies]


def client_for(ds: FakeDS) -> DSClient:
    return DSClient(
        API_URL,
        f"secret-{uuid.uuid4()}",
        transport=httpx.MockTransport(ds),
        sleep=lambda _: None,
    )


def timeout_when(too_big: Callable[[int], bool]) -> Callable[[dict], dict]:
    def answer(variables: dict) -> dict:
        if too_big(variables["first"]):
            return {
                "data": {"demarche": {"id": "RGVtYXJjaGUtNw==", "dossiers": None}},
                "errors": [{"message": "Timeout", "extensions": {"code": "timeout"}}],
            }
        return demarche_answer(variables)

    return answer


def test_sync_page_sends_include_flags_cursors_and_anchors() -> None:
    ds = FakeDS()
    paris = timezone(timedelta(hours=2))
    with client_for(ds) as client:
        page = fetch_sync_page(
            client,
            7,
            page_size=80,
            with_revision=True,
            dossiers=StreamPosition(True, datetime(2026, 1, 15, 10, 30, 5, 123456, UTC), "YWJj"),
            pending_deleted=StreamPosition(True, datetime(2026, 1, 1, 12, tzinfo=paris)),
            deleted=SKIP,
        )

    assert ds.variables == [
        {
            "number": 7,
            "first": 80,
            "withRevision": True,
            "withDossiers": True,
            "updatedSince": "2026-01-15T10:30:05.123456+00:00",
            "dossiersAfter": "YWJj",
            "withPendingDeleted": True,
            "pendingDeletedSince": "2026-01-01T12:00:00+02:00",
            "withDeleted": False,
        }
    ]
    assert ds.bodies[0]["operationName"] == "SyncDemarche"
    assert page.demarche == {
        "id": "RGVtYXJjaGUtNw==",
        "number": 7,
        "title": "EIG",
        "state": "publiee",
    }
    assert page.revision == {"id": "rev", "champDescriptors": []}
    assert page.dossiers == StreamPage([{"number": 1}, {"number": 2}], "MjAyNg", True)
    assert page.pending_deleted == StreamPage([], None, False)
    assert page.deleted is None
    assert page.page_size == 80


def test_sync_page_without_revision_or_positions_sends_only_the_flags() -> None:
    ds = FakeDS()
    with client_for(ds) as client:
        page = fetch_sync_page(
            client, 7, dossiers=SKIP, pending_deleted=SKIP, deleted=StreamPosition(True)
        )

    assert ds.variables[0] == {
        "number": 7,
        "first": 100,
        "withRevision": False,
        "withDossiers": False,
        "withPendingDeleted": False,
        "withDeleted": True,
    }
    assert page.revision is None and page.dossiers is None and page.pending_deleted is None
    assert page.deleted == StreamPage([{"number": 9}], "ZGVs", False)


def test_a_naive_datetime_is_refused_before_anything_is_sent() -> None:
    ds = FakeDS()
    with client_for(ds) as client, pytest.raises(ValueError, match="timezone-aware"):
        fetch_sync_page(
            client,
            7,
            dossiers=StreamPosition(True, datetime(2026, 1, 15, 10, 30)),
            pending_deleted=SKIP,
            deleted=SKIP,
        )
    assert ds.bodies == []


def test_a_timeout_halves_the_page_size_until_it_succeeds() -> None:
    ds = FakeDS(timeout_when(lambda first: first > 25))
    with client_for(ds) as client:
        page = fetch_sync_page(
            client,
            7,
            min_page_size=5,
            dossiers=StreamPosition(True),
            pending_deleted=SKIP,
            deleted=SKIP,
        )

    assert [v["first"] for v in ds.variables] == [100, 50, 25]
    assert all(v["withDossiers"] for v in ds.variables)  # the same request, smaller
    assert page.page_size == 25
    assert page.dossiers is not None and page.dossiers.end_cursor == "MjAyNg"


def test_a_timeout_at_the_minimum_page_size_gives_up() -> None:
    ds = FakeDS(timeout_when(lambda first: True))
    with client_for(ds) as client, pytest.raises(DSQueryTimeoutError) as caught:
        fetch_sync_page(
            client,
            7,
            min_page_size=20,
            dossiers=StreamPosition(True),
            pending_deleted=SKIP,
            deleted=SKIP,
        )

    assert [v["first"] for v in ds.variables] == [100, 50, 25, 20]
    assert "even with pages of 20" in str(caught.value)
    assert "SyncDemarche (number=7, first=20)" in str(caught.value)
    assert caught.value.data == {"demarche": {"id": "RGVtYXJjaGUtNw==", "dossiers": None}}


@pytest.mark.parametrize(("page_size", "min_page_size"), [(101, 10), (10, 20), (0, 0)])
def test_page_sizes_outside_what_ds_serves_are_refused(page_size: int, min_page_size: int) -> None:
    ds = FakeDS()
    with client_for(ds) as client, pytest.raises(ValueError, match="page_size"):
        fetch_sync_page(
            client,
            7,
            page_size=page_size,
            min_page_size=min_page_size,
            dossiers=StreamPosition(True),
            pending_deleted=SKIP,
            deleted=SKIP,
        )
    assert ds.bodies == []


def test_reconcile_page_sends_cursors_and_no_anchor() -> None:
    ds = FakeDS()
    with client_for(ds) as client:
        page = fetch_reconcile_page(
            client,
            7,
            page_size=100,
            dossiers=StreamPosition(True, after="Y3Vy"),
            pending_deleted=SKIP,
            deleted=StreamPosition(True),
        )

    assert ds.bodies[0]["operationName"] == "ReconcileDemarche"
    assert ds.variables == [
        {
            "number": 7,
            "first": 100,
            "withDossiers": True,
            "dossiersAfter": "Y3Vy",
            "withPendingDeleted": False,
            "withDeleted": True,
        }
    ]
    assert page.demarche == {"id": "RGVtYXJjaGUtNw==", "number": 7}
    assert page.dossiers is not None and page.dossiers.has_next_page
    assert page.pending_deleted is None
    assert page.deleted == StreamPage([{"number": 9}], "ZGVs", False)


def test_reconcile_refuses_an_anchor() -> None:
    with client_for(FakeDS()) as client, pytest.raises(ValueError, match="since must be None"):
        fetch_reconcile_page(
            client,
            7,
            dossiers=StreamPosition(True, since=datetime(2026, 1, 1, tzinfo=UTC)),
            pending_deleted=SKIP,
            deleted=SKIP,
        )


def test_a_missing_demarche_raises_not_found() -> None:
    ds = FakeDS(lambda variables: {"data": {"demarche": None}})
    with client_for(ds) as client, pytest.raises(DSNotFoundError, match="SyncDemarche"):
        fetch_sync_page(client, 7, dossiers=SKIP, pending_deleted=SKIP, deleted=SKIP)


def test_fetch_dossier_returns_the_dossier() -> None:
    dossier = {"id": "RG9zc2llci00Mg==", "number": 42, "demarche": {"number": 7}}
    ds = FakeDS(lambda variables: {"data": {"dossier": dossier}})
    with client_for(ds) as client:
        assert fetch_dossier(client, 42) == dossier
    assert ds.bodies[0]["operationName"] == "GetDossier"
    assert ds.variables == [{"number": 42}]


@pytest.mark.parametrize(
    "answer",
    [
        {"data": {"dossier": None}},
        {
            "data": None,
            "errors": [{"message": "Dossier not found", "extensions": {"code": "not_found"}}],
        },
    ],
)
def test_fetch_dossier_of_a_gone_dossier_raises_not_found(answer: dict) -> None:
    client = client_for(FakeDS(lambda variables: answer))
    with client, pytest.raises(DSNotFoundError, match=r"GetDossier \(number=42\)"):
        fetch_dossier(client, 42)
