"""Synthetic data: reproducible, realistic enough, and small for 100,000 dossiers."""

from __future__ import annotations

import tracemalloc
from typing import Any

import pytest
from graphql import execute_sync, parse

from ds_sandbox import (
    CANDIDATS,
    EVALUATIONS,
    PROJETS,
    Sandbox,
    SandboxState,
    generate,
    split,
)
from ds_sandbox.demarches import CANDIDATE_CRITERIA, PROFILS, PROJECT_CRITERIA, THEMES
from ds_sandbox.executor import execute_fast
from ds_sandbox.schema import ResolveContext
from ds_sandbox.testing import FakeClock
from tests.ds_documents import query_document

SYNC = query_document("sync_demarche")
GET_DOSSIER = query_document("dossier")
RECONCILE = query_document("reconcile_demarche")
ALL_STREAMS = {"first": 100, "withRevision": True, "withDossiers": True,
               "withPendingDeleted": True, "withDeleted": True}


def sandbox_with(dossiers: int, seed: int) -> Sandbox:
    sandbox = Sandbox(SandboxState(now=FakeClock()))
    generate(sandbox.state, dossiers=dossiers, seed=seed)
    return sandbox


def champs_by_label(dossier: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["label"]: c for c in dossier["champs"]}


def values(dossier: dict[str, Any]) -> dict[str, Any]:
    keys = ("text", "integerNumber", "choice", "choices", "date", "rows")
    return {c["label"]: next((c[k] for k in keys if k in c), None) for c in dossier["champs"]}


def test_split_gives_each_demarche_its_share():
    assert split(100) == split(100) and (split(100).projets, split(100).candidats,
                                         split(100).evaluations) == (30, 60, 10)
    assert min(split(3).projets, split(3).candidats, split(3).evaluations) == 1
    assert split(2).total == 2


def test_same_seed_same_data_other_seed_other_data():
    pages = []
    for seed in (7, 7, 8):
        sandbox = sandbox_with(60, seed)
        pages.append(sandbox.execute(SYNC, {"number": PROJETS.number, **ALL_STREAMS}))
    assert pages[0] == pages[1]
    assert pages[0] != pages[2]
    assert len(pages[0]["data"]["demarche"]["dossiers"]["nodes"]) == 18


def test_projets_look_like_administration_challenges():
    sandbox = sandbox_with(100, 1)
    nodes = sandbox.execute(SYNC, {"number": PROJETS.number, **ALL_STREAMS})[
        "data"]["demarche"]["dossiers"]["nodes"]
    assert len(nodes) == 30
    for node in nodes:
        assert node["demandeur"]["__typename"] == "PersonneMorale"
        assert len(node["demandeur"]["siret"]) == 14
        fields = values(node)
        assert fields["Thématique"] in THEMES
        assert fields["Nombre d'EIG souhaités (1 ou 2)"] in ("1", "2")
        assert set(fields["Profils recherchés"]) <= set(PROFILS)
        assert 1 <= len(fields["Équipe projet"]) <= 4
        assert "@" in fields["Courriel du porteur"]
        assert len(fields["Feuille de route stratégique à moyen terme"]) > 40
        equipe = champs_by_label(node)["Équipe projet"]
        assert equipe["__typename"] == "RepetitionChamp"
        assert [c["label"] for c in equipe["rows"][0]["champs"]] == ["Nom", "Rôle", "Courriel"]
    assert {n["state"] for n in nodes} >= {"en_construction", "en_instruction"}


def test_candidats_and_evaluations():
    sandbox = sandbox_with(300, 2)
    candidats = sandbox.execute(SYNC, {"number": CANDIDATS.number, **ALL_STREAMS})[
        "data"]["demarche"]["dossiers"]["nodes"]
    for node in candidats:
        assert node["demandeur"]["__typename"] == "PersonnePhysique"
        assert node["demandeur"]["nom"] and node["demandeur"]["prenom"]
        fields = values(node)
        assert 1 <= int(fields["Années d'expérience professionnelle"]) <= 25
        assert fields["Spécialité"] in PROFILS
        assert fields["Quotité souhaitée"] in ("temps plein", "4/5")
        assert fields["Date de disponibilité"] > node["dateDepot"][:10]

    track_of = {n: r.demarche for n, r in sandbox.state.dossiers.items()}
    evaluations = sandbox.execute(SYNC, {"number": EVALUATIONS.number, **ALL_STREAMS})[
        "data"]["demarche"]["dossiers"]["nodes"]
    assert len(evaluations) == 30
    for node in evaluations:
        fields = values(node)
        evaluated = int(fields["Numéro du dossier évalué"])
        assert track_of[evaluated] in (PROJETS.number, CANDIDATS.number)
        assert len(fields["Jeton de l'évaluation (ne pas modifier)"]) == 32
        scored = {label.removeprefix("Note : ") for label, v in fields.items()
                  if label.startswith("Note : ") and v is not None}
        criteria = PROJECT_CRITERIA if track_of[evaluated] == PROJETS.number \
            else CANDIDATE_CRITERIA
        if fields["Nature"] == "déclin":
            assert not scored
        else:
            assert scored == set(criteria)
            assert all(0 <= int(fields[f"Note : {c}"]) <= 5 for c in criteria)


def test_dates_are_relative_to_the_injected_clock():
    clock = FakeClock()
    sandbox = Sandbox(SandboxState(now=clock))
    generate(sandbox.state, dossiers=50, seed=4)
    now_us = int(clock.current.timestamp() * 1_000_000)
    records = list(sandbox.state.dossiers.values())
    assert all(now_us - 200 * 86_400_000_000 < r.date_depot <= r.updated_at < now_us
               for r in records)
    numbers = sorted(records, key=lambda r: r.number)
    assert [r.date_depot for r in numbers] == sorted(r.date_depot for r in records)


@pytest.mark.parametrize(("document", "variables"), [
    (SYNC, {"number": PROJETS.number, **ALL_STREAMS}),
    (SYNC, {"number": CANDIDATS.number, **ALL_STREAMS, "first": 20}),
    (SYNC, {"number": EVALUATIONS.number, **ALL_STREAMS}),
    (RECONCILE, {"number": PROJETS.number, "first": 50, "withDossiers": True,
                 "withPendingDeleted": True, "withDeleted": True}),
    (GET_DOSSIER, {"number": 3}),
    (GET_DOSSIER, {"number": 123_456}),
])
def test_fast_executor_matches_graphql_core(document, variables):
    sandbox = sandbox_with(200, 9)
    state = sandbox.state
    projets = state.numbers(PROJETS.number)
    state.set_labels(projets[0], ["retenu", "à auditionner"])
    state.hide(projets[1])
    state.delete(projets[2])
    state.change_descriptor_type(PROJETS.number, PROJETS.champs[3].id, "multiple_drop_down_list")
    context = ResolveContext(state, sandbox.payloads)
    parsed = parse(document)
    expected = execute_sync(sandbox.schema, parsed, variable_values=variables,
                            context_value=context).formatted
    assert execute_fast(sandbox.schema, parsed, variables, context_value=context).formatted \
        == expected


def test_the_graphql_core_engine_gives_the_same_answer():
    fast, reference = sandbox_with(40, 3), sandbox_with(40, 3)
    reference.engine = "graphql-core"
    variables = {"number": PROJETS.number, **ALL_STREAMS}
    assert fast.execute(SYNC, variables) == reference.execute(SYNC, variables)


def test_100k_dossiers_generate():
    """(How fast: bench/test_timings.py.)"""
    sandbox = Sandbox(SandboxState(now=FakeClock()))
    numbers = generate(sandbox.state, dossiers=100_000, seed=1)
    assert len(numbers) == 100_000 == len(sandbox.state.dossiers)
    assert sandbox.state.counts() == {101: 30_000, 102: 60_000, 103: 10_000, 104: 0, 105: 0,
                                      106: 0}
    page = sandbox.execute(SYNC, {"number": CANDIDATS.number, **ALL_STREAMS,
                                  "updatedSince": "2000-01-01T00:00:00Z"})
    assert len(page["data"]["demarche"]["dossiers"]["nodes"]) == 100


def test_dossiers_are_stored_compactly():
    """Under 1 KiB per dossier (measured on 20,000 to stay fast: ~0.5 KiB, i.e. ~50 MiB
    for 100,000); champs are rebuilt on demand, not stored."""
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        sandbox = Sandbox(SandboxState(now=FakeClock()))
        generate(sandbox.state, dossiers=20_000, seed=1)
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    per_dossier = (after - before) / 20_000
    assert per_dossier < 1024, f"{per_dossier:.0f} bytes per dossier"
