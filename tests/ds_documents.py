"""The client's query documents as it sends them, for the tests that drive the sandbox."""

from __future__ import annotations

from connectors.ds import load_document
from connectors.ds._documents import QUERIES_DIR

__all__ = ["QUERIES_DIR", "query_document"]


def query_document(name: str) -> str:
    """The client's document ``<name>.graphql`` as the client sends it (fragments appended)."""
    return load_document(name).query
