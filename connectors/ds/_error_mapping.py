"""Turn what DS answered (HTTP status, GraphQL `errors`, mutation payload errors) into the
typed exceptions of `_exceptions`, with a message that names the operation."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

from ._exceptions import (
    DSAuthenticationError,
    DSForbiddenError,
    DSGraphQLError,
    DSHTTPError,
    DSInternalError,
    DSNotFoundError,
    DSPayloadError,
    DSQueryTimeoutError,
    DSRateLimitError,
    DSServerError,
    DSUnauthorizedError,
    first_error_code,
)
from ._rate_limit import rate_limit_reset

# Variables worth naming in a message: they say which démarche / dossier / page failed.
_VARIABLES_OF_INTEREST = ("number", "demarcheNumber", "dossierNumber", "dossierId", "first")
_BODY_EXCERPT = 200


def describe_operation(operation_name: str, variables: Mapping[str, Any] | None = None) -> str:
    """`SyncDemarche (number=123, first=100)`: the context put at the start of messages."""
    shown = [
        f"{name}={variables[name]}"
        for name in _VARIABLES_OF_INTEREST
        if variables and variables.get(name) is not None
    ]
    return f"{operation_name} ({', '.join(shown)})" if shown else operation_name


def error_for_status(response: httpx.Response, context: str) -> DSHTTPError:
    """The exception for an HTTP error answer (status >= 300) to `context`."""
    status = response.status_code
    said = _excerpt(response)
    if status == 401:
        return DSAuthenticationError(
            f"{context}: DS refused the token (HTTP 401{said}): token expired or unknown: "
            "create a new one in DS > Mon profil > Jetons and set EIG_DS_API_TOKEN",
            status_code=status,
        )
    if status == 403:
        return DSForbiddenError(
            f"{context}: DS forbade the request (HTTP 403{said}): the token is restricted "
            "to IP networks that exclude this machine, or is not allowed for this démarche: "
            "adjust it in DS > Mon profil > Jetons or create one that fits",
            status_code=status,
        )
    if status == 429:
        reset_at = rate_limit_reset(response.headers)
        when = _format_epoch(reset_at) if reset_at is not None else "an unknown time"
        return DSRateLimitError(
            f"{context}: DS rate limit still reached after waiting (HTTP 429, window resets "
            f"at {when}): DS allows 400 requests per minute per token; make sure no other "
            "process uses this token (or give it its own), then re-run",
            reset_at=reset_at,
        )
    if status >= 500:
        return DSServerError(
            f"{context}: DS failed with HTTP {status}{said} even after retries: DS is down "
            "or in maintenance; re-run later (the sync resumes from its last saved cursor)",
            status_code=status,
        )
    if 300 <= status < 400:
        location = response.headers.get("Location", "?")
        return DSHTTPError(
            f"{context}: DS redirected (HTTP {status}) to {location}: set the API URL to "
            "the new address (it must end with /api/v2/graphql)",
            status_code=status,
        )
    return DSHTTPError(
        f"{context}: DS answered HTTP {status}{said}: check the API URL (it must end with "
        "/api/v2/graphql) and the request",
        status_code=status,
    )


def raise_for_status(response: httpx.Response, context: str) -> None:
    """Raise the typed exception if `response` is not a success (for DS REST calls)."""
    if response.status_code >= 300:
        raise error_for_status(response, context)


_GRAPHQL_ERRORS: dict[str, tuple[type[DSGraphQLError], str]] = {
    "not_found": (
        DSNotFoundError,
        "the démarche or dossier does not exist or was deleted: check the number",
    ),
    "unauthorized": (
        DSUnauthorizedError,
        "the token's owner may not see this: add them as administrateur of the démarche "
        "or use a token of someone who is",
    ),
    "timeout": (
        DSQueryTimeoutError,
        "DS stopped the query after 30 s: ask for smaller pages",
    ),
    "internal_server_error": (
        DSInternalError,
        "DS failed while answering: re-run later; if it persists, report this message to "
        "DS's support",
    ),
}


def error_for_graphql(
    errors: list[dict[str, Any]], data: dict[str, Any] | None, context: str
) -> DSGraphQLError:
    """The exception for top-level GraphQL `errors`, chosen by the first `extensions.code`."""
    code = first_error_code(errors)
    cls, advice = _GRAPHQL_ERRORS.get(
        code or "",
        (
            DSGraphQLError,
            "if DS names an unknown field or argument, our documents no longer match DS's "
            "schema: run tests/unit/test_contract.py against the current schema",
        ),
    )
    said = "; ".join(_message(error) for error in errors[:3]) or "no message"
    label = f"code {code}" if code else "no code"
    message = f"{context}: DS answered errors ({label}: {said}): {advice}"
    return cls(message, errors=errors, data=data)


def payload_error(mutation: str, errors: list[dict[str, Any]], context: str) -> DSPayloadError:
    """The exception for a mutation whose payload has `errors[].message` and a null result."""
    messages = [_message(error) for error in errors]
    return DSPayloadError(
        f"{context}: DS refused {mutation} ({'; '.join(messages)}): fix the data, the "
        "instructeur or the token (a read-only token cannot mutate), then re-deliver",
        mutation=mutation,
        messages=messages,
    )


def _message(error: Any) -> str:
    if isinstance(error, dict):
        return str(error.get("message", error))
    return str(error)


def _excerpt(response: httpx.Response) -> str:
    try:
        text = " ".join(response.text.split())
    except (httpx.ResponseNotRead, UnicodeDecodeError):
        return ""
    return f", DS said: {text[:_BODY_EXCERPT]}" if text else ""


def _format_epoch(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")
