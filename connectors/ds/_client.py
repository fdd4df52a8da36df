"""`DSClient`: runs the connector's GraphQL documents against DS (gql's sync client over
httpx, through `DSTransport`) and turns every failure into a typed `DSError`."""

from __future__ import annotations

import functools
import os
import ssl
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import httpx
import orjson
from gql import Client, GraphQLRequest
from gql.transport.exceptions import (
    TransportConnectionFailed,
    TransportError,
    TransportQueryError,
    TransportServerError,
)
from gql.transport.httpx import HTTPXTransport
from graphql import ExecutionResult
from pydantic import SecretStr

from ._documents import Document, load_document
from ._error_mapping import describe_operation, error_for_graphql, error_for_status
from ._exceptions import DSBudgetError, DSError, DSNetworkError, DSProtocolError
from ._rate_limit import (
    DS_REQUESTS_PER_MINUTE,
    DS_WINDOW_SECONDS,
    Clock,
    SharedBudget,
    Sleep,
    limiter_for_token,
)
from ._transport import NOT_IDEMPOTENT, DSTransport

_EXCERPT = 300


class DSClient:
    """A connection to the DS GraphQL API with one token.

    Every request waits for the token's process-wide rate limiter and, when a `budget`
    is given, for the budget the token shares with other processes (`SharedBudget`: the
    pipeline passes one kept in the store); it waits out HTTP 429 until DS's announced
    reset (pausing the shared budget too), and is retried on 5xx and network errors. Use
    it as a context manager (or call `close`). Not meant to be shared between threads;
    the rate limit is shared anyway.

    `requests_per_minute` is counted per `window_seconds` (DS: 60; tests use shorter).
    """

    def __init__(
        self,
        api_url: str,
        token: str | SecretStr,
        *,
        requests_per_minute: int = DS_REQUESTS_PER_MINUTE,
        window_seconds: float = DS_WINDOW_SECONDS,
        budget: SharedBudget | None = None,
        timeout: float = 60.0,
        max_attempts: int = 5,
        max_rate_limit_wait: float = 120.0,
        sleep: Sleep = time.sleep,
        clock: Clock = time.time,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        """`transport` replaces the network (tests pass an `httpx.MockTransport`)."""
        secret = token.get_secret_value() if isinstance(token, SecretStr) else token
        if not secret:
            raise ValueError("the DS API token is empty: set EIG_DS_API_TOKEN")
        self.api_url = api_url
        self._http = DSTransport(
            transport if transport is not None else httpx.HTTPTransport(
                verify=_tls_context(os.environ.get("SSL_CERT_FILE"),
                                    os.environ.get("SSL_CERT_DIR"))),
            limiter=limiter_for_token(secret, requests_per_minute, window_seconds),
            budget=budget,
            max_attempts=max_attempts,
            max_rate_limit_wait=max_rate_limit_wait,
            sleep=sleep,
            clock=clock,
        )
        self._gql = Client(
            transport=_GraphQLTransport(
                url=api_url,
                transport=self._http,
                headers={"Authorization": f"Bearer {secret}"},
                timeout=timeout,
                json_deserialize=orjson.loads,  # a DS page is ~1 MB of JSON: parse it fast
            ),
            fetch_schema_from_transport=False,
        )
        self._session = self._gql.connect_sync()
        # Uploads (PUT to DS's object storage) share the transport, hence the rate limit and
        # the request count, but not gql's client: no token goes to the storage host.
        self._uploads = httpx.Client(transport=_Borrowed(self._http), timeout=timeout)

    @property
    def requests_sent(self) -> int:
        """HTTP requests actually sent to DS by this client, retries included."""
        return self._http.requests_sent

    def execute(self, document_name: str, variables: dict[str, Any] | None = None) -> dict:
        """Run `queries/<document_name>.graphql` and return its `data`.

        Raises a `DSError` subclass: `DSNetworkError`, `DSProtocolError`, `DSHTTPError`
        (`DSAuthenticationError`, `DSForbiddenError`, `DSRateLimitError`, `DSServerError`)
        or `DSGraphQLError` (`DSNotFoundError`, `DSUnauthorizedError`,
        `DSQueryTimeoutError`, `DSInternalError`).
        """
        document = load_document(document_name)
        request = _PreparedRequest(document, variables)
        extra = {"extensions": {NOT_IDEMPOTENT: True}} if document.is_mutation else None
        try:
            result: ExecutionResult = self._session.execute(
                request, get_execution_result=True, extra_args=extra
            )
        except TransportError as exc:
            context = describe_operation(document.operation_name, variables)
            # Chain to what really failed: for a network error, the httpx exception
            # under DSTransport's DSNetworkError under gql's wrapper.
            origin = exc.__cause__ if isinstance(exc.__cause__, DSNetworkError) else None
            raise self._error(exc, context) from (origin.__cause__ if origin else exc)
        except AssertionError as exc:  # gql's check of an answer with neither data nor errors
            context = describe_operation(document.operation_name, variables)
            raise DSProtocolError(f"{context}: DS answered no data and no errors") from exc
        return result.data or {}

    def put_upload(self, url: str, headers: Mapping[str, str], content: bytes) -> httpx.Response:
        """PUT `content` to a direct-upload `url` (from `createDirectUpload`) with DS's
        `headers`, and return the answer, read, whatever its status (`upload_file` maps it).

        Goes through this client's transport (rate-limited, counted) as NOT_IDEMPOTENT:
        never retried after a 5xx or a read timeout, only when it surely was not sent. The
        DS token is not sent: the URL is signed and points at another host. Raises
        `DSNetworkError` when the storage cannot be reached.
        """
        response = self._uploads.put(
            url, headers=dict(headers), content=content, extensions={NOT_IDEMPOTENT: True}
        )
        response.read()
        return response

    def close(self) -> None:
        self._uploads.close()
        self._gql.close_sync()

    def __enter__(self) -> DSClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"DSClient({self.api_url!r}, token=SecretStr('**********'))"

    @staticmethod
    def _error(exc: TransportError, context: str) -> DSError:
        if isinstance(exc, TransportQueryError):
            return error_for_graphql(list(exc.errors or []), exc.data, context)
        if isinstance(exc, _HTTPStatusError):
            return error_for_status(exc.response, context)
        if isinstance(exc, TransportConnectionFailed):
            cause = exc.__cause__
            if isinstance(cause, DSBudgetError):  # nothing was sent
                return DSBudgetError(f"{context} : {cause}")
            if isinstance(cause, DSNetworkError):  # raised by DSTransport, wrapped by gql
                return DSNetworkError(f"{context}: {cause}", attempts=cause.attempts)
            return DSNetworkError(
                f"{context}: DS unreachable ({exc}): check the network", attempts=1
            )
        # TransportProtocolError, or a TransportServerError raised by gql itself.
        return DSProtocolError(
            f"{context}: DS's answer is not GraphQL ({str(exc)[:_EXCERPT]}): check the API URL "
            "(it must end with /api/v2/graphql)"
        )


class _PreparedRequest(GraphQLRequest):
    """A request whose query text was printed once per process (`Document.query`) rather
    than on every request, as gql's `GraphQLRequest.payload` does."""

    def __init__(self, document: Document, variables: dict[str, Any] | None) -> None:
        super().__init__(
            document.node, variable_values=variables, operation_name=document.operation_name
        )
        self._query = document.query

    @property
    def payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"query": self._query, "operationName": self.operation_name}
        if self.variable_values:
            payload["variables"] = self.variable_values
        return payload


class _HTTPStatusError(TransportServerError):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}", response.status_code)
        self.response = response


@functools.lru_cache(maxsize=4)
def _tls_context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    """httpx's default TLS context (certifi, or SSL_CERT_FILE / SSL_CERT_DIR), built once
    per process: loading the CA bundle costs ~20 ms, and the flows open a client per run
    and per thread (bench/simulate.py: 45 s of a season went there)."""
    return httpx.create_ssl_context()


class _GraphQLTransport(HTTPXTransport):
    """gql's httpx transport, except that any HTTP error status is reported as such, with
    the response, even when its body is JSON."""

    def _prepare_result(self, response: httpx.Response) -> ExecutionResult:
        if response.status_code >= 300:
            response.read()
            raise _HTTPStatusError(response)
        return super()._prepare_result(response)


class _Borrowed(httpx.BaseTransport):
    """A transport lent to a second httpx client: closing that client leaves it open for
    its owner (gql's client closes it)."""

    def __init__(self, transport: httpx.BaseTransport) -> None:
        self._transport = transport

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._transport.handle_request(request)

    def close(self) -> None:
        pass
