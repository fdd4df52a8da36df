"""DS's HTTP semantics: tokens, rate limit, fault injection and the admin endpoints."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ds_sandbox import (
    DEFAULT_TOKEN,
    PROJETS,
    Fault,
    Sandbox,
    SandboxState,
    generate,
    running_sandbox,
)
from ds_sandbox.testing import FakeClock
from tests.ds_documents import query_document

SYNC = query_document("sync_demarche")
GET_DOSSIER = query_document("dossier")
AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}


class RateClock:
    def __init__(self, now: float = 1_700_000_000.5) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make_sandbox(**options: Any) -> Sandbox:
    sandbox = Sandbox(SandboxState(now=FakeClock()), **options)
    generate(sandbox.state, projets=150, candidats=3, evaluations=3, seed=5)
    return sandbox


@pytest.fixture
def sandbox() -> Sandbox:
    return make_sandbox(tokens={DEFAULT_TOKEN: "ok", "office-only": "forbidden",
                                "old": "expired"})


@pytest.fixture
def http(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with running_sandbox(sandbox) as url, httpx.Client(base_url=url) as client:
        yield client


def sync_body(first: int = 100) -> dict[str, Any]:
    return {"query": SYNC, "operationName": "SyncDemarche", "variables": {
        "number": PROJETS.number, "first": first, "withRevision": True, "withDossiers": True,
        "withPendingDeleted": False, "withDeleted": False}}


def dossier_body(number: int) -> dict[str, Any]:
    return {"query": GET_DOSSIER, "operationName": "GetDossier", "variables": {"number": number}}


def test_a_valid_token_gets_data_and_rate_limit_headers(http):
    response = http.post("/api/v2/graphql", json=sync_body(), headers=AUTH)
    assert response.status_code == 200
    assert len(response.json()["data"]["demarche"]["dossiers"]["nodes"]) == 100
    assert response.headers["RateLimit-Limit"] == "400"
    assert response.headers["RateLimit-Remaining"] == "399"


@pytest.mark.parametrize(("headers", "status", "message"), [
    ({}, 401, "Without a token, only persisted queries are allowed"),
    ({"Authorization": "Bearer unknown"}, 401, "Token expired"),
    ({"Authorization": "Bearer old"}, 401, "Token expired"),
    ({"Authorization": "Bearer office-only"}, 403, None),
])
def test_bad_tokens_are_refused_like_ds(http, headers, status, message):
    response = http.post("/api/v2/graphql", json=sync_body(), headers=headers)
    assert response.status_code == status
    body = response.json()
    assert body["data"] is None
    if message:
        assert body["errors"][0]["message"] == message


def test_over_budget_gets_a_plain_429_without_retry_after():
    clock = RateClock()
    sandbox = make_sandbox(requests_per_window=2, window_seconds=2, rate_clock=clock)
    with running_sandbox(sandbox) as url, httpx.Client(base_url=url) as http:
        statuses = [http.post("/api/v2/graphql", json=dossier_body(1), headers=AUTH).status_code
                    for _ in range(2)]
        limited = http.post("/api/v2/graphql", json=dossier_body(1), headers=AUTH)
        other_token = http.post("/api/v2/graphql", json=dossier_body(1))
        clock.now += 2
        next_window = http.post("/api/v2/graphql", json=dossier_body(1), headers=AUTH)
    assert statuses == [200, 200]
    assert limited.status_code == 429
    assert limited.headers["content-type"].startswith("text/plain")
    assert limited.headers["RateLimit-Remaining"] == "0"
    assert limited.headers["RateLimit-Reset"] == "1700000002"  # end of the aligned window
    assert "Retry-After" not in limited.headers
    assert limited.text.strip() and not limited.text.lstrip().startswith("{")
    assert other_token.status_code == 401  # budgets are per token
    assert next_window.status_code == 200
    assert sandbox.stats.count(token=DEFAULT_TOKEN, status=429) == 1


def test_stats_tell_per_token_the_busiest_window_and_the_429s():
    clock = RateClock()
    sandbox = make_sandbox(requests_per_window=3, window_seconds=2, rate_clock=clock,
                           tokens=[DEFAULT_TOKEN, "other"])
    with running_sandbox(sandbox) as url, httpx.Client(base_url=url) as http:
        def send(token: str, times: int) -> None:
            for _ in range(times):
                http.post("/api/v2/graphql", json=dossier_body(1),
                          headers={"Authorization": f"Bearer {token}"})

        send(DEFAULT_TOKEN, 2)
        send("other", 1)
        clock.now += 2
        send(DEFAULT_TOKEN, 3)  # a full window: still under the limit
        assert sandbox.stats.max_in_window(DEFAULT_TOKEN) == 3
        assert sandbox.stats.rate_limited(DEFAULT_TOKEN) == 0
        clock.now += 2
        send(DEFAULT_TOKEN, 5)  # two over
        stats = http.get("/_sandbox/stats").json()["rate_limit"]
        assert http.post("/_sandbox/stats/reset").json() == {"reset": True}
        after_reset = http.get("/_sandbox/stats").json()["rate_limit"]

    assert stats == {"limit": 3, "window_seconds": 2, "by_token": {
        DEFAULT_TOKEN: {"max_in_window": 5, "rate_limited": 2},
        "other": {"max_in_window": 1, "rate_limited": 0}}}
    assert sandbox.stats.max_in_window(DEFAULT_TOKEN) == 0  # forgotten by the reset
    assert after_reset["by_token"] == {}


@pytest.mark.parametrize(("kind", "status", "content_type"), [
    ("http_500", 500, "application/json"),
    ("http_502", 502, "text/html"),
    ("http_503", 503, "text/html"),
    ("http_401", 401, "application/json"),
    ("http_403", 403, "application/json"),
    ("rate_limit", 429, "text/plain"),
    ("graphql_error", 200, "application/json"),
])
def test_each_fault_kind_fails_one_request(sandbox, http, kind, status, content_type):
    sandbox.faults.add(kind)
    failed = http.post("/api/v2/graphql", json=sync_body(), headers=AUTH)
    assert failed.status_code == status
    assert failed.headers["content-type"].startswith(content_type)
    if kind == "graphql_error":
        assert failed.json() == {"data": None, "errors": [{
            "message": "Internal server error", "extensions": {"code": "internal_server_error"}}]}
    if kind == "rate_limit":
        assert failed.headers["RateLimit-Remaining"] == "0"
        assert "Retry-After" not in failed.headers
    after = http.post("/api/v2/graphql", json=sync_body(), headers=AUTH)
    assert after.status_code == 200 and "errors" not in after.json()
    assert sandbox.stats.entries()[-2].fault == kind


def test_faults_honour_count_skip_and_operation(sandbox, http):
    sandbox.faults.add("http_503", count=2, skip=1, operation="SyncDemarche")
    statuses = []
    for body in (dossier_body(1), sync_body(), sync_body(), dossier_body(1), sync_body(),
                 sync_body()):
        statuses.append(http.post("/api/v2/graphql", json=body, headers=AUTH).status_code)
    # GetDossier never matches; the first SyncDemarche passes (skip), the next two fail
    assert statuses == [200, 200, 503, 200, 503, 200]
    assert len(sandbox.faults) == 0


def test_timeout_returns_partial_data_and_a_smaller_page_gets_through(sandbox, http):
    sandbox.faults.add("timeout", count=5, min_first=50)
    timed_out = http.post("/api/v2/graphql", json=sync_body(100), headers=AUTH)
    assert timed_out.status_code == 200
    body = timed_out.json()
    assert body["data"]["demarche"]["dossiers"] is None
    assert body["data"]["demarche"]["number"] == PROJETS.number  # partial data
    assert body["errors"][0]["extensions"] == {"code": "timeout"}
    assert body["errors"][0]["path"] == ["demarche", "dossiers"]
    smaller = http.post("/api/v2/graphql", json=sync_body(50), headers=AUTH).json()
    assert "errors" not in smaller
    assert len(smaller["data"]["demarche"]["dossiers"]["nodes"]) == 50
    assert sandbox.faults.pending()[0]["count"] == 4


def test_invalid_documents_get_graphql_errors(http):
    syntax = http.post("/api/v2/graphql", json={"query": "query {"}, headers=AUTH)
    assert syntax.status_code == 400 and syntax.json()["errors"]
    invalid = http.post("/api/v2/graphql", json={"query": "{ demarche(number: 101) { nope } }"},
                        headers=AUTH)
    assert invalid.status_code == 200
    assert "nope" in invalid.json()["errors"][0]["message"]


def test_admin_endpoints_drive_a_sandbox_in_another_process(sandbox, http):
    number = sandbox.state.numbers(PROJETS.number)[0]
    added = http.post("/_sandbox/faults", json={"faults": [
        {"kind": "http_500"}, {"kind": "timeout", "min_first": 10, "operation": "SyncDemarche"}]})
    assert added.status_code == 201
    assert [f["kind"] for f in http.get("/_sandbox/faults").json()["faults"]] == [
        "http_500", "timeout"]
    assert http.post("/_sandbox/faults", json={"kind": "nope"}).status_code == 400
    assert http.delete("/_sandbox/faults").json() == {"faults": []}

    before = sandbox.state.dossiers[number].updated_at
    assert http.post(f"/_sandbox/dossiers/{number}/touch").status_code == 200
    assert sandbox.state.dossiers[number].updated_at > before
    http.post(f"/_sandbox/dossiers/{number}/labels", json={"names": ["retenu"]})
    assert sandbox.state.dossiers[number].labels == ("retenu",)
    http.post(f"/_sandbox/dossiers/{number}/champ",
              json={"descriptor_id": PROJETS.champs[0].id, "value": "DINUM"})
    http.post(f"/_sandbox/dossiers/{number}/state", json={"state": "accepte"})
    assert sandbox.state.dossiers[number].state == "accepte"
    assert http.post(f"/_sandbox/dossiers/{number}/hide").status_code == 200
    assert sandbox.state.demarches[PROJETS.number].trash[0][1] == number
    assert http.post(f"/_sandbox/dossiers/{number}/restore").status_code == 200
    assert http.post(f"/_sandbox/dossiers/{number}/delete").status_code == 200
    assert number in sandbox.state.deleted
    assert http.post(f"/_sandbox/dossiers/{number}/delete").status_code == 404
    assert http.post(f"/_sandbox/dossiers/{number}/explode").status_code == 404

    http.post("/api/v2/graphql", json=dossier_body(2), headers=AUTH)
    stats = http.get("/_sandbox/stats").json()
    assert stats["total"] == 1
    assert stats["by_operation"] == {"GetDossier": 1}
    assert stats["by_token"] == {DEFAULT_TOKEN: 1}
    assert http.post("/_sandbox/stats/reset").json() == {"reset": True}
    assert http.get("/_sandbox/stats").json()["total"] == 0
    assert http.get("/_sandbox/health").json()["dossiers"][str(PROJETS.number)] == 149


def test_operation_name_is_read_from_the_document_when_not_sent(sandbox, http):
    http.post("/api/v2/graphql", json={"query": GET_DOSSIER, "variables": {"number": 1}},
              headers=AUTH)
    assert sandbox.stats.count(operation="GetDossier") == 1


def test_fault_validation():
    with pytest.raises(ValueError, match="unknown fault kind"):
        Fault("http_418")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Fault("http_500", count=0)


def test_running_sandbox_stops_cleanly():
    with running_sandbox(Sandbox()) as url:
        assert httpx.get(f"{url}/_sandbox/health").json()["ok"] is True
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{url}/_sandbox/health", timeout=1)
