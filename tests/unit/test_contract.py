"""The contract with DS: every GraphQL document of the project validates against DS's
real schema (../shared/ds/schema.graphql, from DS's open-source repository)."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import (
    DocumentNode,
    GraphQLSchema,
    NoUnusedFragmentsRule,
    OperationDefinitionNode,
    build_schema,
    parse,
    specified_rules,
    validate,
)

from connectors.ds import build_document

ROOT = Path(__file__).resolve().parents[2]
DS_SCHEMA = ROOT.parent / "shared" / "ds" / "schema.graphql"
SDL_FILES = {ROOT / "ds_sandbox" / "schema.graphql"}  # schemas, not documents
FRAGMENTS_FILE = "fragments.graphql"


def project_documents() -> list[Path]:
    return sorted(p for p in (ROOT / "connectors").rglob("*.graphql") if p not in SDL_FILES)


@pytest.fixture(scope="module")
def ds_schema() -> GraphQLSchema:
    if not DS_SCHEMA.is_file():
        pytest.skip(f"DS's schema is not at {DS_SCHEMA}: the contract cannot be checked here")
    return build_schema(DS_SCHEMA.read_text(encoding="utf-8"))


def assemble(path: Path, source: str | None = None) -> tuple[DocumentNode, list]:
    """The document as sent (its operation plus the fragments it uses from the sibling
    fragments file) and the validation rules that apply to it."""
    source = path.read_text(encoding="utf-8") if source is None else source
    parsed = parse(source)
    if not any(isinstance(d, OperationDefinitionNode) for d in parsed.definitions):
        # A fragments-only file: check its fields and types; usage is checked through the
        # documents that append it.
        return parsed, [rule for rule in specified_rules if rule is not NoUnusedFragmentsRule]
    fragments = path.with_name(FRAGMENTS_FILE)
    fragments_source = fragments.read_text(encoding="utf-8") if fragments.is_file() else ""
    return build_document(source, fragments_source), list(specified_rules)


def errors_of(schema: GraphQLSchema, path: Path, source: str | None = None) -> list[str]:
    document, rules = assemble(path, source)
    return [error.message for error in validate(schema, document, rules)]


def test_the_project_has_the_documents_we_expect() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in project_documents()}
    assert {
        "connectors/ds/queries/sync_demarche.graphql",
        "connectors/ds/queries/reconcile_demarche.graphql",
        "connectors/ds/queries/dossier.graphql",
        "connectors/ds/queries/fragments.graphql",
    } <= names


@pytest.mark.parametrize("path", project_documents(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_document_validates_against_ds_schema(ds_schema: GraphQLSchema, path: Path) -> None:
    assert errors_of(ds_schema, path) == []


SYNC = ROOT / "connectors" / "ds" / "queries" / "sync_demarche.graphql"


def test_the_check_catches_a_field_ds_does_not_have(ds_schema: GraphQLSchema) -> None:
    source = SYNC.read_text(encoding="utf-8")
    assert "    title\n" in source
    broken = source.replace("    title\n", "    title\n    budgetEig\n", 1)

    errors = errors_of(ds_schema, SYNC, broken)

    assert len(errors) == 1
    assert "Cannot query field 'budgetEig' on type 'Demarche'" in errors[0]


def test_the_check_catches_an_argument_ds_does_not_have(ds_schema: GraphQLSchema) -> None:
    source = SYNC.read_text(encoding="utf-8")
    anchor = "dossiers(first: $first, after: $dossiersAfter"
    assert anchor in source
    broken = source.replace(anchor, f"{anchor}, orderBy: UPDATED_AT", 1)

    errors = errors_of(ds_schema, SYNC, broken)

    assert len(errors) == 1
    assert "Unknown argument 'orderBy' on field 'Demarche.dossiers'" in errors[0]


def test_the_check_catches_a_fragment_field_ds_does_not_have(ds_schema: GraphQLSchema) -> None:
    fragments = SYNC.with_name(FRAGMENTS_FILE)
    broken = fragments.read_text(encoding="utf-8").replace("  archived\n", "  archived\n  note\n")

    errors = errors_of(ds_schema, fragments, broken)

    assert any("Cannot query field 'note' on type 'Dossier'" in e for e in errors)
