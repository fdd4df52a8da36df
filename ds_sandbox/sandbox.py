"""The sandbox: state + tokens + rate limit + faults + stats, and DS's request semantics.

``Sandbox.handle`` turns one POST /api/v2/graphql into a response the way DS does
(rate limit first, then the token, then execution); server.py only adapts it to HTTP.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    GraphQLError,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    OperationType,
    execute_sync,
    parse,
    validate,
)
from graphql.utilities import get_operation_ast

from ds_sandbox.executor import execute_fast
from ds_sandbox.faults import AFTER_APPLY_KINDS, Fault, FaultQueue
from ds_sandbox.mutations import MutationLog
from ds_sandbox.payloads import PayloadBuilder
from ds_sandbox.ratelimit import FixedWindowRateLimiter, Quota
from ds_sandbox.schema import DEFAULT_BASE_URL, ResolveContext, executable_schema
from ds_sandbox.state import SandboxState
from ds_sandbox.stats import RequestEntry, RequestLog

try:  # a faster encoder when present (it comes with Prefect); the output is the same JSON
    import orjson

    def _dumps(payload: Any) -> bytes:
        return orjson.dumps(payload)
except ImportError:  # pragma: no cover
    def _dumps(payload: Any) -> bytes:
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()

DEFAULT_TOKEN = "sandbox-token"
"""The token a default sandbox accepts. Not a secret: it only opens the local sandbox."""

TokenAccess = Literal["ok", "read_only", "forbidden", "expired"]
Engine = Literal["fast", "graphql-core"]
_OPERATION_NAME = re.compile(r"^\s*(?:query|mutation)\s+([_A-Za-z][_0-9A-Za-z]*)", re.M)
NO_TOKEN_MESSAGE = "Without a token, only persisted queries are allowed"
EXPIRED_MESSAGE = "Token expired"
FORBIDDEN_MESSAGE = "Forbidden: this token cannot be used from this network"


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: bytes
    media_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection without any answer (status is then 0)


@dataclass(frozen=True, slots=True)
class _Prepared:
    document: DocumentNode | None
    errors: list[GraphQLError]
    syntax_error: bool = False


def _json_reply(status: int, payload: Any, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, _dumps(payload), headers=headers or {})


def _errors_reply(status: int, message: str, **extensions: Any) -> Reply:
    error: dict[str, Any] = {"message": message}
    if extensions:
        error["extensions"] = extensions
    return _json_reply(status, {"errors": [error], "data": None})


def rate_limited(quota: Quota) -> Reply:
    """DS's 429: plain text, RateLimit-Remaining 0 and an absolute RateLimit-Reset;
    no Retry-After."""
    return Reply(429, b"Retry later\n", "text/plain; charset=utf-8",
                 {"RateLimit-Remaining": "0", "RateLimit-Reset": str(quota.reset)})


class Sandbox:
    """A DS-compatible GraphQL service over an in-memory ``SandboxState``.

    ``tokens`` maps a bearer token to its access: "ok", "read_only" (queries work,
    every mutation gets DS's payload error), "forbidden" (403, like an IP-restricted
    token) or "expired" (401); a plain list of tokens means all "ok". Unknown tokens get
    401. Default: only DEFAULT_TOKEN.

    ``mutations`` logs every mutation executed (name, dossier, input, outcome);
    ``base_url`` is where direct upload, PDF and prefill URLs point (the HTTP server sets
    it to the URL it is reached at).

    The prefill API (prefill.py) has its own per-IP limit, ``prefill_requests_per_window``
    per ``prefill_window_seconds``, and its own ``prefill_stats``. ``pdf_available=False``
    makes ``Dossier.pdf`` null; ``pdf_checksums=True`` makes it announce the real size
    and MD5 (DS announces 0 and "": see pdf.py).
    """

    def __init__(
        self,
        state: SandboxState | None = None,
        *,
        tokens: Mapping[str, TokenAccess] | Iterable[str] | None = None,
        requests_per_window: int = 400,
        window_seconds: float = 60.0,
        rate_clock: Callable[[], float] = time.time,
        microsecond_timestamps: bool = False,
        payload_cache_size: int = 5_000,
        engine: Engine = "fast",
        prefill_requests_per_window: int = 15,
        prefill_window_seconds: float = 15.0,
        pdf_available: bool = True,
        pdf_checksums: bool = False,
    ) -> None:
        self.state = state if state is not None else SandboxState()
        if tokens is None:
            tokens = {DEFAULT_TOKEN: "ok"}
        self.tokens: dict[str, TokenAccess] = (
            dict(tokens) if isinstance(tokens, Mapping) else dict.fromkeys(tokens, "ok"))
        self.limiter = FixedWindowRateLimiter(requests_per_window, window_seconds, rate_clock)
        self.prefill_limiter = FixedWindowRateLimiter(
            prefill_requests_per_window, prefill_window_seconds, rate_clock)
        self.prefill_stats = RequestLog()
        self.pdf_available = pdf_available
        self.pdf_checksums = pdf_checksums
        self.faults = FaultQueue()
        self.stats = RequestLog(limiter=self.limiter)  # + per token: busiest window, 429s
        self.mutations = MutationLog()
        self.base_url = DEFAULT_BASE_URL
        self.payloads = PayloadBuilder(self.state, payload_cache_size, microsecond_timestamps)
        self.engine: Engine = engine
        self.schema = executable_schema()
        self._documents: OrderedDict[str, _Prepared] = OrderedDict()
        self._documents_lock = threading.Lock()

    # -- GraphQL without HTTP -----------------------------------------------------------

    def execute(self, query: str, variables: Mapping[str, Any] | None = None,
                operation_name: str | None = None, *, read_only: bool = False
                ) -> dict[str, Any]:
        """Run a document directly (no token, rate limit or faults); DS's JSON result."""
        return self._run(query, dict(variables or {}), operation_name,
                         write_access=not read_only)[1]

    def _prepare(self, query: str) -> _Prepared:
        with self._documents_lock:
            prepared = self._documents.get(query)
            if prepared is not None:
                self._documents.move_to_end(query)
                return prepared
        try:
            document = parse(query)
        except GraphQLSyntaxError as error:
            prepared = _Prepared(None, [error], syntax_error=True)
        else:
            prepared = _Prepared(document, validate(self.schema, document))
        with self._documents_lock:
            self._documents[query] = prepared
            if len(self._documents) > 256:
                self._documents.popitem(last=False)
        return prepared

    def _run(self, query: str, variables: dict[str, Any], operation_name: str | None, *,
             write_access: bool = True, token: str | None = None,
             base_url: str | None = None) -> tuple[int, dict[str, Any], DocumentNode | None]:
        prepared = self._prepare(query)
        if prepared.syntax_error:
            return 400, {"errors": [{"message": e.message} for e in prepared.errors],
                         "data": None}, None
        if prepared.errors:
            return 200, {"errors": [e.formatted for e in prepared.errors]}, None
        assert prepared.document is not None
        context = ResolveContext(self.state, self.payloads, write_access, self.mutations,
                                 token, operation_name, base_url or self.base_url,
                                 self.pdf_available, self.pdf_checksums)
        execute = execute_fast if self.engine == "fast" else execute_sync
        operation = get_operation_ast(prepared.document, operation_name)
        if operation is not None and operation.operation == OperationType.MUTATION:
            execute = execute_sync  # mutations are rare: graphql-core's executor
        result = execute(self.schema, prepared.document, variable_values=variables,
                         operation_name=operation_name, context_value=context)
        assert isinstance(result, ExecutionResult)
        return 200, result.formatted, prepared.document

    # -- HTTP semantics -----------------------------------------------------------------

    def handle(self, authorization: str | None, body: bytes,
               base_url: str | None = None) -> Reply:
        """One POST /api/v2/graphql: rate limit, token, faults, then execution.

        ``base_url``: the sandbox's own URL as the client reached it (for upload URLs)."""
        started = time.perf_counter()
        token = bearer_token(authorization)
        operation: str | None = None
        first: int | None = None
        fault: Fault | None = None
        try:
            request = json.loads(body or b"{}")
            if not isinstance(request, dict):
                raise ValueError("the body must be a JSON object")
            query = request.get("query") or ""
            variables = request.get("variables") or {}
            if isinstance(variables, str):
                variables = json.loads(variables) if variables else {}
            if not isinstance(query, str) or not isinstance(variables, dict):
                raise ValueError("query must be a string and variables an object")
        except ValueError as error:
            reply = _errors_reply(400, str(error))
        else:
            operation = request.get("operationName") or _operation_name(query)
            first = variables.get("first") if isinstance(variables.get("first"), int) else None
            reply, fault = self._reply(token, query, variables, operation, base_url)
        self.stats.record(RequestEntry(token, operation, reply.status, first,
                                       fault.kind if fault else None,
                                       time.perf_counter() - started))
        return reply

    def _reply(self, token: str | None, query: str, variables: dict[str, Any],
               operation: str | None, base_url: str | None = None
               ) -> tuple[Reply, Fault | None]:
        quota = self.limiter.hit(token or "anonymous")
        if not quota.allowed:
            return rate_limited(quota), None
        access = self.tokens.get(token) if token else None
        if token is None:
            return _errors_reply(401, NO_TOKEN_MESSAGE, code="unauthorized"), None
        if access is None or access == "expired":
            return _errors_reply(401, EXPIRED_MESSAGE, code="unauthorized"), None
        if access == "forbidden":
            return _errors_reply(403, FORBIDDEN_MESSAGE, code="forbidden"), None
        first = variables.get("first") if isinstance(variables.get("first"), int) else None
        fault = self.faults.take(operation, first)
        if fault is not None and fault.kind != "timeout" and fault.kind not in AFTER_APPLY_KINDS:
            return self._fault_reply(fault, quota), fault
        status, result, document = self._run(query, variables, operation,
                                             write_access=access != "read_only", token=token,
                                             base_url=base_url)
        if fault is not None and fault.kind in AFTER_APPLY_KINDS:
            # executed (a mutation applied), then the answer is lost
            if fault.kind == "drop_after_apply":
                return Reply(0, b"", drop=True), fault
            return _internal_error(), fault
        if fault is not None and document is not None:
            result = _timed_out(result, document, operation)
        return _json_reply(status, result, quota.headers()), fault

    def _fault_reply(self, fault: Fault, quota: Quota) -> Reply:
        kind = fault.kind
        if kind == "rate_limit":
            return rate_limited(self.limiter.exhausted())
        if kind == "http_401":
            return _errors_reply(401, EXPIRED_MESSAGE, code="unauthorized")
        if kind == "http_403":
            return _errors_reply(403, FORBIDDEN_MESSAGE, code="forbidden")
        if kind == "http_500":
            return _internal_error()
        if kind in ("http_502", "http_503"):
            status = int(kind.removeprefix("http_"))
            text = "Bad Gateway" if status == 502 else "Service Unavailable"
            return Reply(status, f"<html><body><h1>{status} {text}</h1></body></html>\n".encode(),
                         "text/html; charset=utf-8")
        # graphql_error
        return _json_reply(200, {"data": None, "errors": [{
            "message": "Internal server error",
            "extensions": {"code": "internal_server_error"}}]}, quota.headers())


def _internal_error() -> Reply:
    return _json_reply(500, {"errors": [{
        "message": "Internal Server Error",
        "extensions": {"exception": {"id": str(uuid.uuid4())}}}], "data": None})


def bearer_token(authorization: str | None) -> str | None:
    """``Bearer <token>`` (or Rails' ``Token token=<token>``) → the token."""
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return value
    if scheme.lower() == "token" and value.startswith("token="):
        return value.removeprefix("token=").strip('"') or None
    return None


def _operation_name(query: str) -> str | None:
    match = _OPERATION_NAME.search(query)
    return match.group(1) if match else None


def _timed_out(result: dict[str, Any], document: DocumentNode,
               operation: str | None) -> dict[str, Any]:
    """DS after 30 s: partial data where the dossiers connection is null, plus a
    ``timeout`` error at its path (data is null when there is no such connection)."""
    op = get_operation_ast(document, operation)
    path: list[str] = []
    if isinstance(op, OperationDefinitionNode):
        roots = [s for s in op.selection_set.selections if isinstance(s, FieldNode)]
        for root in roots:
            if root.name.value != "demarche" or root.selection_set is None:
                continue
            for child in root.selection_set.selections:
                if isinstance(child, FieldNode) and child.name.value == "dossiers":
                    path = [(root.alias or root.name).value, (child.alias or child.name).value]
                    break
            if path:
                break
        if not path and roots:
            path = [(roots[0].alias or roots[0].name).value]
    data = result.get("data")
    error = {"message": f"Timeout on {'Demarche.dossiers' if len(path) == 2 else 'Query'}",
             "path": path, "extensions": {"code": "timeout"}}
    if len(path) == 2 and isinstance(data, dict) and isinstance(data.get(path[0]), dict):
        data[path[0]][path[1]] = None
    else:
        data = None
    return {"data": data, "errors": [*result.get("errors", []), error]}
