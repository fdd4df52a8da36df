"""Démarches Simplifiées GraphQL client: documents, rate limit, retries, typed errors, pages.

    with DSClient(api_url, token) as ds:
        page = fetch_sync_page(ds, 123, dossiers=StreamPosition(True, since), ...)
"""

from ._client import DSClient
from ._documents import Document, build_document, document_names, load_document
from ._error_mapping import describe_operation, payload_error, raise_for_status
from ._exceptions import (
    DSAuthenticationError,
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
    DSRateLimitError,
    DSServerError,
    DSUnauthorizedError,
)
from ._pages import (
    DS_MAX_PAGE_SIZE,
    GraphQLExecutor,
    ReconcilePage,
    StreamPage,
    StreamPosition,
    SyncPage,
    fetch_dossier,
    fetch_reconcile_page,
    fetch_sync_page,
)
from ._rate_limit import (
    DS_REQUESTS_PER_MINUTE,
    Clock,
    RateLimiter,
    Sleep,
    limiter_for_key,
    limiter_for_token,
)
from ._transport import NOT_IDEMPOTENT, DSTransport

__all__ = [
    "DS_MAX_PAGE_SIZE",
    "DS_REQUESTS_PER_MINUTE",
    "NOT_IDEMPOTENT",
    "Clock",
    "DSAuthenticationError",
    "DSClient",
    "DSError",
    "DSForbiddenError",
    "DSGraphQLError",
    "DSHTTPError",
    "DSInternalError",
    "DSNetworkError",
    "DSNotFoundError",
    "DSPayloadError",
    "DSProtocolError",
    "DSQueryTimeoutError",
    "DSRateLimitError",
    "DSServerError",
    "DSTransport",
    "DSUnauthorizedError",
    "Document",
    "GraphQLExecutor",
    "RateLimiter",
    "ReconcilePage",
    "Sleep",
    "StreamPage",
    "StreamPosition",
    "SyncPage",
    "build_document",
    "describe_operation",
    "document_names",
    "fetch_dossier",
    "fetch_reconcile_page",
    "fetch_sync_page",
    "limiter_for_key",
    "limiter_for_token",
    "load_document",
    "payload_error",
    "raise_for_status",
]
