"""The GraphQL documents the connector sends, loaded from `queries/<name>.graphql`.

Each file holds one operation; the fragments of `queries/fragments.graphql` it uses,
directly or through other fragments, are appended (and only those: GraphQL rejects
unused fragments). Documents are parsed and printed once per process.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from graphql import DocumentNode, OperationDefinitionNode, OperationType, parse, print_ast
from graphql.utilities import separate_operations

QUERIES_DIR = Path(__file__).parent / "queries"
FRAGMENTS_FILE = "fragments.graphql"


@dataclass(frozen=True)
class Document:
    """One operation ready to send: `node` for gql, `query` the text sent on the wire."""

    name: str
    operation_name: str
    operation_type: OperationType
    node: DocumentNode
    query: str

    @property
    def is_mutation(self) -> bool:
        return self.operation_type is OperationType.MUTATION


def build_document(operation_source: str, fragments_source: str = "") -> DocumentNode:
    """The single operation of `operation_source` with the fragments it uses (transitively)
    taken from `fragments_source`."""
    operations = separate_operations(parse(f"{operation_source}\n{fragments_source}"))
    if len(operations) != 1:
        raise ValueError(f"a document must hold exactly one operation, found {len(operations)}")
    return next(iter(operations.values()))


@cache
def load_document(name: str) -> Document:
    """The document `queries/<name>.graphql` (e.g. "sync_demarche"); cached."""
    path = QUERIES_DIR / f"{name}.graphql"
    if name == FRAGMENTS_FILE.removesuffix(".graphql") or not path.is_file():
        known = ", ".join(document_names())
        raise KeyError(f"no DS document named {name!r} in {QUERIES_DIR} (known: {known})")
    node = build_document(path.read_text(encoding="utf-8"), _fragments_source())
    operation = next(d for d in node.definitions if isinstance(d, OperationDefinitionNode))
    if operation.name is None:
        raise ValueError(f"{path}: the operation must be named (DS logs show the name)")
    return Document(
        name=name,
        operation_name=operation.name.value,
        operation_type=operation.operation,
        node=node,
        query=print_ast(node),
    )


def document_names() -> list[str]:
    """Names of every document in `queries/` (the fragments file excluded)."""
    return sorted(
        path.stem for path in QUERIES_DIR.glob("*.graphql") if path.name != FRAGMENTS_FILE
    )


@cache
def _fragments_source() -> str:
    path = QUERIES_DIR / FRAGMENTS_FILE
    return path.read_text(encoding="utf-8") if path.is_file() else ""
