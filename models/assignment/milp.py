"""Exact solver (HiGHS MILP) used when the profile-mix rule can reject a team.

Lexicographic, like the rules: first the most seats filled, then the most affinity
minus load cost. The two-stage flow (mixflow) gives a feasible starting point; when
it fills every seat, seats are maximal and a single MILP optimises the objective.
Otherwise a first MILP maximises seats (exactly), and the second keeps that many.
Every feasible pair is in the model, so the bound HiGHS reports is the full model's.

`time_limit_s` is wall-clock seconds for the whole call. HiGHS runs with presolve
off (on 1,000 x 200 its MIP setup after presolve ran for over 40 s without checking
the time limit; without presolve the model is solved in seconds) and without the
feasibility-jump heuristic (the flow's start is better; it cost seconds there).
"""

from __future__ import annotations

import math
import os
import sys
import threading
import time
from dataclasses import dataclass

import highspy
import numpy as np

from models.assignment.eligibility import Instance
from models.assignment.explain import objective
from models.assignment.milp_model import Model, Solution, build
from models.assignment.mixflow import solve_mix_flow

REL_GAP = 0.0005  # stop within 0.05 % of the proven bound
# The MILP is not even built with less than a second left per 50,000 feasible pairs
# (1,000 x 200 has 156,000 and is solved in 2-5 s on two shared cores).
PAIRS_PER_SECOND = 50_000


@dataclass(frozen=True)
class Exact:
    chosen: Solution
    solver: str  # "highs", or "mix_flow" when its start is returned unimproved
    status: str  # "OPTIMAL" | "GAP_OK" | "TIME_LIMIT" | "FLOW"
    bound: float | None  # proven upper bound of the objective (None: seats not proven)
    gap: float | None  # (bound - objective) / max(1, |objective|)


def solve_exact(inst: Instance, *, seed: int, time_limit_s: float,
                started: float | None = None) -> Exact:
    """Best assignment under every rule, or the flow's when HiGHS cannot improve it in time.

    `started` is the `time.perf_counter()` the budget counts from (default: now).
    """
    deadline = (time.perf_counter() if started is None else started) + time_limit_s
    flow = solve_mix_flow(inst)
    n_pairs = sum(len(inst.feasible[d.number]) for d in inst.dossiers)
    full = all(len(flow.get(d.number, ())) == d.needed for d in inst.dossiers)
    if n_pairs == 0:  # nobody can take any seat: nothing to optimise
        return Exact(flow, "mix_flow", "OPTIMAL", 0.0, 0.0)
    if n_pairs > PAIRS_PER_SECOND * (deadline - time.perf_counter()):
        return Exact(flow, "mix_flow", "FLOW", None, None)
    model = build(inst, full=full)
    start, proven = flow, full
    if not full:
        start, proven = _max_seats(model, flow, seed, deadline)
    highs = _highs(model, seed, deadline)
    if not full:
        _require_seats(highs, len(model.pairs), _count(start))
    highs.setSolution(*_sparse(model.start(start)))
    highs.run()
    return _verdict(inst, model, highs, flow, start, proven)


def _max_seats(model: Model, flow: Solution, seed: int,
               deadline: float) -> tuple[Solution, bool]:
    """Phase 1 (half the time left): the most seats, exactly, or the flow's if no better.

    Interior point for the LPs: with every cost 1 the LP is degenerate, and the dual
    simplex did not finish it in 60 s on a 1,000 x 200 case (interior point: 4 s).
    """
    highs = _highs(model, seed, time.perf_counter() + (deadline - time.perf_counter()) / 2)
    highs.changeColsCost(model.lp.num_col_, np.arange(model.lp.num_col_, dtype=np.int32),
                         model.seats())
    highs.setOptionValue("mip_rel_gap", 0.0)
    highs.setOptionValue("mip_lp_solver", "ipm")
    highs.setSolution(*_sparse(model.start(flow)))
    highs.run()
    best = flow
    if highs.getInfo().primal_solution_status == 2:
        found = model.chosen(np.asarray(highs.getSolution().col_value))
        best = found if _count(found) > _count(flow) else flow
    return best, highs.getModelStatus() == highspy.HighsModelStatus.kOptimal


_constructed = threading.Lock()
_banner_done = False


def _new_highs() -> highspy.Highs:
    """A HiGHS instance. The first one of a process prints HiGHS' banner on standard
    output before any option can silence it (in the middle of `eig demo`'s story): that
    construction writes to /dev/null."""
    global _banner_done
    with _constructed:
        if _banner_done:
            return highspy.Highs()
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "wb") as null:
                os.dup2(null.fileno(), 1)
                highs = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        _banner_done = True
        return highs


def _highs(model: Model, seed: int, deadline: float) -> highspy.Highs:
    highs = _new_highs()
    for name, value in (("output_flag", False), ("presolve", "off"), ("threads", 1),
                        ("mip_heuristic_run_feasibility_jump", False),
                        ("random_seed", seed), ("mip_rel_gap", REL_GAP),
                        ("time_limit", max(0.01, deadline - time.perf_counter()))):
        highs.setOptionValue(name, value)
    highs.passModel(model.lp)
    return highs


def _require_seats(highs: highspy.Highs, n_pairs: int, seats: int) -> None:
    highs.addRow(seats, highspy.kHighsInf, n_pairs, np.arange(n_pairs, dtype=np.int32),
                 np.ones(n_pairs))


def _sparse(values: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    return len(values), np.arange(len(values), dtype=np.int32), values


def _count(chosen: Solution) -> int:
    return sum(len(v) for v in chosen.values())


def _verdict(inst: Instance, model: Model, highs: highspy.Highs, flow: Solution,
             start: Solution, proven: bool) -> Exact:
    """The better of HiGHS' incumbent and the start, with an honest status and bound."""
    info = highs.getInfo()
    found = start
    if info.primal_solution_status == 2:
        found = model.chosen(np.asarray(highs.getSolution().col_value))
    if (_count(found), objective(inst, found)) < (_count(start), objective(inst, start)):
        found = start
    value = objective(inst, found)
    finite = proven and math.isfinite(info.mip_dual_bound)
    bound = float(math.floor(info.mip_dual_bound + 1e-6)) if finite else None  # integral
    gap = None if bound is None else max(0.0, bound - value) / max(1.0, abs(value))
    if gap is not None and gap <= REL_GAP:
        return Exact(found, "highs", "OPTIMAL" if gap == 0 else "GAP_OK", bound, gap)
    if (_count(found), value) > (_count(flow), objective(inst, flow)):
        return Exact(found, "highs", "TIME_LIMIT", bound, gap)
    return Exact(flow, "mix_flow", "FLOW", bound, gap)
