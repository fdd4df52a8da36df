"""Two-stage min-cost flow that respects the mix rule: the exact solver's starting point.

Stage 1 gives every dossier whose mix rule binds one matching evaluator (a flow
restricted to matching pairs, one seat each); stage 2 fills the remaining seats
with the plain flow, the stage-1 picks counted as fixed (capacity, organisation,
load). Feasible by construction, near-optimal in practice, and fast: the MILP starts
from it, and it is the answer when the MILP cannot improve it in time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from models.assignment.eligibility import Instance, norm
from models.assignment.flow import Solution, solve_flow


def solve_mix_flow(inst: Instance) -> Solution:
    first = solve_flow(_stage_one(inst))[0]
    second = solve_flow(_stage_two(inst, first))[0]
    out: Solution = {}
    for d in inst.dossiers:
        team = first.get(d.number, []) + second.get(d.number, [])
        if team:
            out[d.number] = sorted(team)
    return out


def _stage_one(inst: Instance) -> Instance:
    binding = [replace(d, needed=1) for d in inst.dossiers if inst.mix_binds[d.number]]
    return replace(
        inst,
        dossiers=binding,
        feasible={d.number: [c for c in inst.feasible[d.number] if c.matches_mix] for d in binding},
    )


def _stage_two(inst: Instance, first: Solution) -> Instance:
    used: dict[str, int] = defaultdict(int)
    for emails in first.values():
        for email in emails:
            used[email] += 1
    evaluators = {
        email: replace(e, capacity=e.capacity - used[email]) for email, e in inst.evaluators.items()
    }
    dossiers, feasible = [], {}
    for d in inst.dossiers:
        picked = first.get(d.number, [])
        if inst.mix_binds[d.number] and not picked:
            continue  # no matching evaluator: the dossier must stay empty
        orgs = {norm(inst.evaluators[e].organisation) for e in picked}
        dossiers.append(replace(d, needed=d.needed - len(picked)))
        feasible[d.number] = [
            c
            for c in inst.feasible[d.number]
            if c.email not in picked and norm(inst.evaluators[c.email].organisation) not in orgs
        ]
    base = {email: inst.base_load[email] + used[email] for email in inst.evaluators}
    return replace(
        inst,
        dossiers=[d for d in dossiers if d.needed > 0],
        evaluators=evaluators,
        feasible=feasible,
        base_load=base,
        mix_binds={d.number: False for d in dossiers},
    )
