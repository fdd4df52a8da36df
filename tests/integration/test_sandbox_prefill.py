"""The prefill client, prefill links and the dossier PDF download against the DS sandbox
over HTTP: an evaluation prefilled for an evaluator (through the API, or a link the
evaluator follows), invisible until submitted, then seen by a sync;
DS's request rules, the per-IP limit the client waits for, and PDF URLs that expire."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from connectors.ds import (
    DSClient,
    DSFileError,
    DSNotFoundError,
    PrefillClient,
    StreamPosition,
    fetch_dossier,
    fetch_dossier_pdf,
    fetch_sync_page,
    md5_base64,
    prefill_base_url,
    prefill_link,
)
from ds_sandbox import (
    DEFAULT_TOKEN,
    PROJETS,
    Sandbox,
    SandboxState,
    generate,
    running_sandbox,
)
from ds_sandbox.pdf import dossier_pdf
from ds_sandbox.testing import FakeClock
from settings.config import load_config
from settings.environment import PROJECT_ROOT

EVALUATIONS = load_config(PROJECT_ROOT / "config" / "eig.yaml").demarches["evaluations"]
IDS = {key: field.id for key, field in EVALUATIONS.fields.items()}
OFF = StreamPosition(False)


def api(url: str) -> str:
    return f"{url}/api/v2/graphql"


def champs_of(dossier: dict) -> dict[str, str]:
    """stringValue by champ descriptor id."""
    return {c["champDescriptorId"]: c["stringValue"] for c in dossier["champs"]}


def synced_numbers(ds: DSClient, since: datetime) -> set[int]:
    page = fetch_sync_page(
        ds,
        EVALUATIONS.number,
        dossiers=StreamPosition(True, since),
        pending_deleted=StreamPosition(True, since),
        deleted=StreamPosition(True, since),
    )
    streams = (page.dossiers, page.pending_deleted, page.deleted)
    return {node["number"] for stream in streams if stream for node in stream.nodes}


def test_a_prefilled_evaluation_is_invisible_until_submitted_then_synced(sandbox, sandbox_url):
    anchor = datetime.now(UTC) - timedelta(seconds=1)
    evaluated = sandbox.state.numbers(PROJETS.number)[0]
    with PrefillClient(prefill_base_url(api(sandbox_url))) as prefill:
        created = prefill.create(
            EVALUATIONS.number,
            {
                IDS["dossier_evalue"]: evaluated,
                IDS["jeton"]: "jeton-42",
                IDS["nature"]: "évaluation",
                IDS["evaluateur_email"]: "eva@numerique.gouv.fr",
            },
        )
    assert created.url.startswith(f"{sandbox_url}/commencer/")
    assert sandbox.state.prefilled_by_url(created.url).number == created.number

    with DSClient(api(sandbox_url), DEFAULT_TOKEN) as ds:
        with pytest.raises(DSNotFoundError):
            fetch_dossier(ds, created.number)
        assert created.number not in synced_numbers(ds, anchor)

        sandbox.state.submit_prefilled(
            created.number,
            {"note_probleme_avere": 4, "note_sponsoring": 5, "commentaire": "Défi solide"},
            email="eva@numerique.gouv.fr",
        )

        assert created.number in synced_numbers(ds, anchor)
        dossier = fetch_dossier(ds, created.number)
    assert dossier["id"] == created.id
    assert dossier["state"] == "en_construction"
    values = champs_of(dossier)
    assert values[IDS["dossier_evalue"]] == str(evaluated)
    assert values[IDS["jeton"]] == "jeton-42"
    assert values[IDS["nature"]] == "évaluation"
    assert values[IDS["evaluateur_email"]] == "eva@numerique.gouv.fr"
    assert values[IDS["note_probleme_avere"]] == "4"
    assert values[IDS["note_sponsoring"]] == "5"
    assert values[IDS["commentaire"]] == "Défi solide"
    assert values[IDS["note_probleme_majeur"]] == ""  # left empty by the evaluator
    assert sandbox.state.prefilled_dossiers(EVALUATIONS.number) == []


def test_a_link_prefilled_evaluation_is_started_submitted_then_synced(sandbox, sandbox_url):
    anchor = datetime.now(UTC) - timedelta(seconds=1)
    evaluated = sandbox.state.numbers(PROJETS.number)[0]
    url = prefill_link(prefill_base_url(api(sandbox_url)), "evaluations", {
        IDS["dossier_evalue"]: evaluated, IDS["jeton"]: "jeton-42",
        IDS["nature"]: "évaluation", IDS["evaluateur_email"]: "eva@numerique.gouv.fr",
        IDS["note_probleme_majeur"]: "beaucoup"})

    with httpx.Client() as browser:
        page = browser.get(url)
        started = browser.post(url)  # « Commencer la démarche »
    assert page.status_code == 200 and "Commencer la démarche" in page.text
    assert started.status_code == 303
    record = sandbox.state.prefilled_by_url(started.headers["location"])
    assert record.origin == "link"
    assert record.ignored_keys == (f"champ_{IDS['note_probleme_majeur']}",)

    with DSClient(api(sandbox_url), DEFAULT_TOKEN) as ds:
        assert record.number not in synced_numbers(ds, anchor)
        answer = httpx.post(f"{sandbox_url}/_sandbox/commencer", json={
            "url": url, "values": {"note_probleme_avere": 4, "commentaire": "Défi solide"},
            "submit": True, "email": "eva@numerique.gouv.fr"}).json()
        assert answer["submitted"] is True
        assert answer["number"] in synced_numbers(ds, anchor)
        assert record.number not in synced_numbers(ds, anchor)  # started, never submitted
        dossier = fetch_dossier(ds, answer["number"])
    values = champs_of(dossier)
    assert values[IDS["dossier_evalue"]] == str(evaluated)
    assert values[IDS["jeton"]] == "jeton-42"
    assert values[IDS["evaluateur_email"]] == "eva@numerique.gouv.fr"
    assert values[IDS["note_probleme_avere"]] == "4"
    assert values[IDS["note_probleme_majeur"]] == ""  # "beaucoup" was not a number
    assert sandbox.prefill_stats.count() == 0


def test_the_content_type_must_be_exactly_application_json(sandbox, sandbox_url):
    url = f"{sandbox_url}/api/public/v1/demarches/{EVALUATIONS.number}/dossiers"
    body = b'{"champ_%s": "audition"}' % IDS["nature"].encode()

    with_charset = httpx.post(
        url, content=body, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    exact = httpx.post(url, content=body, headers={"Content-Type": "application/json"})

    assert with_charset.status_code == 400
    assert with_charset.json() == {"error": "Content-Type should be json"}
    assert exact.status_code == 201
    assert [r.number for r in sandbox.state.prefilled_dossiers()] == [
        exact.json()["dossier_number"]
    ]


def test_unknown_keys_are_ignored(sandbox, sandbox_url):
    unknown = "Q2hhbXAtOTk5OQ=="  # "Champ-9999": no such champ
    with PrefillClient(sandbox_url) as prefill:
        created = prefill.create(
            EVALUATIONS.number, {unknown: "x", IDS["nature"]: "audition", IDS["jeton"]: "j"}
        )

    record = sandbox.state.prefilled_by_url(created.url)
    assert record.values == {IDS["nature"]: "audition", IDS["jeton"]: "j"}
    assert record.ignored_keys == (f"champ_{unknown}",)


class Recording(httpx.BaseTransport):
    """The network, noting when each request left and each 429's announced reset."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.sent: list[float] = []
        self.resets: list[tuple[int, float]] = []  # (index of the 429, its RateLimit-Reset)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(time.time())
        response = self.inner.handle_request(request)
        if response.status_code == 429:
            self.resets.append((len(self.sent) - 1, float(response.headers["RateLimit-Reset"])))
        return response

    def close(self) -> None:
        self.inner.close()


@pytest.mark.sandbox(prefill_requests_per_window=2, prefill_window_seconds=2.0)
def test_the_client_waits_out_a_429_until_the_announced_reset(sandbox, sandbox_url):
    network = Recording()
    # The client believes DS's default budget: the sandbox's smaller one answers 429.
    with PrefillClient(sandbox_url, transport=network) as prefill:
        numbers = [prefill.create(EVALUATIONS.number, {IDS["nature"]: "audition"}).number
                   for _ in range(5)]

    assert len(set(numbers)) == 5
    assert network.resets, "the sandbox never answered 429"
    assert sandbox.prefill_stats.count(status=429) == len(network.resets)
    for index, reset in network.resets:
        assert network.sent[index + 1] >= reset  # waited for the window to reset


@pytest.mark.sandbox(prefill_requests_per_window=2, prefill_window_seconds=2.0)
def test_a_client_that_knows_the_budget_waits_before_sending(sandbox, sandbox_url):
    started = time.monotonic()
    with PrefillClient(sandbox_url, requests_per_window=2, window_seconds=2.0) as prefill:
        for _ in range(5):
            prefill.create(EVALUATIONS.number, {IDS["nature"]: "audition"})
    elapsed = time.monotonic() - started

    assert sandbox.prefill_stats.count(status=201) == 5
    assert sandbox.prefill_stats.count(status=429) == 0
    assert elapsed >= 4.0  # 5 requests at 2 per 2 s: the 5th waits two whole windows


@pytest.mark.sandbox(pdf_checksums=True)
def test_the_dossier_pdf_is_downloaded_and_checked(sandbox, sandbox_url):
    number = sandbox.state.numbers(PROJETS.number)[0]
    with DSClient(api(sandbox_url), DEFAULT_TOKEN) as ds:
        pdf = fetch_dossier_pdf(ds, number)

    assert pdf is not None
    assert pdf.filename == f"dossier-{number}.pdf"
    assert pdf.content_type == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert md5_base64(pdf.content) == md5_base64(dossier_pdf(sandbox.state, number))


def test_a_pdf_announced_like_ds_without_checksum_downloads_too(sandbox, sandbox_url):
    number = sandbox.state.numbers(PROJETS.number)[1]
    with DSClient(api(sandbox_url), DEFAULT_TOKEN) as ds:
        pdf = fetch_dossier_pdf(ds, number)
    assert pdf is not None and pdf.content.startswith(b"%PDF")


@pytest.mark.sandbox(pdf_available=False)
def test_no_pdf_is_none(sandbox, sandbox_url):
    number = sandbox.state.numbers(PROJETS.number)[0]
    with DSClient(api(sandbox_url), DEFAULT_TOKEN) as ds:
        assert fetch_dossier_pdf(ds, number) is None


class LateBy(httpx.BaseTransport):
    """Downloads an hour and a minute after the URL was given (the sandbox's clock)."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.clock.advance(minutes=61)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def test_an_expired_pdf_url_is_a_file_error():
    clock = FakeClock()
    sandbox = Sandbox(SandboxState(now=clock))
    generate(sandbox.state, projets=3, candidats=0, evaluations=0, seed=1)
    number = sandbox.state.numbers(PROJETS.number)[0]
    with running_sandbox(sandbox) as url, DSClient(api(url), DEFAULT_TOKEN) as ds:
        assert fetch_dossier_pdf(ds, number) is not None  # in time
        with pytest.raises(DSFileError, match="URLs expire after one hour") as caught:
            fetch_dossier_pdf(ds, number, transport=LateBy(clock))

    assert caught.value.status_code == 401
