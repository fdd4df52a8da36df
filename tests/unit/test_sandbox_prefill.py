"""The sandbox's prefill API and dossier PDFs, as DS serves them: request rules, value
coercion, brouillons invisible to GraphQL until submitted, one-hour signed PDF URLs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from connectors.ds_sandbox import (
    DEFAULT_TOKEN,
    EVALUATIONS,
    PROJETS,
    Sandbox,
    SandboxState,
    UnknownDossier,
    generate,
    md5_base64,
    render_pdf,
    running_sandbox,
    typed_id,
)
from connectors.ds_sandbox.pdf import dossier_pdf, sign, verify
from connectors.ds_sandbox.prefill import IGNORED, coerce
from connectors.ds_sandbox.testing import FakeClock, query_document

SYNC = query_document("sync_demarche")
GET_DOSSIER = query_document("dossier")
DOSSIER_PDF = query_document("dossier_pdf")
LONG_AGO = "2000-01-01T00:00:00+00:00"
CHAMPS = {d.key: d for d in EVALUATIONS.champs}
PREFILL = f"/api/public/v1/demarches/{EVALUATIONS.number}/dossiers"
JSON = {"Content-Type": "application/json"}


class RateClock:
    def __init__(self, now: float = 1_700_000_000.5) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sandbox(clock: FakeClock) -> Sandbox:
    box = Sandbox(SandboxState(now=clock))
    generate(box.state, projets=5, candidats=3, evaluations=4, seed=2)
    return box


@pytest.fixture
def http(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with running_sandbox(sandbox) as url, httpx.Client(base_url=url) as client:
        yield client


def champ(key: str) -> str:
    return f"champ_{CHAMPS[key].id}"


def graphql(sandbox: Sandbox, query: str, **variables: Any) -> dict[str, Any]:
    return sandbox.execute(query, variables)


def evaluations_stream(sandbox: Sandbox) -> set[int]:
    data = graphql(sandbox, SYNC, number=EVALUATIONS.number, first=100, withRevision=False,
                   withDossiers=True, updatedSince=LONG_AGO, dossiersAfter=None,
                   withPendingDeleted=True, withDeleted=True)["data"]["demarche"]
    return ({n["number"] for n in data["dossiers"]["nodes"]}
            | {n["number"] for n in data["pendingDeletedDossiers"]["nodes"]}
            | {n["number"] for n in data["deletedDossiers"]["nodes"]})


# -- the HTTP rules -------------------------------------------------------------------------


def test_a_prefill_answers_201_with_the_link_and_the_typed_id(sandbox, http):
    response = http.post(PREFILL, json={champ("dossier_evalue"): 7, champ("nature"): "audition"})

    assert response.status_code == 201
    body = response.json()
    assert body["state"] == "prefilled"
    number = body["dossier_number"]
    assert body["dossier_id"] == typed_id("Dossier", number)
    base = re.escape(str(http.base_url).rstrip("/"))
    assert re.fullmatch(rf"{base}/commencer/evaluations\?prefill_token=[\w-]+",
                        body["dossier_url"])
    record = sandbox.state.prefilled_by_url(body["dossier_url"])
    assert record.number == number and record.token == body["dossier_prefill_token"]
    assert record.values == {CHAMPS["dossier_evalue"].id: 7, CHAMPS["nature"].id: "audition"}


@pytest.mark.parametrize("content_type", [
    "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded",
])
def test_the_content_type_must_be_exactly_json(sandbox, http, content_type):
    response = http.post(PREFILL, content=b'{}', headers={"Content-Type": content_type})

    assert response.status_code == 400
    assert response.json() == {"error": "Content-Type should be json"}
    assert sandbox.state.prefilled_dossiers() == []


@pytest.mark.parametrize("body", [b"[1, 2]", b'"text"', b"{not json"])
def test_the_body_must_be_a_json_object(http, body):
    response = http.post(PREFILL, content=body, headers=JSON)
    assert response.status_code == 400
    assert "error" in response.json()


def test_an_unknown_or_closed_demarche_is_not_found(sandbox, http):
    unknown = http.post("/api/public/v1/demarches/999/dossiers", json={})
    sandbox.state.demarches[PROJETS.number].state = "close"
    closed = http.post(f"/api/public/v1/demarches/{PROJETS.number}/dossiers", json={})

    assert (unknown.status_code, unknown.json()) == (
        404, {"error": "procedure 999 is not found"})
    assert closed.status_code == 404


def test_unknown_keys_and_unfit_values_are_ignored_and_kept_for_inspection(sandbox, http):
    sent = {
        champ("dossier_evalue"): "12",
        champ("nature"): "pas une option",
        champ("note_probleme_avere"): "quatre",
        champ("commentaire"): "",
        "champ_Q2hhbXAtOTk5OQ==": "inconnu",
        "identite_nom": "Lovelace",
        champ("evaluateur_email"): "eva@numerique.gouv.fr",
    }
    assert http.post(PREFILL, json=sent).status_code == 201

    (record,) = sandbox.state.prefilled_dossiers(EVALUATIONS.number)
    assert record.values == {CHAMPS["dossier_evalue"].id: 12,
                             CHAMPS["evaluateur_email"].id: "eva@numerique.gouv.fr"}
    assert set(record.ignored_keys) == {
        champ("nature"), champ("note_probleme_avere"), champ("commentaire"),
        "champ_Q2hhbXAtOTk5OQ==", "identite_nom"}


@pytest.mark.parametrize(("key", "value", "kept"), [
    ("dossier_evalue", 3, 3),
    ("dossier_evalue", "42", 42),
    ("dossier_evalue", 4.0, 4),
    ("dossier_evalue", "4.5", None),
    ("dossier_evalue", True, None),
    ("jeton", "abc", "abc"),
    ("jeton", 12, "12"),
    ("jeton", ["a"], None),
    ("nature", "déclin", "déclin"),
    ("nature", "Déclin", None),
    ("evaluateur_email", "a@b.fr", "a@b.fr"),
    ("commentaire", None, None),
])
def test_values_are_coerced_by_champ_type(key, value, kept):
    result = coerce(CHAMPS[key], value)
    if kept is None:
        assert result is IGNORED
    else:
        assert result == kept and type(result) is type(kept)


def test_the_prefill_limit_is_per_ip_in_fixed_windows(sandbox):
    rate = RateClock()
    box = Sandbox(sandbox.state, prefill_requests_per_window=2, prefill_window_seconds=15,
                  rate_clock=rate)
    with running_sandbox(box) as url, httpx.Client(base_url=url) as client:
        statuses = [client.post(PREFILL, json={}).status_code for _ in range(3)]
        limited = client.post(PREFILL, json={})
        graphql_ok = client.post("/api/v2/graphql", json={
            "query": GET_DOSSIER, "variables": {"number": 1}},
            headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"})
        rate.now += 15
        next_window = client.post(PREFILL, json={})

    assert statuses == [201, 201, 429]
    assert limited.status_code == 429
    assert limited.headers["content-type"].startswith("text/plain")
    assert limited.headers["RateLimit-Reset"] == "1700000010"  # end of the aligned window
    assert "Retry-After" not in limited.headers
    assert graphql_ok.status_code == 200  # a budget of its own
    assert next_window.status_code == 201
    assert box.prefill_stats.count(status=429) == 2
    assert len(box.state.prefilled_dossiers()) == 3


# -- brouillons until submitted -------------------------------------------------------------


def test_a_prefilled_dossier_is_invisible_to_every_query_until_submitted(sandbox, clock):
    before = evaluations_stream(sandbox)
    record = sandbox.state.add_prefilled(EVALUATIONS.number, {CHAMPS["nature"].id: "audition"})

    missing = graphql(sandbox, GET_DOSSIER, number=record.number)
    assert missing["data"] is None
    assert missing["errors"][0]["extensions"]["code"] == "not_found"
    assert evaluations_stream(sandbox) == before
    assert record.number not in sandbox.state.numbers(EVALUATIONS.number)
    with pytest.raises(UnknownDossier):
        sandbox.state.touch(record.number)
    with pytest.raises(ValueError, match="already exists"):
        sandbox.state.add_dossier(EVALUATIONS.number, number=record.number)

    clock.advance(minutes=5)
    submitted = sandbox.state.submit_prefilled(
        record.number, {"note_probleme_avere": 4, CHAMPS["commentaire"].id: "Solide"},
        email="eva@numerique.gouv.fr")

    assert evaluations_stream(sandbox) == before | {record.number}
    assert submitted.state == "en_construction"
    assert submitted.updated_at == max(u for u, _ in
                                       sandbox.state.demarches[EVALUATIONS.number].by_updated)
    dossier = graphql(sandbox, GET_DOSSIER, number=record.number)["data"]["dossier"]
    assert dossier["state"] == "en_construction"
    assert dossier["dateDepot"].startswith("2026-01-15T10:05")  # submitted now (Paris time)
    assert dossier["usager"]["email"] == "eva@numerique.gouv.fr"
    values = {c["label"]: c["stringValue"] for c in dossier["champs"]}
    assert values["Nature"] == "audition"
    assert values["Note : probleme_avere"] == "4"
    assert values["Commentaire"] == "Solide"
    assert values["Note : sponsoring"] == ""  # nothing generated for what was left empty
    assert sandbox.state.prefilled_dossiers() == []
    assert sandbox.state.prefilled_dossiers(pending_only=False) == [record]


def test_submitting_twice_or_an_unknown_champ_is_refused(sandbox):
    record = sandbox.state.add_prefilled(EVALUATIONS.number, {})
    with pytest.raises(ValueError, match="no champ"):
        sandbox.state.submit_prefilled(record.number, {"budget": 1})
    sandbox.state.submit_prefilled(record.number)
    with pytest.raises(ValueError, match="already submitted"):
        sandbox.state.submit_prefilled(record.number)
    with pytest.raises(UnknownDossier):
        sandbox.state.submit_prefilled(1)  # a generated dossier, not a prefilled one
    with pytest.raises(UnknownDossier):
        sandbox.state.prefilled_by_url("http://x/commencer/evaluations?prefill_token=nope")


def test_the_admin_api_lists_and_submits_prefilled_dossiers(sandbox, http):
    created = http.post(PREFILL, json={champ("nature"): "audition"}).json()

    listed = http.get("/_sandbox/prefilled", params={"demarche": EVALUATIONS.number}).json()
    submitted = http.post(f"/_sandbox/prefilled/{created['dossier_number']}/submit",
                          json={"values": {"commentaire": "Vu"}, "email": "e@x.fr"})
    again = http.post(f"/_sandbox/prefilled/{created['dossier_number']}/submit", json={})

    (entry,) = listed["prefilled"]
    assert entry["dossier_url"] == created["dossier_url"]
    assert entry["values"] == {CHAMPS["nature"].id: "audition"}
    assert submitted.status_code == 200 and submitted.json()["state"] == "en_construction"
    assert again.status_code == 400
    assert http.get("/_sandbox/prefilled").json() == {"prefilled": []}


def test_the_link_opens_a_read_only_page_of_the_values_escaped(http):
    created = http.post(PREFILL, json={champ("commentaire"): "<script>alert(1)</script>",
                                       champ("nature"): "audition"}).json()

    page = http.get(created["dossier_url"])
    unknown = http.get("/commencer/evaluations", params={"prefill_token": "nope"})

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "audition" in page.text and "Commentaire" in page.text
    assert "<script>" not in page.text and "&lt;script&gt;" in page.text
    assert unknown.status_code == 404


# -- Dossier.pdf ------------------------------------------------------------------------------


def pdf_of(sandbox: Sandbox, number: int) -> dict[str, Any] | None:
    result = graphql(sandbox, DOSSIER_PDF, number=number)
    assert "errors" not in result, result
    return result["data"]["dossier"]["pdf"]


def test_pdf_is_announced_like_ds_and_served_until_the_url_expires(sandbox, http, clock):
    sandbox.base_url = str(http.base_url).rstrip("/")
    file = pdf_of(sandbox, 1)

    assert file is not None
    assert (file["filename"], file["contentType"]) == ("dossier-1.pdf", "application/pdf")
    assert (file["byteSizeBigInt"], file["checksum"]) == ("0", "")  # as DS: rendered on GET
    assert file["url"].startswith(f"{sandbox.base_url}/api/v2/dossiers/pdf/")
    served = httpx.get(file["url"])
    assert served.status_code == 200
    assert served.headers["content-type"] == "application/pdf"
    assert served.content.startswith(b"%PDF-1.4")
    assert httpx.get(file["url"]).content == served.content  # deterministic

    clock.advance(minutes=59)
    assert httpx.get(file["url"]).status_code == 200
    clock.advance(minutes=1)
    expired = httpx.get(file["url"])
    assert (expired.status_code, expired.content) == (401, b"")  # DS: head :unauthorized
    forged = file["url"].replace("/pdf/", "/pdf/x")
    assert httpx.get(forged).status_code == 401


def test_pdf_checksums_and_availability_switches(sandbox):
    sandbox.pdf_checksums = True
    file = pdf_of(sandbox, 2)
    assert file is not None
    token = file["url"].rsplit("/", 1)[1]
    number = verify(token, sandbox.state.now().timestamp())
    assert number == 2
    content = dossier_pdf(sandbox.state, 2)
    assert file["byteSizeBigInt"] == str(len(content))
    assert file["checksum"] == md5_base64(content)

    sandbox.pdf_available = False
    assert pdf_of(sandbox, 2) is None


def test_a_pdf_url_of_a_deleted_dossier_is_refused(sandbox, http):
    sandbox.base_url = str(http.base_url).rstrip("/")
    file = pdf_of(sandbox, 3)
    assert file is not None
    sandbox.state.delete(3)
    assert httpx.get(file["url"]).status_code == 401


def test_signed_ids_expire_and_resist_tampering():
    signed = sign(42, expires=1_000)
    assert verify(signed, now=999.0) == 42
    assert verify(signed, now=1_000.0) is None
    payload, digest = signed.split("--")
    assert verify(sign(43, 1_000).split("--")[0] + "--" + digest, now=0) is None
    assert verify("garbage", now=0) is None


def test_the_pdf_is_well_formed():
    content = render_pdf(["Dossier n°7 — EIG (démo) \\ fin"])

    assert content.startswith(b"%PDF-1.4\n") and content.endswith(b"%%EOF\n")
    startxref = int(content.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert content[startxref:].startswith(b"xref\n0 6\n")
    entries = content[startxref:].split(b"\n")[3:8]
    for index, entry in enumerate(entries, start=1):
        offset = int(entry[:10])
        assert content[offset:].startswith(b"%d 0 obj\n" % index)
    stream_start = content.index(b"stream\n") + len(b"stream\n")
    length = int(re.search(rb"/Length (\d+)", content).group(1))  # type: ignore[union-attr]
    assert content[stream_start + length:].startswith(b"endstream")
    # WinAnsi octal escapes for °, — and é; PDF escapes for the parentheses and backslash
    assert b"(Dossier n\\2607 \\227 EIG \\(d\\351mo\\) \\\\ fin) Tj" in content
