"""The executable sandbox schema: schema.graphql plus resolvers over the state.

Built once per process. Resolvers find the state and the payload builder in the
execution context; objects are plain dicts resolved by graphql-core's default resolver.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo, GraphQLSchema, build_schema

from ds_sandbox.mutations import RESOLVERS, MutationLog
from ds_sandbox.paging import (
    InvalidCursor,
    Key,
    Page,
    decode_cursor,
    encode_cursor,
    take_page,
)
from ds_sandbox.paging import page_size as capped
from ds_sandbox.payloads import PayloadBuilder
from ds_sandbox.pdf import pdf_file
from ds_sandbox.state import SandboxState
from ds_sandbox.timeutil import parse_iso

DEFAULT_BASE_URL = "http://127.0.0.1:8765"
"""Where upload URLs point when the sandbox is used without HTTP (``Sandbox.execute``)."""


@dataclass(frozen=True, slots=True)
class ResolveContext:
    state: SandboxState
    payloads: PayloadBuilder
    write_access: bool = True  # False for a read-only token: mutations get payload errors
    mutations: MutationLog | None = None
    token: str | None = None
    operation: str | None = None
    base_url: str = DEFAULT_BASE_URL  # of the sandbox, for direct upload and PDF URLs
    pdf_available: bool = True  # False: Dossier.pdf is null (clients fall back)
    pdf_checksums: bool = False  # True: Dossier.pdf announces the real size and MD5


def _context(info: GraphQLResolveInfo) -> ResolveContext:
    return info.context  # type: ignore[no-any-return]


def not_found(type_name: str) -> GraphQLError:
    return GraphQLError(f"{type_name} not found", extensions={"code": "not_found"})


def _connection(page: Page, stream: str, nodes: list[dict[str, Any]]) -> dict[str, Any]:
    cursors = [encode_cursor(stream, key) for key in page.keys]
    return {
        "nodes": nodes,
        "edges": [{"cursor": c, "node": n} for c, n in zip(cursors, nodes, strict=True)],
        "pageInfo": {
            "hasNextPage": page.has_next,
            "hasPreviousPage": page.has_previous,
            "startCursor": cursors[0] if cursors else None,
            "endCursor": cursors[-1] if cursors else None,
        },
    }


def _after(stream: str, after: str | None) -> Key | None:
    if after is None:
        return None
    try:
        return decode_cursor(stream, after)
    except InvalidCursor as error:
        raise GraphQLError(str(error)) from None


def _size(first: int | None) -> int:
    try:
        return capped(first)
    except ValueError as error:
        raise GraphQLError(str(error)) from None


def resolve_demarche(_root: Any, info: GraphQLResolveInfo, number: int) -> dict[str, Any]:
    ctx = _context(info)
    with ctx.state.lock:
        demarche = ctx.state.demarches.get(number)
        if demarche is None:
            raise not_found("Demarche")
        return ctx.payloads.demarche(demarche)


def resolve_dossier(_root: Any, info: GraphQLResolveInfo, number: int) -> dict[str, Any]:
    ctx = _context(info)
    with ctx.state.lock:
        record = ctx.state.dossiers.get(number)
        if record is None or record.hidden_at is not None:
            raise not_found("Dossier")
        return ctx.payloads.dossier(record)


def resolve_dossiers(
    demarche: dict[str, Any],
    info: GraphQLResolveInfo,
    first: int | None = None,
    after: str | None = None,
    updatedSince: str | None = None,  # noqa: N803 - GraphQL argument names
    createdSince: str | None = None,  # noqa: N803
    state: str | None = None,
    archived: bool | None = None,
) -> dict[str, Any]:
    """By (updated_at, id) with ``updatedSince`` (inclusive), else by (dateDepot, id)."""
    ctx = _context(info)
    size = _size(first)
    updated_since = _moment(updatedSince, "updatedSince")
    created_since = _moment(createdSince, "createdSince")
    with ctx.state.lock:
        record = ctx.state.demarches[demarche["_number"]]
        dossiers = ctx.state.dossiers
        if updated_since is not None:
            stream, index, since = "updated", record.by_updated, updated_since
            created = created_since
        else:
            stream, index, since, created = "depot", record.by_depot, created_since, None
        accept: Callable[[int], bool] | None = None
        if state is not None or archived is not None or created is not None:
            def accept(number: int) -> bool:
                dossier = dossiers[number]
                return ((state is None or dossier.state == state)
                        and (archived is None or dossier.archived == archived)
                        and (created is None or dossier.date_depot >= created))
        page = take_page(index, size, _after(stream, after), since, accept)
        nodes = [ctx.payloads.dossier(dossiers[number]) for _, number in page.keys]
    return _connection(page, stream, nodes)


def resolve_pending_deleted(demarche: dict[str, Any], info: GraphQLResolveInfo,
                            first: int | None = None, after: str | None = None,
                            deletedSince: str | None = None) -> dict[str, Any]:  # noqa: N803
    """The trash, by (hidden_at, id), ``deletedSince`` inclusive."""
    return _deletion_stream(demarche, info, first, after, deletedSince, "trash")


def resolve_deleted(demarche: dict[str, Any], info: GraphQLResolveInfo,
                    first: int | None = None, after: str | None = None,
                    deletedSince: str | None = None) -> dict[str, Any]:  # noqa: N803
    """Tombstones, by (deleted_at, id), ``deletedSince`` inclusive."""
    return _deletion_stream(demarche, info, first, after, deletedSince, "deleted")


def _deletion_stream(demarche: dict[str, Any], info: GraphQLResolveInfo, first: int | None,
                     after: str | None, deleted_since: str | None,
                     stream: str) -> dict[str, Any]:
    ctx = _context(info)
    size = _size(first)
    since = _moment(deleted_since, "deletedSince")
    with ctx.state.lock:
        record = ctx.state.demarches[demarche["_number"]]
        if stream == "trash":
            page = take_page(record.trash, size, _after(stream, after), since)
            nodes = [ctx.payloads.hidden(ctx.state.dossiers[n]) for _, n in page.keys]
        else:
            page = take_page(record.tombstones, size, _after(stream, after), since)
            nodes = [ctx.payloads.tombstone(ctx.state.deleted[n]) for _, n in page.keys]
    return _connection(page, stream, nodes)


def resolve_pdf(dossier: dict[str, Any], info: GraphQLResolveInfo) -> dict[str, Any] | None:
    """Built only when asked for (the sync does not ask): a fresh one-hour URL each time."""
    ctx = _context(info)
    if not ctx.pdf_available:
        return None
    return pdf_file(ctx.state, dossier["number"], ctx.base_url, checksums=ctx.pdf_checksums)


def resolve_groupes(demarche: dict[str, Any], _info: GraphQLResolveInfo,
                    closed: bool | None = None) -> list[dict[str, Any]]:
    groupes: list[dict[str, Any]] = demarche["groupeInstructeurs"]
    return [g for g in groupes if closed is None or g["closed"] == closed]


def _champs_by_id(key: str) -> Callable[..., list[dict[str, Any]]]:
    def resolve(dossier: dict[str, Any], _info: GraphQLResolveInfo,
                id: str | None = None) -> list[dict[str, Any]]:  # noqa: A002
        champs: list[dict[str, Any]] = dossier[key]
        return champs if id is None else [c for c in champs if c["id"] == id]
    return resolve


def _moment(value: str | None, argument: str) -> int | None:
    """An ISO8601DateTime argument in µs (parsed here: scalar hooks differ across
    graphql-core versions)."""
    if value is None:
        return None
    try:
        return parse_iso(value)
    except (TypeError, ValueError):
        raise GraphQLError(
            f"Argument '{argument}' has an invalid ISO8601DateTime value: {value!r}") from None


def schema_sdl() -> str:
    return resources.files(__package__).joinpath("schema.graphql").read_text(encoding="utf-8")


@cache
def executable_schema() -> GraphQLSchema:
    schema = build_schema(schema_sdl())
    fields = {
        ("Query", "demarche"): resolve_demarche,
        ("Query", "dossier"): resolve_dossier,
        ("Demarche", "dossiers"): resolve_dossiers,
        ("Demarche", "pendingDeletedDossiers"): resolve_pending_deleted,
        ("Demarche", "deletedDossiers"): resolve_deleted,
        ("Demarche", "groupeInstructeurs"): resolve_groupes,
        ("Dossier", "champs"): _champs_by_id("champs"),
        ("Dossier", "annotations"): _champs_by_id("annotations"),
        ("Dossier", "messages"): _champs_by_id("messages"),
        ("Dossier", "pdf"): resolve_pdf,
        **{("Mutation", name): resolver for name, resolver in RESOLVERS.items()},
    }
    for (type_name, field_name), resolver in fields.items():
        schema.type_map[type_name].fields[field_name].resolve = resolver  # type: ignore[union-attr]
    return schema
