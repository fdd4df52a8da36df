"""CP-SAT solver: used when the profile-mix rule can reject a team.

A plain flow cannot say "at least one senior on this team", so the mix rule is
a linear side constraint here: every non-matching evaluator on a dossier needs
a matching one beside it (x[d,e] <= sum of matching x[d,m]), which also forbids
assigning anyone to a dossier no matching evaluator can reach. For speed each
dossier only considers its best `top_n` candidates by affinity (ties broken by a
seeded hash, which spreads the load), always widened with enough mix-matching
ones and with the min-cost flow solution, which is also given as a hint.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

from ortools.sat.python import cp_model

from models.assignment.eligibility import Candidate, Instance, marginal_cost, norm
from models.assignment.flow import Solution
from models.assignment.mixflow import solve_mix_flow


def solve_cpsat(
    inst: Instance, *, seed: int, time_limit: float, top_n: int
) -> tuple[Solution, str]:
    """Return the chosen new evaluators per dossier and the CP-SAT status name.

    The two-stage flow solution (mixflow) is a complete, feasible hint; when it fills
    every seat, seats become equalities (no big-M, strong propagation), otherwise
    seats are maximised first through a big-M weight. If CP-SAT finds nothing better in
    time, the repaired hint is returned (status "HINT").
    """
    hint = solve_mix_flow(inst)
    pool = {d.number: _pool(inst, d.number, d.needed, hint, seed, top_n) for d in inst.dossiers}
    model = cp_model.CpModel()
    x = _pair_vars(model, pool)
    # Only when the hint fills every seat is "all full" implied by max seats (exactness).
    complete = all(len(hint.get(d.number, ())) == d.needed for d in inst.dossiers)
    full = {d.number for d in inst.dossiers} if complete else set()
    seats = _team_constraints(model, inst, pool, x, full)
    load_cost, slots = _load_cost(model, inst, x)
    max_aff = max((c.affinity for cs in pool.values() for c in cs), default=0)
    big = 1 + sum(d.needed for d in inst.dossiers) * max_aff + _max_load_cost(inst, x)
    score = sum(c.affinity * x[n, c.email] for n, cs in pool.items() for c in cs)
    model.maximize(big * seats + score - load_cost)
    _add_hint(model, x, slots, hint)
    chosen, status = _run(model, x, seed, time_limit)
    return (hint, "HINT") if chosen is None else (chosen, status)


def _add_hint(
    model: cp_model.CpModel,
    x: dict[tuple[int, str], cp_model.IntVar],
    slots: dict[str, list[cp_model.IntVar]],
    hint: Solution,
) -> None:
    """A complete hint (pairs and load slots): CP-SAT starts from a feasible solution."""
    load: dict[str, int] = defaultdict(int)
    for (n, email), var in x.items():
        on = email in hint.get(n, ())
        model.add_hint(var, on)
        load[email] += on
    for email, z in slots.items():
        for t, var in enumerate(z):
            model.add_hint(var, t < load[email])


def _pool(
    inst: Instance, number: int, needed: int, warm: Solution, seed: int, top_n: int
) -> list[Candidate]:
    """Best `top_n` by affinity, plus mix-matching reserves and the warm start's picks."""
    ranked = sorted(inst.feasible[number], key=lambda c: (-c.affinity, _jitter(seed, number, c)))
    keep = ranked[:top_n]
    if inst.mix_binds[number]:
        keep += [c for c in ranked if c.matches_mix][: needed + 2]
    keep += [c for c in ranked if c.email in warm.get(number, ())]
    unique = {c.email: c for c in keep}
    return sorted(unique.values(), key=lambda c: (-c.affinity, c.email))


def _jitter(seed: int, number: int, c: Candidate) -> bytes:
    return hashlib.blake2b(f"{seed}:{number}:{c.email}".encode(), digest_size=8).digest()


def _pair_vars(
    model: cp_model.CpModel, pool: dict[int, list[Candidate]]
) -> dict[tuple[int, str], cp_model.IntVar]:
    return {
        (n, c.email): model.new_bool_var(f"x_{n}_{c.email}")
        for n, cs in sorted(pool.items())
        for c in cs
    }


def _team_constraints(
    model: cp_model.CpModel,
    inst: Instance,
    pool: dict[int, list[Candidate]],
    x: dict[tuple[int, str], cp_model.IntVar],
    full: set[int],
) -> cp_model.LinearExpr:
    """Seats per dossier, one per organisation, and the mix rule; returns the soft seats."""
    filled = []
    for d in inst.dossiers:
        cs = pool[d.number]
        team = [x[d.number, c.email] for c in cs]
        if d.number in full:
            model.add(sum(team) == d.needed)
        else:
            model.add(sum(team) <= d.needed)
            filled.extend(team)
        groups: dict[str, list[cp_model.IntVar]] = defaultdict(list)
        for c in cs:
            groups[norm(inst.evaluators[c.email].organisation) or c.email].append(
                x[d.number, c.email]
            )
        for members in groups.values():
            if len(members) > 1:
                model.add_at_most_one(members)
        if inst.mix_binds[d.number]:
            matching = sum(x[d.number, c.email] for c in cs if c.matches_mix)
            for c in cs:
                if not c.matches_mix:
                    model.add(x[d.number, c.email] <= matching)
    return sum(filled)


def _load_cost(
    model: cp_model.CpModel, inst: Instance, x: dict[tuple[int, str], cp_model.IntVar]
) -> tuple[cp_model.LinearExpr, dict[str, list[cp_model.IntVar]]]:
    """Convex load cost as unit slot variables: cheaper slots are always used first."""
    by_ev: dict[str, list[cp_model.IntVar]] = defaultdict(list)
    for (_, email), var in x.items():
        by_ev[email].append(var)
    terms = []
    all_slots: dict[str, list[cp_model.IntVar]] = {}
    for email, pairs in sorted(by_ev.items()):
        slots = min(inst.evaluators[email].capacity, len(pairs))
        z = [model.new_bool_var(f"z_{email}_{t}") for t in range(slots)]
        model.add(sum(pairs) == sum(z))
        all_slots[email] = z
        base = inst.base_load[email]
        terms += [marginal_cost(base + t, inst.weights) * z[t] for t in range(slots)]
    return sum(terms), all_slots


def _max_load_cost(inst: Instance, x: dict[tuple[int, str], cp_model.IntVar]) -> int:
    degree: dict[str, int] = defaultdict(int)
    for _, email in x:
        degree[email] += 1
    total = 0
    for email, deg in degree.items():
        base = inst.base_load[email]
        slots = min(inst.evaluators[email].capacity, deg)
        total += sum(marginal_cost(base + t, inst.weights) for t in range(slots))
    return total


def _run(
    model: cp_model.CpModel,
    x: dict[tuple[int, str], cp_model.IntVar],
    seed: int,
    time_limit: float,
) -> tuple[Solution | None, str]:
    """One worker, fixed seed, deterministic time limit: same inputs, same answer."""
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_deterministic_time = time_limit
    solver.parameters.max_time_in_seconds = 3 * time_limit  # safety net only
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, solver.status_name(status)
    chosen: Solution = defaultdict(list)
    for (n, email), var in x.items():
        if solver.boolean_value(var):
            chosen[n].append(email)
    return {n: sorted(v) for n, v in sorted(chosen.items())}, solver.status_name(status)
