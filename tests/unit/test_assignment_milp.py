"""The exact MILP: enumeration's optimum on small cases, better than the flow it starts from."""

from __future__ import annotations

from hypothesis import given, settings

from models.assignment import DossierSpec, solve
from models.assignment.eligibility import prepare
from models.assignment.explain import build_result, objective
from models.assignment.milp import solve_exact
from models.assignment.mixflow import solve_mix_flow
from tests.unit.assignment_fakes import evaluator as _ev
from tests.unit.test_assignment import assert_valid, brute_force, instances


def _exact(dossiers, evaluators, time_limit_s: float = 10.0):
    inst = prepare(dossiers, evaluators, mix=True)
    return inst, solve_exact(inst, seed=0, time_limit_s=time_limit_s)


@settings(max_examples=40, deadline=None)
@given(instances(max_dossiers=3, max_evaluators=5, max_needed=3))
def test_milp_reaches_the_enumerated_optimum_and_proves_it(instance):
    dossiers, evaluators = instance
    inst, exact = _exact(dossiers, evaluators)
    result = build_result(inst, exact.chosen, solver=exact.solver, status=exact.status,
                          digest="", seed=0)
    assert_valid(result, dossiers, evaluators, mix=True)
    seats, score = brute_force(dossiers, evaluators, mix=True)
    assert (len(result.assignments), result.objective) == (seats, float(score))
    assert exact.status == "OPTIMAL" and exact.bound == result.objective and exact.gap == 0


def test_milp_improves_the_flow_it_starts_from():
    # Both seniors suit project 2 (santé) equally; the flow's first stage puts ana there,
    # whose organisation (o3) then bars cyd, the other santé expert. The MILP sends dan.
    evaluators = [
        _ev("ana@x", "o3", senior=True, capacity=1, themes=frozenset({"sante"})),
        _ev("bob@x", "o1", capacity=1),
        _ev("cyd@x", "o3", capacity=2, themes=frozenset({"sante"})),
        _ev("dan@x", "o1", senior=True, capacity=2, themes=frozenset({"sante"})),
    ]
    dossiers = [
        DossierSpec(1, "projets", 1, organisation="o9", theme="climat"),
        DossierSpec(2, "projets", 2, organisation="o9", theme="sante"),
    ]
    inst, exact = _exact(dossiers, evaluators)
    assert objective(inst, solve_mix_flow(inst)) == 5.0
    assert exact.chosen == {1: ["ana@x"], 2: ["cyd@x", "dan@x"]}
    assert (exact.solver, exact.status, exact.bound, exact.gap) == ("highs", "OPTIMAL", 6.0, 0)
    assert brute_force(dossiers, evaluators, mix=True) == (3, 6)


def test_seats_first_even_when_the_flow_opens_the_wrong_dossier():
    # One senior, one slot: the flow gives him the one-seat project he suits best; the
    # most seats come from sending him to the three-seat project, where a team follows.
    evaluators = [
        _ev("s@x", "o1", senior=True, capacity=1, themes=frozenset({"climat"})),
        _ev("a@x", "o0", capacity=2),
        _ev("b@x", "o3", capacity=1, themes=frozenset({"climat"})),
    ]
    dossiers = [
        DossierSpec(1, "projets", 1, organisation="o9", theme="climat"),
        DossierSpec(2, "projets", 3, organisation="o9", theme="sante"),
    ]
    inst, exact = _exact(dossiers, evaluators)
    assert sum(len(v) for v in solve_mix_flow(inst).values()) == 1
    assert exact.chosen == {2: ["a@x", "b@x", "s@x"]}
    assert exact.status == "OPTIMAL"
    result = solve(dossiers, evaluators)
    assert "senior" in result.unassigned[1] and 2 not in result.unassigned


def test_mix_rule_holds_on_a_medium_instance_and_the_bound_is_proven():
    evaluators = [
        _ev(f"e{i:02d}@x", f"o{i % 7}", senior=i % 4 == 0, capacity=2 + i % 3,
            profiles=frozenset({("produit", "technique")[i % 2]}),
            themes=frozenset({("sante", "climat")[i % 3 == 0]}))
        for i in range(24)
    ]
    dossiers = [
        DossierSpec(n, ("projets", "candidats")[n % 2], 3, organisation="o9",
                    theme=("sante", "climat")[n % 5 == 0],
                    specialty_family=("produit", "technique")[n % 3 == 0])
        for n in range(30)
    ]
    result = solve(dossiers, evaluators, time_limit_s=10.0)
    assert_valid(result, dossiers, evaluators, mix=True)
    assert result.status in ("OPTIMAL", "GAP_OK")
    assert result.bound is not None and result.bound >= result.objective
    assert result.gap is not None and result.gap <= 0.0005


def test_no_time_left_returns_the_flow_at_once():
    evaluators = [_ev("s@x", "o1", senior=True), _ev("a@x", "o2"), _ev("b@x", "o3")]
    dossiers = [DossierSpec(1, "projets", 3, organisation="o9")]
    inst, exact = _exact(dossiers, evaluators, time_limit_s=0.0)
    assert (exact.solver, exact.status, exact.bound) == ("mix_flow", "FLOW", None)
    assert exact.chosen == solve_mix_flow(inst)


def test_without_time_the_result_is_the_better_of_the_flow_and_the_greedy_baseline():
    from models.assignment import greedy
    from tests.unit.test_assignment_capacity import large_instance

    dossiers, evaluators = large_instance(60, 30)
    result = solve(dossiers, evaluators, mix=True, time_limit_s=1e-9)
    assert (result.solver, result.status) in {("mix_flow", "FLOW"), ("greedy", "HEURISTIC")}
    assert_valid(result, dossiers, evaluators, mix=True)
    baseline = greedy(dossiers, evaluators, mix=True)
    assert (len(result.assignments), result.objective) >= (len(baseline.assignments),
                                                          baseline.objective)
