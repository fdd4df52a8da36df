"""Benchmark of the triple assignment: solve time, objective vs greedy, load spread.

Generates reproducible instances (1,000 dossiers x 200 evaluators x 3 seats, and
5,000 x 1,000), then solves each with capacity+conflicts only (min-cost flow)
and with the mix rules (CP-SAT), next to the greedy baseline of the same run.
Figures, not pass/fail.  Usage: .venv/bin/python bench/assign.py [--small-only]
"""

from __future__ import annotations

import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.assignment import (  # noqa: E402
    AssignmentResult,
    DossierSpec,
    EvaluatorSpec,
    check_capacity,
    greedy,
    solve,
)

THEMES = [f"theme{i}" for i in range(12)]
MINISTRIES = [f"ministere{i}" for i in range(15)]
PROFILES = [
    frozenset({"produit", "design"}),
    frozenset({"technique", "data"}),
    frozenset({"technique"}),
    frozenset({"produit"}),
]


def generate(n_dossiers: int, n_evaluators: int, seed: int = 42):
    """A realistic-ish instance; ~12 % slack between total capacity and seats needed."""
    rng = random.Random(seed)
    orgs = [(f"admin{i}", MINISTRIES[i % len(MINISTRIES)]) for i in range(n_evaluators // 3)]
    evaluators = [_evaluator(rng, i, orgs, n_dossiers, n_evaluators) for i in range(n_evaluators)]
    dossiers = [_dossier(rng, 1000 + i, orgs) for i in range(n_dossiers)]
    return dossiers, evaluators


def _evaluator(rng: random.Random, i: int, orgs, n_dossiers: int, n_evaluators: int):
    org, ministry = rng.choice(orgs)
    mean = 3 * n_dossiers / n_evaluators * 1.25
    track = rng.random()
    tracks = (
        {"projets", "candidats"} if track < 0.7 else {"projets" if track < 0.85 else "candidats"}
    )
    return EvaluatorSpec(
        email=f"ev{i:04d}@example.org",
        organisation=org,
        ministry=ministry,
        profiles=rng.choice(PROFILES),
        tracks=frozenset(tracks),
        senior=rng.random() < 0.3,
        capacity=max(1, round(rng.uniform(0.5, 1.5) * mean)),
        available=rng.random() < 0.95,
        themes=frozenset(rng.sample(THEMES, rng.randint(1, 3))),
        ministries=frozenset(rng.sample(MINISTRIES, rng.randint(0, 2))),
        conflict_organisations=frozenset({rng.choice(orgs)[0]})
        if rng.random() < 0.05
        else frozenset(),
        conflict_dossiers=frozenset({1000 + rng.randrange(n_dossiers)})
        if rng.random() < 0.05
        else frozenset(),
    )


def _dossier(rng: random.Random, number: int, orgs):
    org, ministry = rng.choice(orgs)
    if rng.random() < 0.4:
        return DossierSpec(
            number, "projets", 3, organisation=org, ministry=ministry, theme=rng.choice(THEMES)
        )
    employer = org if rng.random() < 0.3 else f"company{rng.randrange(50)}"
    return DossierSpec(
        number,
        "candidats",
        3,
        theme=rng.choice(THEMES),
        specialty_family=rng.choice(["produit", "technique"]),
        employer=employer,
    )


def _loads(result: AssignmentResult) -> tuple[int, int]:
    counts = Counter(a.evaluator for a in result.assignments)
    return (min(counts.values(), default=0), max(counts.values(), default=0))


def _row(label: str, run, *args, **kwargs) -> tuple[str, AssignmentResult]:
    start = time.perf_counter()
    result = run(*args, **kwargs)
    elapsed = time.perf_counter() - start
    seats = len(result.assignments)
    lo, hi = _loads(result)
    line = (
        f"{label:<34} {result.solver:<14} {elapsed:7.2f}s {result.objective:10.0f} "
        f"{seats:6d} {len(result.unassigned):5d}   {lo:3d}/{hi:<3d} {result.status}"
    )
    return line, result


def bench(n_dossiers: int, n_evaluators: int, time_limit: float) -> None:
    dossiers, evaluators = generate(n_dossiers, n_evaluators)
    seats = sum(d.needed for d in dossiers)
    slots = sum(e.capacity for e in evaluators if e.available)
    print(f"\n{n_dossiers} dossiers x {n_evaluators} evaluators: {seats} seats, {slots} slots")
    start = time.perf_counter()
    messages = check_capacity(dossiers, evaluators)
    print(f"check_capacity: {time.perf_counter() - start:.2f}s, {len(messages)} message(s)")
    for message in messages[:3]:
        print(f"  {message}")
    print(
        f"{'run':<34} {'solver':<14} {'time':>8} {'objective':>10} {'seats':>6} "
        f"{'short':>5}  min/max  status"
    )
    for mix in (False, True):
        line, _ = _row(
            f"optimal, mix={mix}", solve, dossiers, evaluators, mix=mix, time_limit=time_limit
        )
        print(line)
        line, _ = _row(f"greedy,  mix={mix}", greedy, dossiers, evaluators, mix=mix)
        print(line)


def main() -> None:
    bench(1000, 200, time_limit=20.0)
    if "--small-only" not in sys.argv:
        bench(5000, 1000, time_limit=30.0)


if __name__ == "__main__":
    main()
