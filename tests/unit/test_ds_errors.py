"""Every way DS can fail maps to the right typed exception, with a message that helps."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable

import httpx
import pytest
from pydantic import SecretStr

from connectors.ds import (
    NOT_IDEMPOTENT,
    DSAuthenticationError,
    DSClient,
    DSError,
    DSForbiddenError,
    DSGraphQLError,
    DSHTTPError,
    DSInternalError,
    DSNetworkError,
    DSNotFoundError,
    DSPayloadError,
    DSProtocolError,
    DSQueryTimeoutError,
    DSServerError,
    DSTransport,
    DSUnauthorizedError,
    RateLimiter,
    payload_error,
    raise_for_status,
)
from tests.unit.ds_fakes import API_URL, FakeTime

OK = {"data": {"dossier": {"id": "RG9zc2llci00Mg==", "number": 42}}}


class Scripted:
    """A mock DS answering the scripted responses in turn (the last one repeats)."""

    def __init__(self, *answers: httpx.Response | Exception | Callable[[], httpx.Response]):
        self.answers = list(answers)
        self.calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        answer = self.answers[min(self.calls, len(self.answers) - 1)]
        self.calls += 1
        if isinstance(answer, Exception):
            raise answer
        return answer() if callable(answer) else answer


@pytest.fixture
def token() -> str:
    return f"secret-{uuid.uuid4()}"


@pytest.fixture
def time_() -> FakeTime:
    return FakeTime()


def make_client(handler: Scripted, token: str, time_: FakeTime, **kwargs) -> DSClient:
    return DSClient(
        API_URL,
        token,
        transport=httpx.MockTransport(handler),
        sleep=time_.sleep,
        clock=time_.clock,
        **kwargs,
    )


def get_dossier(client: DSClient) -> dict:
    return client.execute("dossier", {"number": 42})


def graphql_errors(code: str | None, message: str = "boom", data: dict | None = None) -> dict:
    error: dict = {"message": message}
    if code is not None:
        error["extensions"] = {"code": code}
    return {"data": data, "errors": [error]}


@pytest.mark.parametrize(
    ("status", "expected", "advice"),
    [
        (401, DSAuthenticationError, "create a new one in DS > Mon profil > Jetons"),
        (403, DSForbiddenError, "IP networks"),
        (400, DSHTTPError, "check the API URL"),
        (404, DSHTTPError, "check the API URL"),
    ],
)
def test_http_4xx_maps_to_typed_error_and_is_not_retried(
    status: int, expected: type[DSHTTPError], advice: str, token: str, time_: FakeTime
) -> None:
    handler = Scripted(httpx.Response(status, text="Token expired"))
    with make_client(handler, token, time_) as client, pytest.raises(DSHTTPError) as caught:
        get_dossier(client)

    assert type(caught.value) is expected
    assert caught.value.status_code == status
    message = str(caught.value)
    assert message.startswith("GetDossier (number=42)")
    assert advice in message
    assert "Token expired" in message  # DS's own words are kept
    assert token not in message
    assert handler.calls == 1 and client.requests_sent == 1
    assert time_.sleeps == []


def test_401_message_names_the_setting_to_change(token: str, time_: FakeTime) -> None:
    handler = Scripted(httpx.Response(401, text="Token expired"))
    with make_client(handler, token, time_) as client, pytest.raises(DSAuthenticationError) as e:
        get_dossier(client)
    assert "token expired or unknown" in str(e.value)
    assert "EIG_DS_API_TOKEN" in str(e.value)


def test_http_error_with_a_json_graphql_body_still_maps_by_status(
    token: str, time_: FakeTime
) -> None:
    handler = Scripted(httpx.Response(403, json=graphql_errors("forbidden", "Forbidden network")))
    with make_client(handler, token, time_) as client, pytest.raises(DSForbiddenError):
        get_dossier(client)


def test_redirect_tells_the_new_address(token: str, time_: FakeTime) -> None:
    new = "https://demarche.numerique.gouv.fr/api/v2/graphql"
    handler = Scripted(httpx.Response(308, headers={"Location": new}))
    with make_client(handler, token, time_) as client, pytest.raises(DSHTTPError) as caught:
        get_dossier(client)
    assert caught.value.status_code == 308
    assert new in str(caught.value)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_retried_then_raises_server_error(status: int, token: str, time_: FakeTime) -> None:
    handler = Scripted(httpx.Response(status, text="Service Unavailable"))
    with make_client(handler, token, time_, max_attempts=3) as client:
        with pytest.raises(DSServerError) as caught:
            get_dossier(client)
        assert client.requests_sent == 3

    assert handler.calls == 3
    assert caught.value.status_code == status
    assert "GetDossier (number=42)" in str(caught.value)
    assert "re-run later" in str(caught.value)
    assert len(time_.sleeps) == 2  # between attempts only


def test_5xx_then_success_returns_data_with_growing_jittered_backoff(
    token: str, time_: FakeTime
) -> None:
    handler = Scripted(
        httpx.Response(502), httpx.Response(503), httpx.Response(500), httpx.Response(200, json=OK)
    )
    with make_client(handler, token, time_) as client:
        assert get_dossier(client) == OK["data"]
        assert client.requests_sent == 4

    first, second, third = time_.sleeps
    # wait_exponential_jitter(initial=1, jitter=1): 1, 2, 4 seconds plus up to 1 s of jitter
    assert 1 <= first <= 2 and 2 <= second <= 3 and 4 <= third <= 5


def test_network_errors_are_retried_then_succeed(token: str, time_: FakeTime) -> None:
    handler = Scripted(
        httpx.ConnectError("connection refused"),
        httpx.ReadTimeout("read timed out"),
        httpx.Response(200, json=OK),
    )
    with make_client(handler, token, time_) as client:
        assert get_dossier(client) == OK["data"]
    assert handler.calls == 3


def test_network_errors_are_bounded_then_raise_network_error(token: str, time_: FakeTime) -> None:
    handler = Scripted(httpx.ConnectError("Name or service not known"))
    client = make_client(handler, token, time_, max_attempts=4)
    with client, pytest.raises(DSNetworkError) as caught:
        get_dossier(client)

    assert handler.calls == 4
    assert caught.value.attempts == 4
    message = str(caught.value)
    assert message.startswith("GetDossier (number=42)")
    assert "Name or service not known" in message
    assert "check the network" in message
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


@pytest.mark.parametrize(
    ("code", "expected", "advice"),
    [
        ("not_found", DSNotFoundError, "check the number"),
        ("unauthorized", DSUnauthorizedError, "administrateur of the démarche"),
        ("timeout", DSQueryTimeoutError, "smaller pages"),
        ("internal_server_error", DSInternalError, "re-run later"),
        ("something_new", DSGraphQLError, "test_contract.py"),
        (None, DSGraphQLError, "test_contract.py"),
    ],
)
def test_graphql_error_codes_map_to_typed_errors(
    code: str | None, expected: type[DSGraphQLError], advice: str, token: str, time_: FakeTime
) -> None:
    partial = {"dossier": None}
    body = graphql_errors(code, "Dossier not found", data=partial)
    handler = Scripted(httpx.Response(200, json=body))
    with make_client(handler, token, time_) as client, pytest.raises(DSGraphQLError) as caught:
        get_dossier(client)

    assert type(caught.value) is expected
    assert caught.value.code == code
    assert caught.value.errors == body["errors"]
    assert caught.value.data == partial
    message = str(caught.value)
    assert message.startswith("GetDossier (number=42)")
    assert "Dossier not found" in message and advice in message
    assert handler.calls == 1  # GraphQL errors are answers, not failures to retry


def test_timeout_error_carries_the_partial_data(token: str, time_: FakeTime) -> None:
    partial = {"demarche": {"id": "x", "dossiers": None}}
    handler = Scripted(httpx.Response(200, json=graphql_errors("timeout", "Timeout", partial)))
    with make_client(handler, token, time_) as client, pytest.raises(DSQueryTimeoutError) as e:
        client.execute("sync_demarche", {"number": 7, "first": 100})
    assert e.value.data == partial
    assert "SyncDemarche (number=7, first=100)" in str(e.value)


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, text="<html>maintenance</html>"),
        httpx.Response(200, json={"unexpected": True}),
    ],
)
def test_an_answer_that_is_not_graphql_raises_protocol_error(
    response: httpx.Response, token: str, time_: FakeTime
) -> None:
    client = make_client(Scripted(response), token, time_)
    with client, pytest.raises(DSProtocolError) as caught:
        get_dossier(client)
    assert "/api/v2/graphql" in str(caught.value)


def test_every_error_is_a_ds_error_and_nothing_logs_the_token(
    token: str, time_: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    answers = [
        httpx.Response(401),
        httpx.Response(429, headers={"RateLimit-Reset": str(int(time_.now) + 5)}),
        httpx.Response(500),
        httpx.ConnectError("down"),
        httpx.Response(200, json=graphql_errors("unauthorized")),
    ]
    for answer in answers:
        with make_client(Scripted(answer), token, time_, max_attempts=2) as client:
            with pytest.raises(DSError) as caught:
                get_dossier(client)
            assert token not in str(caught.value)
            assert token not in repr(client)
    assert caplog.records  # retries and waits were logged...
    assert all(token not in record.getMessage() for record in caplog.records)  # ...not the token


@pytest.mark.parametrize("as_secret", [False, True])
def test_the_token_is_sent_as_a_bearer_header(as_secret: bool, token: str, time_: FakeTime) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=OK)

    secret = SecretStr(token) if as_secret else token
    client = DSClient(API_URL, secret, transport=httpx.MockTransport(handler), clock=time_.clock)
    assert token not in repr(client)
    with client:
        get_dossier(client)
    (request,) = seen
    assert request.headers["Authorization"] == f"Bearer {token}"
    body = json.loads(request.content)
    assert body["operationName"] == "GetDossier" and body["variables"] == {"number": 42}


def test_a_request_marked_not_idempotent_is_not_retried_once_it_may_have_reached_ds(
    token: str, time_: FakeTime
) -> None:
    def transport(handler: Scripted) -> httpx.Client:
        return httpx.Client(
            transport=DSTransport(
                httpx.MockTransport(handler),
                limiter=RateLimiter(100),
                sleep=time_.sleep,
                clock=time_.clock,
            )
        )

    extensions = {NOT_IDEMPOTENT: True}
    server_error = Scripted(httpx.Response(502), httpx.Response(200))
    with transport(server_error) as http:
        assert http.post(API_URL, extensions=extensions).status_code == 502
    assert server_error.calls == 1

    read_timeout = Scripted(httpx.ReadTimeout("timed out"), httpx.Response(200))
    with transport(read_timeout) as http, pytest.raises(DSNetworkError):
        http.post(API_URL, extensions=extensions)
    assert read_timeout.calls == 1

    refused = Scripted(httpx.ConnectError("refused"), httpx.Response(200))  # never reached DS
    with transport(refused) as http:
        assert http.post(API_URL, extensions=extensions).status_code == 200
    assert refused.calls == 2


def test_an_empty_token_is_refused_with_the_setting_to_fill() -> None:
    with pytest.raises(ValueError, match="EIG_DS_API_TOKEN"):
        DSClient(API_URL, SecretStr(""))


def test_raise_for_status_maps_rest_answers() -> None:
    request = httpx.Request("POST", "https://ds.test/api/public/v1/demarches/1/dossiers")
    raise_for_status(httpx.Response(201, request=request), "prefill")  # success: no error
    with pytest.raises(DSServerError) as caught:
        raise_for_status(httpx.Response(503, request=request), "prefill (démarche 1)")
    assert str(caught.value).startswith("prefill (démarche 1)")


def test_payload_error_names_the_mutation_and_ds_messages() -> None:
    error = payload_error(
        "dossierAccepter",
        [{"message": "Le jeton utilisé est configuré seulement en lecture"}],
        "AccepterDossier (dossierId=RG9z)",
    )
    assert isinstance(error, DSPayloadError) and isinstance(error, DSError)
    assert error.mutation == "dossierAccepter"
    assert error.messages == ["Le jeton utilisé est configuré seulement en lecture"]
    assert "dossierAccepter" in str(error) and "seulement en lecture" in str(error)
    assert "read-only token" in str(error)
