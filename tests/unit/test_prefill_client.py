"""The prefill client (DS's `POST /api/public/v1/demarches/{n}/dossiers`) and the dossier
PDF download: what goes on the wire, the per-IP budget, retries and typed errors."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from connectors.ds import (
    DSFileError,
    DSHTTPError,
    DSNetworkError,
    DSNotFoundError,
    DSProtocolError,
    DSRateLimitError,
    DSServerError,
    PrefillClient,
    PrefilledDossier,
    fetch_dossier_pdf,
    md5_base64,
    prefill_base_url,
)
from ds_sandbox import EVALUATIONS, Sandbox, SandboxState, running_sandbox
from ds_sandbox.testing import FakeClock
from tests.unit.ds_fakes import FakeTime

DOSSIER_EVALUE = "Q2hhbXAtMzAwMQ=="
NATURE = "Q2hhbXAtMzAwMw=="
CREATED = {
    "dossier_url": "https://ds.test/commencer/grille?prefill_token=abc",
    "state": "prefilled",
    "dossier_id": "RG9zc2llci00Mg==",
    "dossier_number": 42,
}


class FakeDS:
    """Answers in turn (the last one repeats) and notes each request and its fake time."""

    def __init__(self, time_: FakeTime, *answers: httpx.Response | Exception) -> None:
        self.time = time_
        self.answers = list(answers) or [httpx.Response(201, json=CREATED)]
        self.requests: list[httpx.Request] = []
        self.times: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.times.append(self.time.now)
        answer = self.answers[min(len(self.requests), len(self.answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer


def client_for(ds: FakeDS, **kwargs) -> PrefillClient:
    # A host of its own: the per-host budget is process-wide.
    return PrefillClient(
        f"https://ds-{uuid.uuid4().hex[:8]}.test",
        transport=httpx.MockTransport(ds),
        sleep=ds.time.sleep,
        clock=ds.time.clock,
        **kwargs,
    )


def test_base_url_is_the_host_root_of_the_graphql_endpoint() -> None:
    assert (
        prefill_base_url("https://www.demarches-simplifiees.fr/api/v2/graphql")
        == "https://www.demarches-simplifiees.fr"
    )
    assert prefill_base_url("http://127.0.0.1:8765/api/v2/graphql/") == "http://127.0.0.1:8765"
    with pytest.raises(ValueError, match="GraphQL endpoint"):
        prefill_base_url("https://www.demarches-simplifiees.fr/")


def test_create_posts_champ_keys_as_exact_json_without_a_token() -> None:
    ds = FakeDS(FakeTime())
    with client_for(ds) as client:
        created = client.create(103, {DOSSIER_EVALUE: 17, NATURE: "évaluation"})

    assert created == PrefilledDossier(
        url=CREATED["dossier_url"], id=CREATED["dossier_id"], number=42
    )
    (request,) = ds.requests
    assert request.method == "POST"
    assert request.url.path == "/api/public/v1/demarches/103/dossiers"
    assert request.headers["Content-Type"] == "application/json"
    assert "Authorization" not in request.headers
    assert json.loads(request.content) == {
        f"champ_{DOSSIER_EVALUE}": 17,
        f"champ_{NATURE}": "évaluation",
    }


def test_keys_must_be_descriptor_ids_without_the_prefix() -> None:
    ds = FakeDS(FakeTime())
    with client_for(ds) as client, pytest.raises(ValueError, match="champ_ prefix"):
        client.create(103, {f"champ_{NATURE}": "audition"})
    assert ds.requests == []


def test_the_client_keeps_within_the_budget_without_a_single_429() -> None:
    time_ = FakeTime()
    ds = FakeDS(time_)
    with client_for(ds, requests_per_window=3, window_seconds=15.0) as client:
        for _ in range(7):
            client.create(103, {NATURE: "évaluation"})

    assert len(ds.requests) == 7
    times = sorted(ds.times)
    assert max(sum(1 for t in times if start <= t < start + 15.0) for start in times) == 3
    assert times[-1] - times[0] >= 30.0  # 7 requests at 3 per 15 s span two whole windows


def test_a_429_waits_until_the_announced_reset() -> None:
    time_ = FakeTime()
    reset = int(time_.now) + 7
    limited = httpx.Response(429, text="Retry later\n", headers={"RateLimit-Reset": str(reset)})
    ds = FakeDS(time_, limited, httpx.Response(201, json=CREATED))
    with client_for(ds) as client:
        created = client.create(103, {NATURE: "audition"})

    assert created.number == 42
    assert len(ds.requests) == 2
    assert ds.times[1] >= reset  # waited for the window DS announced (plus a margin)


def test_a_429_without_reset_waits_one_window() -> None:
    time_ = FakeTime()
    ds = FakeDS(time_, httpx.Response(429, text="Retry later"), httpx.Response(201, json=CREATED))
    with client_for(ds, window_seconds=15.0) as client:
        client.create(103, {NATURE: "audition"})

    assert ds.times[1] - ds.times[0] >= 15.0


def test_a_429_that_persists_raises_a_rate_limit_error() -> None:
    time_ = FakeTime()
    reset = int(time_.now) + 5
    ds = FakeDS(time_, httpx.Response(429, headers={"RateLimit-Reset": str(reset)}))
    with client_for(ds, max_attempts=3) as client, pytest.raises(DSRateLimitError) as caught:
        client.create(103, {NATURE: "audition"})

    assert len(ds.requests) == 3
    assert caught.value.reset_at == reset
    assert "démarche 103" in str(caught.value) and "429" in str(caught.value)


def test_a_5xx_is_retried() -> None:
    bad_gateway = httpx.Response(502, text="Bad Gateway")
    ds = FakeDS(FakeTime(), bad_gateway, httpx.Response(201, json=CREATED))
    with client_for(ds) as client:
        assert client.create(103, {NATURE: "audition"}).number == 42
        assert client.requests_sent == 2


def test_a_5xx_that_persists_raises_a_server_error() -> None:
    ds = FakeDS(FakeTime(), httpx.Response(500, text="boom"))
    with client_for(ds, max_attempts=2) as client, pytest.raises(DSServerError) as caught:
        client.create(103, {NATURE: "audition"})

    assert caught.value.status_code == 500
    assert len(ds.requests) == 2
    assert "démarche 103" in str(caught.value) and "HTTP 500" in str(caught.value)


def test_a_400_raises_at_once_with_ds_message() -> None:
    refused = httpx.Response(400, json={"error": "Content-Type should be json"})
    ds = FakeDS(FakeTime(), refused)
    with client_for(ds) as client, pytest.raises(DSHTTPError) as caught:
        client.create(103, {NATURE: "audition"})

    assert len(ds.requests) == 1
    assert caught.value.status_code == 400
    assert "démarche 103" in str(caught.value)
    assert "Content-Type should be json" in str(caught.value)


def test_an_unknown_demarche_is_a_404_naming_it() -> None:
    ds = FakeDS(FakeTime(), httpx.Response(404, json={"error": "procedure 999 is not found"}))
    with client_for(ds) as client, pytest.raises(DSHTTPError) as caught:
        client.create(999, {NATURE: "audition"})

    assert caught.value.status_code == 404
    assert len(ds.requests) == 1
    assert "démarche 999" in str(caught.value) and "HTTP 404" in str(caught.value)


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(201, json={"state": "prefilled", "dossier_number": 42}),
        httpx.Response(201, json={**CREATED, "dossier_number": "42"}),
        httpx.Response(201, text="<html>Accueil</html>"),
        httpx.Response(200, json=[]),
    ],
    ids=["missing-keys", "number-as-string", "html", "not-an-object"],
)
def test_a_success_without_the_dossier_is_a_protocol_error(answer: httpx.Response) -> None:
    ds = FakeDS(FakeTime(), answer)
    with client_for(ds) as client, pytest.raises(DSProtocolError, match="démarche 103"):
        client.create(103, {NATURE: "audition"})
    assert len(ds.requests) == 1


def test_network_errors_are_retried_then_raised() -> None:
    failure = httpx.ConnectError("connection refused")
    ds = FakeDS(FakeTime(), failure, httpx.Response(201, json=CREATED))
    with client_for(ds) as client:
        assert client.create(103, {NATURE: "audition"}).number == 42

    down = FakeDS(FakeTime(), failure)
    with client_for(down, max_attempts=3) as client, pytest.raises(DSNetworkError) as caught:
        client.create(103, {NATURE: "audition"})
    assert caught.value.attempts == 3
    assert "démarche 103" in str(caught.value)


# -- against the sandbox ------------------------------------------------------------------


def test_create_against_the_sandbox_makes_an_invisible_prefilled_dossier() -> None:
    sandbox = Sandbox(SandboxState(now=FakeClock()))
    with running_sandbox(sandbox) as url, PrefillClient(url) as client:
        created = client.create(EVALUATIONS.number, {DOSSIER_EVALUE: "17", NATURE: "audition"})

    record = sandbox.state.prefilled_by_url(created.url)
    assert record.number == created.number
    assert record.values == {DOSSIER_EVALUE: 17, NATURE: "audition"}
    assert created.url.startswith(f"{url}/commencer/")
    assert created.number not in sandbox.state.dossiers  # a brouillon: not in the API


# -- dossier PDF ----------------------------------------------------------------------------

PDF = b"%PDF-1.4\n% a tiny pdf\n%%EOF\n"
PDF_URL = "https://ds.test/api/v2/dossiers/pdf/signed-id--abc"
WRONG_MD5 = "AAAAAAAAAAAAAAAAAAAAAA=="


class FakeGraphQL:
    def __init__(self, pdf: dict | None) -> None:
        self.pdf = pdf
        self.calls: list[tuple[str, dict | None]] = []

    def execute(self, document_name: str, variables: dict | None = None) -> dict:
        self.calls.append((document_name, variables))
        return {"dossier": {"number": 42, "pdf": self.pdf}}


def pdf_file(**overrides) -> dict:
    return {
        "filename": "dossier-42.pdf",
        "url": PDF_URL,
        "contentType": "application/pdf",
        "byteSizeBigInt": str(len(PDF)),
        "checksum": md5_base64(PDF),
        **overrides,
    }


def storage(*answers: httpx.Response) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answers[min(len(seen), len(answers)) - 1]

    return httpx.MockTransport(handle), seen


def test_pdf_is_downloaded_without_the_token_and_checked() -> None:
    graphql = FakeGraphQL(pdf_file())
    transport, seen = storage(httpx.Response(200, content=PDF))

    pdf = fetch_dossier_pdf(graphql, 42, transport=transport)

    assert pdf is not None
    assert (pdf.filename, pdf.content, pdf.content_type) == (
        "dossier-42.pdf",
        PDF,
        "application/pdf",
    )
    assert graphql.calls == [("dossier_pdf", {"number": 42})]
    assert str(seen[0].url) == PDF_URL and "Authorization" not in seen[0].headers


def test_a_pdf_ds_renders_on_request_has_no_size_nor_checksum_to_check() -> None:
    # What DS really announces for Dossier.pdf: byteSizeBigInt "0" and checksum "".
    graphql = FakeGraphQL(pdf_file(byteSizeBigInt="0", checksum=""))
    transport, _ = storage(httpx.Response(200, content=PDF))

    pdf = fetch_dossier_pdf(graphql, 42, transport=transport)

    assert pdf is not None and pdf.content == PDF


def test_no_pdf_is_none() -> None:
    assert fetch_dossier_pdf(FakeGraphQL(None), 42) is None


@pytest.mark.parametrize(
    ("file", "answer", "expected"),
    [
        (pdf_file(), httpx.Response(401), "HTTP 401"),
        (pdf_file(), httpx.Response(403, text="expired"), "HTTP 403"),
        (pdf_file(checksum=WRONG_MD5), httpx.Response(200, content=PDF), "checksum"),
        (pdf_file(byteSizeBigInt="9999"), httpx.Response(200, content=PDF), "announced 9999"),
        (pdf_file(byteSizeBigInt="0", checksum=""), httpx.Response(200, text="<p>"), "not a PDF"),
    ],
    ids=["expired-401", "expired-403", "checksum", "size", "not-a-pdf"],
)
def test_a_failed_download_is_a_file_error(
    file: dict, answer: httpx.Response, expected: str
) -> None:
    transport, seen = storage(answer)

    with pytest.raises(DSFileError) as caught:
        fetch_dossier_pdf(FakeGraphQL(file), 42, transport=transport)

    message = str(caught.value)
    assert expected in message
    assert "ask for the dossier again" in message
    assert "signed-id" not in message  # the signed URL is a credential: never in messages
    assert len(seen) == 1  # 4xx and bad bytes are not retried


def test_a_pdf_download_is_retried_after_a_5xx() -> None:
    transport, seen = storage(httpx.Response(503), httpx.Response(200, content=PDF))

    pdf = fetch_dossier_pdf(FakeGraphQL(pdf_file()), 42, transport=transport)

    assert pdf is not None and len(seen) == 2


def test_an_unreachable_pdf_is_a_file_error() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    with pytest.raises(DSFileError, match="ask for the dossier again"):
        fetch_dossier_pdf(
            FakeGraphQL(pdf_file()), 42, max_attempts=1, transport=httpx.MockTransport(down)
        )


def test_a_missing_dossier_is_not_found() -> None:
    class NoDossier:
        def execute(self, document_name: str, variables: dict | None = None) -> dict:
            return {"dossier": None}

    with pytest.raises(DSNotFoundError, match="number=42"):
        fetch_dossier_pdf(NoDossier(), 42)
