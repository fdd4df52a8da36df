"""check_capacity names binding constraints; replace keeps every rule and is fast."""

from __future__ import annotations

import random

from models.assignment import DossierSpec, check_capacity, replace, solve
from tests.unit.assignment_fakes import evaluator as _ev


def test_capacity_names_short_track_family_and_seniors():
    evaluators = [
        _ev("a@x", "o1", capacity=2, profiles=frozenset({"produit"})),
        _ev(
            "b@x",
            "o2",
            capacity=2,
            profiles=frozenset({"technique"}),
            tracks=frozenset({"candidats"}),
        ),
    ]
    dossiers = [DossierSpec(n, "candidats", 1, specialty_family="technique") for n in range(3)]
    dossiers += [DossierSpec(10, "projets", 1, organisation="o9")]
    messages = check_capacity(dossiers, evaluators)
    assert "candidats: 4 slots, 3 needed" not in messages
    assert "3 candidates need a technique evaluator: 2 slots, 3 needed" in messages
    assert "1 projects need a senior evaluator: 0 slots, 1 needed" in messages
    assert "dossier 10 (projets): no eligible evaluator with senior" in messages
    assert check_capacity(dossiers, evaluators, mix=False) == []


def test_capacity_names_track_totals_and_short_dossiers():
    evaluators = [_ev("a@x", "o1", capacity=1), _ev("b@x", "o1", capacity=1)]
    dossiers = [DossierSpec(5, "candidats", 3)]
    messages = check_capacity(dossiers, evaluators, mix=False)
    assert messages == [
        "candidats: 2 slots, 3 needed",
        "all tracks: 2 slots, 3 needed",
        "dossier 5 (candidats): 1 eligible evaluator(s) from distinct organisations, 3 needed",
    ]


def test_replace_keeps_organisation_mix_capacity_and_conflicts():
    evs = {
        e.email: e
        for e in [
            _ev("lead@x", "o1", senior=True),
            _ev("stay@x", "o2"),
            _ev("same_org@x", "o2", senior=True, themes=frozenset({"t"})),
            _ev("full@x", "o3", senior=True, themes=frozenset({"t"})),
            _ev("conflict@x", "o4", senior=True, conflict_dossiers=frozenset({1})),
            _ev("junior@x", "o5", themes=frozenset({"t"})),
            _ev("senior@x", "o6", senior=True),
        ]
    }
    d = DossierSpec(
        1, "projets", 0, organisation="o9", theme="t", assigned=frozenset({"lead@x", "stay@x"})
    )
    order = ["same_org@x", "full@x", "conflict@x", "junior@x", "senior@x"]
    load = {"full@x": 5}
    assert replace(d, "lead@x", evs, order, load) == "senior@x"
    assert replace(d, "lead@x", evs, order, load, mix=False) == "junior@x"
    assert replace(d, "lead@x", evs, ["same_org@x", "full@x"], load) is None


def large_instance(n_dossiers: int, n_evaluators: int):
    rnd = random.Random(1)
    evaluators = [
        _ev(
            f"e{i:04d}@x",
            f"o{rnd.randrange(60)}",
            senior=rnd.random() < 0.3,
            profiles=frozenset({rnd.choice(["produit", "technique"])}),
            capacity=rnd.randint(10, 25),
            themes=frozenset({f"t{rnd.randrange(9)}"}),
        )
        for i in range(n_evaluators)
    ]
    dossiers = [
        DossierSpec(
            n,
            "candidats",
            3,
            theme=f"t{rnd.randrange(9)}",
            specialty_family=rnd.choice(["produit", "technique"]),
            employer=f"o{rnd.randrange(60)}",
        )
        for n in range(n_dossiers)
    ]
    return dossiers, evaluators


def test_replace_is_valid_on_a_large_run():
    """(How fast: bench/test_timings.py.)"""
    dossiers, evaluators = large_instance(1000, 200)
    result = solve(dossiers, evaluators, mix=False)
    assert not result.unassigned
    evs = {e.email: e for e in evaluators}
    load: dict[str, int] = {}
    for a in result.assignments:
        load[a.evaluator] = load.get(a.evaluator, 0) + 1
    teams: dict[int, set[str]] = {}
    for a in result.assignments:
        teams.setdefault(a.dossier, set()).add(a.evaluator)
    for d in dossiers[:50]:
        current = DossierSpec(
            d.number,
            d.track,
            0,
            theme=d.theme,
            specialty_family=d.specialty_family,
            employer=d.employer,
            assigned=frozenset(teams[d.number]),
        )
        leaving = sorted(teams[d.number])[0]
        pick = replace(current, leaving, evs, sorted(evs), load)
        assert pick is not None and pick not in teams[d.number]
        others = [evs[m] for m in teams[d.number] - {leaving}]
        assert evs[pick].organisation not in {e.organisation for e in others}
        assert evs[pick].organisation != d.employer
        assert load.get(pick, 0) < evs[pick].capacity
        assert any(d.specialty_family in e.profiles for e in [*others, evs[pick]])
