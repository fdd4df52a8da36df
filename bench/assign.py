"""Benchmark of the triple assignment: solve time, objective, bound and gap, load spread.

Generates reproducible instances (300 dossiers x 150 evaluators, 1,000 x 200 and
5,000 x 1,000, 3 seats each), then solves each with capacity+conflicts only
(min-cost flow) and with the mix rules (exact MILP, HiGHS, within its wall-clock
limit), next to the two-stage flow the MILP starts from and the greedy baseline.
Gap = (bound - objective) / |objective|, the bound being the MILP's proven one.
Figures, not pass/fail.  Usage: .venv/bin/python bench/assign.py [--small-only]
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

import highspy

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.assignment import (  # noqa: E402
    AssignmentResult,
    DossierSpec,
    EvaluatorSpec,
    check_capacity,
    greedy,
    solve,
)
from models.assignment.eligibility import prepare  # noqa: E402
from models.assignment.explain import build_result  # noqa: E402
from models.assignment.mixflow import solve_mix_flow  # noqa: E402

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


def _timed(run, *args, **kwargs) -> tuple[AssignmentResult, tuple[float, float]]:
    """The result, its wall-clock and CPU seconds (the machine may be shared)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = run(*args, **kwargs)
    return result, (time.perf_counter() - wall, time.process_time() - cpu)


def _line(label: str, result: AssignmentResult, seconds: tuple[float, float]) -> str:
    lo, hi = _loads(result)
    bound = "-" if result.bound is None else f"{result.bound:.0f}"
    gap = "-" if result.gap is None else f"{100 * result.gap:.3f}%"
    return (
        f"{label:<24} {result.solver:<13} {seconds[0]:6.2f}s {seconds[1]:6.2f}s "
        f"{result.objective:9.0f} {bound:>9} {gap:>8} {len(result.assignments):6d} "
        f"{len(result.unassigned):5d}  {lo:3d}/{hi:<3d} {result.status}"
    )


def _mix_flow(dossiers, evaluators) -> AssignmentResult:
    """The two-stage flow alone (the MILP's starting point), as a result."""
    inst = prepare(dossiers, evaluators, mix=True)
    return build_result(inst, solve_mix_flow(inst), solver="mix_flow", status="FLOW",
                        digest="", seed=0)


def _against(result: AssignmentResult, bound: float | None) -> AssignmentResult:
    """`result` measured against another run's proven bound."""
    if bound is not None:
        result.bound = bound
        result.gap = max(0.0, bound - result.objective) / max(1.0, abs(result.objective))
    return result


def bench(n_dossiers: int, n_evaluators: int, time_limit_s: float) -> None:
    dossiers, evaluators = generate(n_dossiers, n_evaluators)
    seats = sum(d.needed for d in dossiers)
    slots = sum(e.capacity for e in evaluators if e.available)
    print(
        f"\n{n_dossiers} dossiers x {n_evaluators} evaluators: {seats} seats, {slots} slots; "
        f"MILP limit {time_limit_s:g} s; load average {os.getloadavg()[0]:.1f}"
    )
    start = time.perf_counter()
    messages = check_capacity(dossiers, evaluators)
    print(f"check_capacity: {time.perf_counter() - start:.2f}s, {len(messages)} message(s)")
    for message in messages[:3]:
        print(f"  {message}")
    print(
        f"{'run':<24} {'solver':<13} {'wall':>7} {'cpu':>7} {'objective':>9} {'bound':>9} "
        f"{'gap':>8} {'seats':>6} {'short':>5}  min/max  status"
    )
    for mix in (False, True):
        best, seconds = _timed(solve, dossiers, evaluators, mix=mix, time_limit_s=time_limit_s)
        print(_line(f"optimal, mix={mix}", best, seconds))
        if mix:
            flow, seconds = _timed(_mix_flow, dossiers, evaluators)
            print(_line("two-stage flow, mix=True", _against(flow, best.bound), seconds))
        base, seconds = _timed(greedy, dossiers, evaluators, mix=mix)
        print(_line(f"greedy,  mix={mix}", _against(base, best.bound), seconds))


def main() -> None:
    highspy.Highs()  # HiGHS prints its banner once per process: here, not in a table
    print(f"{os.cpu_count()} CPU(s); wall = elapsed seconds, cpu = this process's CPU seconds")
    bench(300, 150, time_limit_s=10.0)
    bench(1000, 200, time_limit_s=60.0)
    if "--small-only" not in sys.argv:
        bench(5000, 1000, time_limit_s=30.0)


if __name__ == "__main__":
    main()
