"""One page of a démarche's streams (dossiers, trash, tombstones), or one dossier.

No I/O beyond the client's `execute`; no state: callers keep cursors and anchors.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ._documents import load_document
from ._error_mapping import describe_operation
from ._exceptions import DSNotFoundError, DSProtocolError, DSQueryTimeoutError

log = logging.getLogger("connectors.ds")

DS_MAX_PAGE_SIZE = 100
"""DS serves at most 100 nodes per page (asking for more silently gives 100)."""


class GraphQLExecutor(Protocol):
    def execute(self, document_name: str, variables: dict[str, Any] | None = None) -> dict: ...


@dataclass(frozen=True)
class StreamPosition:
    """Where to read one stream from. `include=False` leaves the stream out of the request
    (it has no pages left); `since` is the fixed anchor (`updatedSince` / `deletedSince`,
    timezone-aware); `after` the last non-null `endCursor` seen."""

    include: bool
    since: datetime | None = None
    after: str | None = None


@dataclass(frozen=True)
class StreamPage:
    nodes: list[dict]
    end_cursor: str | None
    has_next_page: bool


@dataclass(frozen=True)
class SyncPage:
    """One SyncDemarche answer. A stream is None when it was not included."""

    demarche: dict  # id, number, title, state
    revision: dict | None  # activeRevision as returned, when asked for
    dossiers: StreamPage | None
    pending_deleted: StreamPage | None
    deleted: StreamPage | None
    page_size: int  # the size DS actually answered to (smaller after a timeout)


@dataclass(frozen=True)
class ReconcilePage:
    """One ReconcileDemarche answer. A stream is None when it was not included."""

    demarche: dict  # id, number
    dossiers: StreamPage | None
    pending_deleted: StreamPage | None
    deleted: StreamPage | None
    page_size: int


def fetch_sync_page(
    client: GraphQLExecutor,
    demarche_number: int,
    *,
    page_size: int = DS_MAX_PAGE_SIZE,
    min_page_size: int = 10,
    with_revision: bool = False,
    dossiers: StreamPosition,
    pending_deleted: StreamPosition,
    deleted: StreamPosition,
) -> SyncPage:
    """One request of an incremental sync (`sync_demarche.graphql`).

    On DS's 30 s query timeout, asks again for half as many nodes, down to
    `min_page_size`; raises `DSQueryTimeoutError` past that, and any other `DSError`.
    """

    def variables(size: int) -> dict[str, Any]:
        return {
            "number": demarche_number,
            "first": size,
            "withRevision": with_revision,
            **_stream_variables(dossiers, "withDossiers", "dossiersAfter", "updatedSince"),
            **_stream_variables(
                pending_deleted, "withPendingDeleted", "pendingDeletedAfter", "pendingDeletedSince"
            ),
            **_stream_variables(deleted, "withDeleted", "deletedAfter", "deletedSince"),
        }

    data, size, context = _execute_shrinking(
        client, "sync_demarche", variables, page_size, min_page_size
    )
    demarche = _demarche(data, context)
    return SyncPage(
        demarche={key: demarche.get(key) for key in ("id", "number", "title", "state")},
        revision=demarche.get("activeRevision") if with_revision else None,
        dossiers=_stream(demarche, "dossiers", dossiers.include, context),
        pending_deleted=_stream(
            demarche, "pendingDeletedDossiers", pending_deleted.include, context
        ),
        deleted=_stream(demarche, "deletedDossiers", deleted.include, context),
        page_size=size,
    )


def fetch_reconcile_page(
    client: GraphQLExecutor,
    demarche_number: int,
    *,
    page_size: int = DS_MAX_PAGE_SIZE,
    min_page_size: int = 10,
    dossiers: StreamPosition,
    pending_deleted: StreamPosition,
    deleted: StreamPosition,
) -> ReconcilePage:
    """One request of a reconciliation scan (`reconcile_demarche.graphql`): every stream
    from its beginning, so positions take no `since`. Same timeout handling and errors as
    `fetch_sync_page`."""
    for position in (dossiers, pending_deleted, deleted):
        if position.since is not None:
            raise ValueError("a reconciliation reads streams from the start: since must be None")

    def variables(size: int) -> dict[str, Any]:
        return {
            "number": demarche_number,
            "first": size,
            **_stream_variables(dossiers, "withDossiers", "dossiersAfter"),
            **_stream_variables(pending_deleted, "withPendingDeleted", "pendingDeletedAfter"),
            **_stream_variables(deleted, "withDeleted", "deletedAfter"),
        }

    data, size, context = _execute_shrinking(
        client, "reconcile_demarche", variables, page_size, min_page_size
    )
    demarche = _demarche(data, context)
    return ReconcilePage(
        demarche={key: demarche.get(key) for key in ("id", "number")},
        dossiers=_stream(demarche, "dossiers", dossiers.include, context),
        pending_deleted=_stream(
            demarche, "pendingDeletedDossiers", pending_deleted.include, context
        ),
        deleted=_stream(demarche, "deletedDossiers", deleted.include, context),
        page_size=size,
    )


def fetch_dossier(client: GraphQLExecutor, number: int) -> dict:
    """One dossier in full (`dossier.graphql`); `DSNotFoundError` when it is gone."""
    variables = {"number": number}
    dossier = client.execute("dossier", variables).get("dossier")
    if dossier is None:
        context = describe_operation(load_document("dossier").operation_name, variables)
        raise DSNotFoundError(
            f"{context}: DS answered no dossier: it was deleted or never existed", errors=[]
        )
    return dossier


def _execute_shrinking(
    client: GraphQLExecutor,
    document_name: str,
    variables: Callable[[int], dict[str, Any]],
    page_size: int,
    min_page_size: int,
) -> tuple[dict, int, str]:
    """Execute with `first: size`, halving `size` on each DS query timeout."""
    if not 1 <= min_page_size <= page_size <= DS_MAX_PAGE_SIZE:
        raise ValueError(
            f"need 1 <= min_page_size <= page_size <= {DS_MAX_PAGE_SIZE}, "
            f"got {min_page_size} and {page_size}"
        )
    operation = load_document(document_name).operation_name
    size = page_size
    while True:
        sent = variables(size)
        context = describe_operation(operation, sent)
        try:
            return client.execute(document_name, sent), size, context
        except DSQueryTimeoutError as exc:
            if size <= min_page_size:
                raise DSQueryTimeoutError(
                    f"{context}: DS timed out (30 s) even with pages of {size}: DS is "
                    "overloaded or the dossiers are very large; re-run later or lower "
                    "min_page_size",
                    errors=exc.errors,
                    data=exc.data,
                ) from exc
            smaller = max(min_page_size, size // 2)
            log.warning("%s: DS query timeout; asking again with first=%d", context, smaller)
            size = smaller


def _stream_variables(
    position: StreamPosition, include: str, after: str, since: str | None = None
) -> dict[str, Any]:
    variables: dict[str, Any] = {include: position.include}
    if not position.include:
        return variables
    if position.after is not None:
        variables[after] = position.after
    if since is not None and position.since is not None:
        variables[since] = _iso8601(position.since)
    return variables


def _iso8601(moment: datetime) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"DS needs timezone-aware datetimes, got naive {moment.isoformat()}")
    return moment.isoformat()


def _demarche(data: dict, context: str) -> dict:
    demarche = data.get("demarche")
    if not isinstance(demarche, dict):
        raise DSNotFoundError(f"{context}: DS answered no démarche: check the number", errors=[])
    return demarche


def _stream(demarche: dict, field: str, included: bool, context: str) -> StreamPage | None:
    if not included:
        return None
    connection = demarche.get(field)
    if not isinstance(connection, dict):
        raise DSProtocolError(
            f"{context}: DS's answer lacks demarche.{field}, which was asked for: run the "
            "contract test against DS's current schema"
        )
    page_info = connection.get("pageInfo") or {}
    return StreamPage(
        nodes=list(connection.get("nodes") or []),
        end_cursor=page_info.get("endCursor"),
        has_next_page=bool(page_info.get("hasNextPage")),
    )
