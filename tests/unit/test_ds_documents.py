"""The documents loader appends exactly the fragments a document uses."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from graphql import FragmentDefinitionNode, OperationType, parse

from connectors.ds import DSClient, build_document, document_names, load_document


def fragment_names(document) -> set[str]:
    return {d.name.value for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def test_documents_get_the_fragments_they_use_transitively_and_only_those() -> None:
    dossier = load_document("dossier")
    # DossierFields -> RootChampFields -> ChampFields
    assert fragment_names(dossier.node) == {"DossierFields", "RootChampFields", "ChampFields"}
    sync = load_document("sync_demarche")
    assert fragment_names(sync.node) == {
        "DossierFields",
        "RootChampFields",
        "ChampFields",
        "DescriptorFields",
        "DeletedDossierFields",
    }
    assert fragment_names(load_document("reconcile_demarche").node) == {"DeletedDossierFields"}


def test_a_document_is_parsed_once_and_knows_its_operation() -> None:
    document = load_document("sync_demarche")
    assert load_document("sync_demarche") is document
    assert document.operation_name == "SyncDemarche"
    assert document.operation_type is OperationType.QUERY and not document.is_mutation
    assert parse(document.query)  # the text sent is valid GraphQL
    assert set(document_names()) >= {"dossier", "reconcile_demarche", "sync_demarche"}
    assert "fragments" not in document_names()


def test_an_unknown_document_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="sync_demarche"):
        load_document("no_such_document")
    with pytest.raises(KeyError):
        load_document("fragments")


def test_build_document_refuses_several_operations() -> None:
    with pytest.raises(ValueError, match="exactly one operation"):
        build_document("query A { __typename } query B { __typename }")


def test_the_wire_query_is_the_prepared_text() -> None:
    sent: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(200, json={"data": {"dossier": {"number": 1}}})

    with DSClient(
        "https://ds.test/api/v2/graphql",
        f"t-{uuid.uuid4()}",
        transport=httpx.MockTransport(handler),
    ) as client:
        client.execute("dossier", {"number": 1})
    assert sent[0]["query"] == load_document("dossier").query
    assert "fragment DescriptorFields" not in sent[0]["query"]
