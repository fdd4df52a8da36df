"""The sandbox's prefill API, prefill links and dossier PDFs, as DS serves them: request
rules, value coercion, brouillons invisible to GraphQL until submitted, the start page of a
prefill link, one-hour signed PDF URLs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import pytest

from ds_sandbox import (
    DEFAULT_TOKEN,
    EVALUATIONS,
    PROJETS,
    Sandbox,
    SandboxState,
    UnknownDemarche,
    UnknownDossier,
    generate,
    md5_base64,
    prefill_url,
    running_sandbox,
    typed_id,
)
from ds_sandbox.pdf import dossier_pdf, sign, verify
from ds_sandbox.prefill import IGNORED, coerce
from ds_sandbox.testing import FakeClock
from tests.ds_documents import query_document

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
    ("commentaire", "   ", None),  # blank, as Rails' present? sees it
    ("commentaire", " texte ", " texte "),
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


# -- prefill by link: GET /commencer/<path>?champ_<id>=<value> ------------------------------


def link(path: str = "evaluations", pairs: list[tuple[str, str]] | None = None) -> str:
    return f"/commencer/{path}?" + urlencode(pairs or [], quote_via=quote)


def test_a_link_shows_the_demarche_and_its_values_and_creates_nothing(sandbox, http):
    url = link(pairs=[(champ("dossier_evalue"), "12"), (champ("nature"), "déclin"),
                      (champ("commentaire"), "<b>gras</b>")])

    page = http.get(url)

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "EIG — Grille d&#x27;évaluation" in page.text
    assert "Numéro du dossier évalué</th><td>12<" in page.text
    assert "déclin" in page.text and "&lt;b&gt;gras&lt;/b&gt;" in page.text
    assert "<b>" not in page.text
    assert '<form method="post"' in page.text and "Commencer la démarche" in page.text
    assert sandbox.state.prefilled_dossiers() == []
    assert sandbox.prefill_stats.count() == 0  # a page, not the prefill API


def test_starting_from_a_link_keeps_what_the_prefill_api_keeps(sandbox, http):
    sent = {champ("dossier_evalue"): "42", champ("jeton"): "7.abc-_",
            champ("nature"): "pas une option", champ("note_probleme_avere"): "quatre",
            champ("commentaire"): "  ", "champ_Q2hhbXAtOTk5OQ==": "inconnu",
            champ("evaluateur_email"): "eva@numerique.gouv.fr"}
    started = http.post(link(pairs=list(sent.items())))
    api = http.post(PREFILL, json=sent).json()

    assert started.status_code == 303
    (from_link, from_api) = sorted(sandbox.state.prefilled_dossiers(),
                                   key=lambda r: r.origin == "api")
    assert started.headers["location"] == prefill_url(sandbox, from_link)
    assert from_link.origin == "link" and from_api.number == api["dossier_number"]
    assert from_link.values == from_api.values == {
        CHAMPS["dossier_evalue"].id: 42, CHAMPS["jeton"].id: "7.abc-_",
        CHAMPS["evaluateur_email"].id: "eva@numerique.gouv.fr"}
    assert set(from_link.ignored_keys) == set(from_api.ignored_keys) == {
        champ("nature"), champ("note_probleme_avere"), champ("commentaire"),
        "champ_Q2hhbXAtOTk5OQ=="}
    assert http.get(started.headers["location"]).status_code == 200  # its brouillon's page


def test_each_start_is_a_new_brouillon_and_links_have_no_rate_limit(sandbox):
    rate = RateClock()
    box = Sandbox(sandbox.state, prefill_requests_per_window=1, prefill_window_seconds=15,
                  rate_clock=rate)
    url = link(pairs=[(champ("nature"), "audition")])
    with running_sandbox(box) as base, httpx.Client(base_url=base) as client:
        statuses = [client.get(url).status_code for _ in range(5)]
        statuses += [client.post(url).status_code for _ in range(5)]

    assert statuses == [200] * 5 + [303] * 5
    assert len({r.number for r in box.state.prefilled_dossiers()}) == 5
    assert box.prefill_stats.count() == 0


def test_an_unknown_or_closed_demarche_path_is_a_404_page(sandbox, http):
    unknown = http.get(link("grille-inconnue", [(champ("nature"), "audition")]))
    unknown_start = http.post(link("grille-inconnue", [(champ("nature"), "audition")]))
    sandbox.state.demarches[EVALUATIONS.number].state = "close"
    closed = http.get(link(pairs=[(champ("nature"), "audition")]))

    for page in (unknown, unknown_start, closed):
        assert page.status_code == 404
        assert page.headers["content-type"].startswith("text/html")
        assert "Démarche introuvable" in page.text
    assert sandbox.state.prefilled_dossiers() == []
    with pytest.raises(UnknownDemarche):
        sandbox.state.start_from_link("http://x/commencer/grille-inconnue?champ_a=1")
    with pytest.raises(UnknownDemarche):
        sandbox.state.read_link("http://x/ailleurs/evaluations?champ_a=1")


PROFILS_CHAMP = next(d for d in PROJETS.champs if d.key == "profils")


@pytest.mark.parametrize(("query", "kept"), [
    ("{k}[]=designer&{k}[]=juriste%20du%20num%C3%A9rique", ["designer", "juriste du numérique"]),
    ("{k}=designer", ["designer"]),
    ("{k}=designer&{k}=juriste%20du%20num%C3%A9rique", ["juriste du numérique"]),  # Rack: last
    ('{k}=%5B%22designer%22%2C%22juriste%20du%20num%C3%A9rique%22%5D',
     ["designer", "juriste du numérique"]),  # a JSON array in a string (DS's champ setter)
    ("{k}[]=designer&{k}[]=astronaute", None),  # one option not offered: all ignored (DS)
    ("{k}[]=", None),
    ("{k}=%5Bpas%20du%20json", None),
])
def test_a_multiple_drop_down_is_read_from_a_link_as_ds_reads_it(sandbox, query, kept):
    key = f"champ_{quote(PROFILS_CHAMP.id, safe='')}"
    read = sandbox.state.read_link(f"http://ds.test/commencer/projets?{query.format(k=key)}")

    assert read.demarche == PROJETS.number
    if kept is None:
        assert read.values == {} and read.ignored_keys == (f"champ_{PROFILS_CHAMP.id}",)
    else:
        assert read.values == {PROFILS_CHAMP.id: kept} and read.ignored_keys == ()


def test_the_admin_route_starts_and_submits_a_dossier_graphql_sees(sandbox, http):
    url = str(http.base_url).rstrip("/") + link(pairs=[
        (champ("dossier_evalue"), "3"), (champ("nature"), "évaluation"),
        (champ("jeton"), "9.sig"), (champ("note_probleme_avere"), "douze")])

    answer = http.post("/_sandbox/commencer", json={
        "url": url, "values": {CHAMPS["commentaire"].id: "Solide", "note_sponsoring": 4},
        "submit": True, "email": "eva@numerique.gouv.fr"})
    started_only = http.post("/_sandbox/commencer", json={"url": url})
    refused = http.post("/_sandbox/commencer", json={"url": url, "values": {"a": 1}})
    unknown = http.post("/_sandbox/commencer", json={"url": "http://x/commencer/nope"})

    assert answer.status_code == 200
    body = answer.json()
    assert body["submitted"] is True and body["origin"] == "link"
    assert body["ignored_keys"] == [champ("note_probleme_avere")]
    dossier = graphql(sandbox, GET_DOSSIER, number=body["number"])["data"]["dossier"]
    assert dossier["state"] == "en_construction"
    assert dossier["usager"]["email"] == "eva@numerique.gouv.fr"
    values = {c["label"]: c["stringValue"] for c in dossier["champs"]}
    assert values["Numéro du dossier évalué"] == "3"
    assert values["Nature"] == "évaluation"
    assert values["Jeton de l'évaluation (ne pas modifier)"] == "9.sig"
    assert values["Commentaire"] == "Solide" and values["Note : sponsoring"] == "4"
    assert values["Note : probleme_avere"] == ""
    assert started_only.status_code == 200 and started_only.json()["submitted"] is False
    assert graphql(sandbox, GET_DOSSIER, number=started_only.json()["number"])["data"] is None
    assert refused.status_code == 400
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
