"""The exceptions raised by the DS connector.

Every message names the operation (and the démarche or dossier number when there is
one) and tells the operator what to do next. No message ever contains the token.

    DSError
    ├── DSNetworkError            DS unreachable (after retries)
    ├── DSProtocolError           an answer that is not GraphQL over HTTP
    ├── DSHTTPError               an HTTP error status
    │   ├── DSAuthenticationError     401
    │   ├── DSForbiddenError          403
    │   ├── DSRateLimitError          429 (after waiting)
    │   └── DSServerError             5xx (after retries)
    ├── DSGraphQLError            top-level GraphQL `errors`, by `extensions.code`
    │   ├── DSNotFoundError           not_found
    │   ├── DSUnauthorizedError       unauthorized
    │   ├── DSQueryTimeoutError       timeout (carries the partial data)
    │   └── DSInternalError           internal_server_error
    ├── DSPayloadError            a mutation answered `errors[].message` and a null result
    ├── DSInstructeurError        the configured account cannot act on a dossier (no mutation
    │                             was sent)
    ├── DSFileError               a file DS pointed at (dossier PDF) could not be downloaded
    └── DSBudgetError             the request budget shared with the other processes could not
                                  be consulted (no request was sent)
"""

from __future__ import annotations

from typing import Any


class DSError(Exception):
    """Base of every error of the DS connector; catch it to handle them all."""


class DSNetworkError(DSError):
    """DS could not be reached (DNS, connection, TLS, timeout), even after retries.

    What to do: check the network and the configured API URL, then re-run; the sync
    resumes from its last saved cursor.
    """

    def __init__(self, message: str, *, attempts: int) -> None:
        super().__init__(message)
        self.attempts = attempts


class DSProtocolError(DSError):
    """DS answered something that is not a GraphQL answer (not JSON, no `data`, or a
    shape our documents do not produce).

    What to do: check the API URL (it must end with /api/v2/graphql); if it is right,
    DS changed: run the contract test against DS's current schema.
    """


class DSHTTPError(DSError):
    """DS answered an HTTP error status not covered by a subclass (e.g. 400, 404, 3xx).

    What to do: check the API URL; the message carries the start of DS's answer.
    """

    def __init__(self, message: str, *, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


class DSAuthenticationError(DSHTTPError):
    """HTTP 401: the token is expired, revoked or unknown.

    What to do: create a new token in DS > Mon profil > Jetons and set EIG_DS_API_TOKEN.
    """


class DSForbiddenError(DSHTTPError):
    """HTTP 403: the token is restricted to networks that exclude this machine, or is not
    allowed for this démarche.

    What to do: in DS > Mon profil > Jetons, widen the token's IP ranges or its démarches,
    or create a token that fits.
    """


class DSRateLimitError(DSHTTPError):
    """HTTP 429 even after waiting for the window DS announced: DS counts 400 requests
    per minute per token, and something else spends this token's budget.

    What to do: wait until `reset_at` (epoch seconds) and re-run; make sure no other
    process uses the same token, or give it its own token.
    """

    def __init__(self, message: str, *, status_code: int = 429, reset_at: float | None) -> None:
        super().__init__(message, status_code=status_code)
        self.reset_at = reset_at


class DSServerError(DSHTTPError):
    """HTTP 5xx even after retries: DS is failing or in maintenance.

    What to do: re-run later; the sync resumes from its last saved cursor.
    """


class DSGraphQLError(DSError):
    """DS answered top-level GraphQL `errors` with a code not covered by a subclass.

    What to do: read DS's message; an unknown field or argument means our documents no
    longer match DS's schema — run tests/unit/test_contract.py against the current one.
    """

    def __init__(
        self,
        message: str,
        *,
        errors: list[dict[str, Any]],
        data: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.errors = errors
        self.data = data

    @property
    def code(self) -> str | None:
        """`extensions.code` of the first error that has one."""
        return first_error_code(self.errors)


class DSNotFoundError(DSGraphQLError):
    """GraphQL code `not_found`: the démarche or dossier does not exist (or was deleted).

    What to do: check the number in the configuration; for a dossier, treat it as gone.
    """


class DSUnauthorizedError(DSGraphQLError):
    """GraphQL code `unauthorized`: the token's owner may not see this démarche or dossier.

    What to do: add the token's owner as administrateur of the démarche, or use a token
    of someone who is.
    """


class DSQueryTimeoutError(DSGraphQLError):
    """GraphQL code `timeout`: DS stopped the query after 30 s; `data` holds what DS had
    computed by then (partial, do not store it as complete).

    What to do: ask for smaller pages (the page fetchers do so by themselves).
    """


class DSInternalError(DSGraphQLError):
    """GraphQL code `internal_server_error`: DS failed while answering.

    What to do: re-run later; if it persists, report the operation and numbers in the
    message to DS's support.
    """


class DSPayloadError(DSError):
    """A mutation answered `errors[].message` with a null result: DS refused the change
    (read-only token, wrong instructeur, invalid value, wrong state...).

    What to do: read DS's messages; fix the data or the token, then re-deliver.
    """

    def __init__(self, message: str, *, mutation: str, messages: list[str]) -> None:
        super().__init__(message)
        self.mutation = mutation
        self.messages = messages


class DSInstructeurError(DSError):
    """The account the pipeline acts as is not an instructeur of the démarche, or not of
    the dossier's groupe instructeur: DS would refuse every dossier mutation but labels.

    What to do: add the account in DS > démarche > groupes instructeurs (to the dossier's
    groupe), or configure an account that is.
    """


class DSFileError(DSError):
    """A file DS gave the URL of (the dossier's PDF) could not be downloaded, or its bytes
    do not match what DS announced (size, checksum, not a PDF).

    File URLs are signed and expire after one hour: a URL kept longer answers 401/403.
    What to do: ask for the dossier again (a fresh URL) and download at once; meanwhile,
    render the PDF yourself. `status_code` is the HTTP status when there was one.
    """

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class DSBudgetError(DSError):
    """The request budget this token shares with the other processes (kept in the store)
    could not be consulted: the request was not sent, rather than risk exceeding DS's
    limit for every process at once. The message (in French: operators read it) comes
    from the budget and names what failed.

    What to do: check that the store (EIG_DATABASE_URL) answers, then re-run.
    """


def first_error_code(errors: list[dict[str, Any]]) -> str | None:
    for error in errors:
        extensions = error.get("extensions") if isinstance(error, dict) else None
        if isinstance(extensions, dict) and extensions.get("code"):
            return str(extensions["code"])
    return None
