"""Triple assignment: hard rules hold, results are deterministic and optimal on tiny cases."""

from __future__ import annotations

import itertools
import random
from collections import Counter, defaultdict

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.assignment import (
    AssignmentResult,
    DossierSpec,
    EvaluatorSpec,
    greedy,
    solve,
)
from models.assignment.eligibility import affinity, mix_label, mix_match
from tests.unit.assignment_fakes import evaluator as _ev

ORGS = ["dinum", "insee", "ademe", "cnam"]
MINISTRIES = ["eco", "sante", None]
THEMES = ["sante", "climat"]
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def evaluators_st(draw, max_size: int = 6) -> list[EvaluatorSpec]:
    n = draw(st.integers(2, max_size))
    out = []
    for i in range(n):
        out.append(
            EvaluatorSpec(
                email=f"e{i}@x.fr",
                organisation=draw(st.sampled_from(ORGS)),
                ministry=draw(st.sampled_from(MINISTRIES)),
                profiles=frozenset(draw(st.sets(st.sampled_from(["produit", "technique"])))),
                tracks=frozenset(
                    draw(st.sets(st.sampled_from(["projets", "candidats"]), min_size=1))
                ),
                senior=draw(st.booleans()),
                capacity=draw(st.integers(0, 3)),
                available=draw(st.sampled_from([True, True, True, False])),
                themes=frozenset(draw(st.sets(st.sampled_from(THEMES)))),
                ministries=frozenset(draw(st.sets(st.sampled_from(["eco", "sante"])))),
                conflict_organisations=frozenset(draw(st.sets(st.sampled_from(ORGS), max_size=1))),
                conflict_dossiers=frozenset(draw(st.sets(st.integers(1, 4), max_size=1))),
                conflict_people=frozenset(
                    draw(st.sets(st.sampled_from(["alice", "bob"]), max_size=1))
                ),
            )
        )
    return out


@st.composite
def instances(draw, max_dossiers: int = 4, max_evaluators: int = 6, max_needed: int = 3):
    evaluators = draw(evaluators_st(max_evaluators))
    emails = [e.email for e in evaluators]
    dossiers = []
    for number in range(1, draw(st.integers(1, max_dossiers)) + 1):
        project = draw(st.booleans())
        dossiers.append(
            DossierSpec(
                number=number,
                track="projets" if project else "candidats",
                needed=draw(st.integers(0, max_needed)),
                organisation=draw(st.sampled_from(ORGS)) if project else None,
                ministry=draw(st.sampled_from(MINISTRIES)) if project else None,
                theme=draw(st.sampled_from([*THEMES, None])),
                specialty_family=None
                if project
                else draw(st.sampled_from(["produit", "technique", None])),
                employer=None if project else draw(st.sampled_from([*ORGS, None])),
                people=frozenset(draw(st.sets(st.sampled_from(["alice", "carol"]), max_size=1))),
                assigned=frozenset(draw(st.sets(st.sampled_from(emails), max_size=1))),
            )
        )
    return dossiers, evaluators


def has_conflict(e: EvaluatorSpec, d: DossierSpec) -> bool:
    """The conflict rules restated from the issue, as an oracle independent of the module."""
    if d.track == "projets" and (
        e.organisation == d.organisation or (e.ministry and e.ministry == d.ministry)
    ):
        return True
    declared = {d.organisation, d.ministry, d.employer} & set(e.conflict_organisations)
    return bool(
        declared - {None}
        or (d.employer is not None and d.employer == e.organisation)
        or d.number in e.conflict_dossiers
        or e.email in d.people
        or set(e.conflict_people) & set(d.people)
    )


def assert_valid(result: AssignmentResult, dossiers, evaluators, mix: bool) -> None:
    """Every hard rule, checked from the specs (independently of the solver's bookkeeping)."""
    evs = {e.email: e for e in evaluators}
    new: dict[int, list[str]] = defaultdict(list)
    for a in result.assignments:
        new[a.dossier].append(a.evaluator)
    loads = Counter(a.evaluator for a in result.assignments)
    for email, load in loads.items():
        assert load <= evs[email].capacity, (email, load)
    for d in dossiers:
        team_new = new.get(d.number, [])
        assert len(team_new) == len(set(team_new))
        assert len(team_new) <= max(d.needed, 0)
        if d.needed > 0 and len(team_new) < d.needed:
            assert result.unassigned.get(d.number), d.number
        else:
            assert d.number not in result.unassigned
        for email in team_new:
            e = evs[email]
            assert email not in d.assigned
            assert e.available and d.track in e.tracks
            assert not has_conflict(e, d), (email, d)
        team = [evs[m] for m in sorted(d.assigned) if m in evs] + [evs[m] for m in team_new]
        orgs = [e.organisation for e in team]
        assert len(orgs) == len(set(orgs)), (d.number, orgs)
        if mix and team_new and mix_label(d) is not None:
            assert any(mix_match(e, d) for e in team), d.number


def brute_force(dossiers, evaluators, mix: bool) -> tuple[int, int]:
    """Best (seats, objective) by enumeration of every assignment of new evaluators."""
    evs = {e.email: e for e in evaluators}
    base = Counter(m for d in dossiers for m in d.assigned)
    options = []
    for d in dossiers:
        fixed_orgs = {evs[m].organisation for m in d.assigned if m in evs}
        ok = [
            e
            for e in evaluators
            if e.available
            and e.capacity > 0
            and d.track in e.tracks
            and e.email not in d.assigned
            and e.organisation not in fixed_orgs
            and not has_conflict(e, d)
        ]
        teams = []
        for k in range(max(d.needed, 0) + 1):
            for team in itertools.combinations(ok, k):
                orgs = [e.organisation for e in team]
                if len(set(orgs)) < len(orgs):
                    continue
                members = [evs[m] for m in d.assigned if m in evs] + list(team)
                if (
                    mix
                    and team
                    and mix_label(d) is not None
                    and not any(mix_match(e, d) for e in members)
                ):
                    continue
                teams.append((d, team))
        options.append(teams)
    best = (0, 0)
    for combo in itertools.product(*options):
        load = Counter(e.email for _, team in combo for e in team)
        if any(load[m] > evs[m].capacity for m in load):
            continue
        score = sum(affinity(e, d) for d, team in combo for e in team)
        score -= sum(base[m] + t for m, k in load.items() for t in range(k))
        best = max(best, (sum(load.values()), score))
    return best


@FAST
@given(instances(), st.booleans())
def test_solve_respects_every_hard_rule(instance, mix):
    dossiers, evaluators = instance
    result = solve(dossiers, evaluators, mix=mix)
    assert_valid(result, dossiers, evaluators, mix)


@FAST
@given(instances(), st.booleans())
def test_greedy_respects_every_hard_rule(instance, mix):
    dossiers, evaluators = instance
    assert_valid(greedy(dossiers, evaluators, mix=mix), dossiers, evaluators, mix)


@settings(max_examples=60, deadline=None)
@given(instances(max_dossiers=3, max_evaluators=4, max_needed=2), st.booleans())
def test_solve_is_optimal_on_tiny_instances(instance, mix):
    dossiers, evaluators = instance
    result = solve(dossiers, evaluators, mix=mix)
    seats, score = brute_force(dossiers, evaluators, mix)
    assert (len(result.assignments), result.objective) == (seats, float(score))


@FAST
@given(instances(), st.booleans(), st.randoms(use_true_random=False))
def test_same_inputs_same_result_whatever_the_order(instance, mix, rnd):
    dossiers, evaluators = instance
    first = solve(dossiers, evaluators, mix=mix, seed=3)
    shuffled_d, shuffled_e = list(dossiers), list(evaluators)
    rnd.shuffle(shuffled_d)
    rnd.shuffle(shuffled_e)
    second = solve(shuffled_d, shuffled_e, mix=mix, seed=3)
    assert first == second
    assert first.input_hash == second.input_hash


def test_fixed_assignments_count_and_are_never_moved():
    evaluators = [_ev("a@x", "dinum", senior=True), _ev("b@x", "dinum"), _ev("c@x", "insee")]
    d = DossierSpec(1, "projets", 1, organisation="ademe", assigned=frozenset({"a@x"}))
    result = solve([d], evaluators)
    # b shares a's organisation: only c may join; the team already has its senior.
    assert [(a.dossier, a.evaluator) for a in result.assignments] == [(1, "c@x")]
    assert result.solver == "min_cost_flow"


def test_mix_rule_uses_the_exact_solver_and_explains_the_senior():
    evaluators = [
        _ev("a@x", "o1", themes=frozenset({"sante"})),
        _ev("b@x", "o2"),
        _ev("s@x", "o3", senior=True),
    ]
    d = DossierSpec(1, "projets", 2, organisation="ademe", theme="sante")
    result = solve([d], evaluators)
    assert (result.solver, result.status) == ("highs", "OPTIMAL")
    chosen = {a.evaluator: a for a in result.assignments}
    assert set(chosen) == {"a@x", "s@x"}
    assert chosen["s@x"].reasons["satisfies"] == ["senior"]
    assert chosen["a@x"].rank == 1 and chosen["a@x"].reasons["matches"] == ["thème sante"]
    assert result.alternates[1] == ["b@x"]


def test_convex_load_spreads_equal_evaluators():
    evaluators = [_ev(f"e{i}@x", f"o{i}") for i in range(3)]
    dossiers = [DossierSpec(n, "candidats", 1) for n in range(1, 7)]
    result = solve(dossiers, evaluators, mix=False)
    assert sorted(Counter(a.evaluator for a in result.assignments).values()) == [2, 2, 2]
    assert result.objective == -3.0  # each evaluator: 0 + 1


def test_unassigned_dossier_says_why():
    evaluators = [_ev("a@x", "o1", profiles=frozenset({"produit"}))]
    d = DossierSpec(7, "candidats", 1, specialty_family="technique")
    result = solve([d], evaluators)
    assert result.assignments == []
    assert "technique" in result.unassigned[7]


def test_seed_and_inputs_enter_the_hash():
    dossiers = [DossierSpec(1, "candidats", 1)]
    evaluators = [_ev("a@x", "o1")]
    assert (
        solve(dossiers, evaluators, seed=1).input_hash
        != solve(dossiers, evaluators, seed=2).input_hash
    )


def test_random_medium_instance_is_valid_and_beats_or_ties_greedy():
    rnd = random.Random(7)
    evaluators = [
        _ev(
            f"e{i:02d}@x",
            f"o{i % 9}",
            senior=rnd.random() < 0.3,
            profiles=frozenset({rnd.choice(["produit", "technique"])}),
            capacity=rnd.randint(2, 6),
            themes=frozenset({rnd.choice(THEMES)}),
        )
        for i in range(30)
    ]
    dossiers = [
        DossierSpec(
            n,
            rnd.choice(["projets", "candidats"]),
            3,
            organisation="o1",
            theme=rnd.choice(THEMES),
            specialty_family=rnd.choice(["produit", "technique"]),
        )
        for n in range(40)
    ]
    for mix in (False, True):
        best = solve(dossiers, evaluators, mix=mix, time_limit_s=2.0)
        base = greedy(dossiers, evaluators, mix=mix)
        assert_valid(best, dossiers, evaluators, mix)
        assert (len(best.assignments), best.objective) >= (len(base.assignments), base.objective)
