"""The sandbox SDL is a strict subset of DS's schema and answers every client document."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    build_schema,
    parse,
    validate,
)

from ds_sandbox.demarches import DEMARCHES, demarche_path
from ds_sandbox.schema import schema_sdl
from tests.ds_documents import QUERIES_DIR, query_document

ROOT = Path(__file__).resolve().parents[2]
REAL_SCHEMA = ROOT.parent / "shared" / "ds" / "schema.graphql"
DOCUMENTS = sorted(p.stem for p in QUERIES_DIR.glob("*.graphql") if p.stem != "fragments")


@pytest.fixture(scope="module")
def sandbox_schema() -> GraphQLSchema:
    return build_schema(schema_sdl())


@pytest.fixture(scope="module")
def real_schema() -> GraphQLSchema:
    if not REAL_SCHEMA.exists():
        pytest.skip(f"the DS reference schema is not at {REAL_SCHEMA}")
    return build_schema(REAL_SCHEMA.read_text(encoding="utf-8"))


def subset_problems(sub: GraphQLSchema, full: GraphQLSchema) -> list[str]:
    problems: list[str] = []
    for name, sub_type in sub.type_map.items():
        if name.startswith("__"):
            continue
        full_type = full.type_map.get(name)
        if full_type is None:
            problems.append(f"type {name} is not in DS's schema")
            continue
        if type(full_type) is not type(sub_type):
            problems.append(f"type {name}: kind {type(sub_type).__name__} vs "
                            f"{type(full_type).__name__}")
            continue
        if isinstance(sub_type, GraphQLEnumType):
            assert isinstance(full_type, GraphQLEnumType)
            problems += [f"enum value {name}.{v} is not in DS's schema"
                         for v in set(sub_type.values) - set(full_type.values)]
        if isinstance(sub_type, GraphQLObjectType | GraphQLInterfaceType):
            assert isinstance(full_type, GraphQLObjectType | GraphQLInterfaceType)
            full_interfaces = {i.name for i in full_type.interfaces}
            problems += [f"{name} implements {i.name}, not in DS's schema"
                         for i in sub_type.interfaces if i.name not in full_interfaces]
        if isinstance(sub_type, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field_name, field in sub_type.fields.items():
                full_field = full_type.fields.get(field_name)  # type: ignore[union-attr]
                if full_field is None:
                    problems.append(f"field {name}.{field_name} is not in DS's schema")
                    continue
                if str(field.type) != str(full_field.type):
                    problems.append(f"field {name}.{field_name}: {field.type} vs "
                                    f"{full_field.type}")
                for arg_name, arg in getattr(field, "args", {}).items():
                    full_arg = full_field.args.get(arg_name)
                    if full_arg is None or str(arg.type) != str(full_arg.type):
                        problems.append(f"argument {name}.{field_name}({arg_name}) differs")
        if isinstance(sub_type, GraphQLUnionType):
            assert isinstance(full_type, GraphQLUnionType)
            full_members = {t.name for t in full_type.types}
            problems += [f"union {name} member {t.name} is not in DS's schema"
                         for t in sub_type.types if t.name not in full_members]
        assert isinstance(sub_type, GraphQLScalarType | GraphQLEnumType | GraphQLObjectType
                          | GraphQLInterfaceType | GraphQLInputObjectType | GraphQLUnionType)
    return problems


def test_sandbox_sdl_is_a_subset_of_ds_schema(sandbox_schema, real_schema):
    assert subset_problems(sandbox_schema, real_schema) == []


def test_subset_check_catches_a_divergence(real_schema):
    wrong = build_schema("type Query { dossier(number: ID!): Dossier! }\n"
                         "type Dossier { number: Int! madeUp: String }")
    problems = subset_problems(wrong, real_schema)
    assert "argument Query.dossier(number) differs" in problems
    assert "field Dossier.madeUp is not in DS's schema" in problems


def test_sandbox_covers_the_types_the_generator_needs(sandbox_schema):
    typenames = {d.typename for spec in DEMARCHES for d in spec.champs}
    typenames |= {c.typename for spec in DEMARCHES for d in spec.champs for c in d.children}
    assert typenames <= set(sandbox_schema.type_map)


@pytest.mark.parametrize("name", DOCUMENTS)
def test_client_documents_validate_against_the_sandbox(name, sandbox_schema, real_schema):
    document = parse(query_document(name))
    assert validate(sandbox_schema, document) == []
    assert validate(real_schema, document) == []


def test_the_three_documents_are_found():
    assert {"dossier", "reconcile_demarche", "sync_demarche"} <= set(DOCUMENTS)


def test_demarches_match_the_configuration():
    config = yaml.safe_load((ROOT / "config" / "eig.yaml").read_text(encoding="utf-8"))
    for spec in DEMARCHES:
        section = config["demarches"][spec.key]
        assert (spec.number, spec.title) == (section["number"], section["title"])
        assert section["path"] == demarche_path(spec)
        fields = section["fields"]
        assert [d.key for d in spec.champs] == list(fields)
        for descriptor in spec.champs:
            expected = fields[descriptor.key]
            assert descriptor.id == expected["id"], descriptor.key
            snake = "".join(f"_{c.lower()}" if c.isupper() else c
                            for c in descriptor.typename.removesuffix("ChampDescriptor"))
            assert snake.lstrip("_") == expected["type"], descriptor.key
            assert descriptor.required == expected.get("required", False), descriptor.key
            columns = expected.get("columns", {})
            assert [c.key for c in descriptor.children] == list(columns)
            for child in descriptor.children:
                assert child.id == columns[child.key]["id"]
