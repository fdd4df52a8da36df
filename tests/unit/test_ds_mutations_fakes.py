"""A scripted DS for the mutation tests (no tests here; named to fit the test files' glob):
answers by operation name, records every request (the GraphQL variables, the PUTs, the
NOT_IDEMPOTENT mark)."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from connectors.ds import NOT_IDEMPOTENT, DSClient
from tests.unit.ds_fakes import API_URL, FakeTime

Answer = dict[str, Any] | httpx.Response | Callable[[dict[str, Any]], httpx.Response]


def dossier_id(number: int) -> str:
    return base64.b64encode(f"Dossier-{number}".encode()).decode()


@dataclass
class Sent:
    method: str
    url: str
    headers: httpx.Headers
    content: bytes
    not_idempotent: bool
    operation: str | None = None
    variables: dict[str, Any] = field(default_factory=dict)


class FakeDS:
    """`answers`: operation name → GraphQL body (dict), or a response; `put` answers PUTs."""

    def __init__(self, answers: dict[str, Answer], put: httpx.Response | None = None) -> None:
        self.answers = answers
        self.put = put if put is not None else httpx.Response(200)
        self.sent: list[Sent] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        content = request.read()
        sent = Sent(
            method=request.method,
            url=str(request.url),
            headers=request.headers,
            content=content,
            not_idempotent=bool(request.extensions.get(NOT_IDEMPOTENT, False)),
        )
        self.sent.append(sent)
        if request.method == "PUT":
            return self.put
        body = json.loads(content)
        sent.operation = body["operationName"]
        sent.variables = body.get("variables") or {}
        answer = self.answers[sent.operation]
        if isinstance(answer, httpx.Response):
            return answer
        if callable(answer):
            return answer(sent.variables)
        return httpx.Response(200, json=answer)

    @property
    def graphql(self) -> list[Sent]:
        return [s for s in self.sent if s.method == "POST"]

    def only_variables(self) -> dict[str, Any]:
        assert len(self.graphql) == 1, [s.operation for s in self.graphql]
        return self.graphql[0].variables


def make_client(fake: FakeDS, **kwargs: Any) -> DSClient:
    time_ = FakeTime()
    return DSClient(
        API_URL,
        f"secret-{uuid.uuid4()}",  # one rate limiter per token: a fresh one per test
        transport=httpx.MockTransport(fake),
        sleep=time_.sleep,
        clock=time_.clock,
        **kwargs,
    )
