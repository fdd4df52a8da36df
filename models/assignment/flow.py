"""Min-cost flow solver: exact when only capacity, conflicts and organisations apply.

source → evaluator: one unit arc per slot, the n-th costing more than the (n-1)-th
(convex load cost, so the flow fills the cheap slots first);
evaluator → (dossier, organisation) → dossier: the intermediate node, capacity 1,
enforces "at most one evaluator per organisation on a dossier";
dossier → sink: capacity `needed`.
Maximum flow first (fill as many seats as possible), then minimum cost.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from ortools.graph.python import min_cost_flow

from models.assignment.eligibility import Instance, marginal_cost, norm

Solution = dict[int, list[str]]


def solve_flow(inst: Instance) -> tuple[Solution, str]:
    """Return the chosen new evaluators per dossier and the solver status."""
    graph = _Graph()
    ev_node = {email: graph.node() for email in inst.evaluators}
    demand = _pair_degree(inst)
    for email, node in ev_node.items():
        _slot_arcs(graph, inst, email, node, demand.get(email, 0))
    pair_arcs: list[tuple[int, int, str]] = []
    orgs = {email: norm(e.organisation) or f"<{email}>" for email, e in inst.evaluators.items()}
    for d in inst.dossiers:
        d_node = graph.node()
        graph.arc(d_node, graph.sink, d.needed, 0)
        for emails in _by_organisation(inst, d.number, orgs).values():
            head = d_node
            if len(emails) > 1:
                head = graph.node()
                graph.arc(head, d_node, 1, 0)
            for email, aff in emails:
                arc = graph.arc(ev_node[email], head, 1, -aff)
                pair_arcs.append((arc, d.number, email))
    flows, status = graph.solve()
    chosen: Solution = defaultdict(list)
    for arc, number, email in pair_arcs:
        if flows[arc] > 0:
            chosen[number].append(email)
    return {n: sorted(v) for n, v in sorted(chosen.items())}, status


def _pair_degree(inst: Instance) -> dict[str, int]:
    degree: dict[str, int] = defaultdict(int)
    for cands in inst.feasible.values():
        for c in cands:
            degree[c.email] += 1
    return degree


def _slot_arcs(graph: _Graph, inst: Instance, email: str, node: int, degree: int) -> None:
    """One arc per usable slot; never more slots than dossiers the evaluator could take."""
    base = inst.base_load[email]
    for t in range(min(inst.evaluators[email].capacity, degree)):
        graph.arc(graph.source, node, 1, marginal_cost(base + t, inst.weights))


def _by_organisation(
    inst: Instance, number: int, orgs: dict[str, str]
) -> dict[str, list[tuple[str, int]]]:
    groups: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for c in inst.feasible[number]:
        groups[orgs[c.email]].append((c.email, c.affinity))
    return dict(sorted(groups.items()))


class _Graph:
    """Collects arcs in plain lists, then hands them to OR-Tools in one vectorised call."""

    def __init__(self) -> None:
        self.source, self.sink = 0, 1
        self._nodes = 2
        self._tails: list[int] = []
        self._heads: list[int] = []
        self._caps: list[int] = []
        self._costs: list[int] = []

    def node(self) -> int:
        self._nodes += 1
        return self._nodes - 1

    def arc(self, tail: int, head: int, capacity: int, cost: int) -> int:
        self._tails.append(tail)
        self._heads.append(head)
        self._caps.append(capacity)
        self._costs.append(cost)
        return len(self._tails) - 1

    def solve(self) -> tuple[np.ndarray, str]:
        mcf = min_cost_flow.SimpleMinCostFlow()
        if not self._tails:
            return np.zeros(0, dtype=np.int64), "OPTIMAL"
        arcs = mcf.add_arcs_with_capacity_and_unit_cost(
            np.asarray(self._tails, dtype=np.int32),
            np.asarray(self._heads, dtype=np.int32),
            np.asarray(self._caps, dtype=np.int64),
            np.asarray(self._costs, dtype=np.int64),
        )
        supply = sum(c for t, c in zip(self._tails, self._caps, strict=True) if t == self.source)
        mcf.set_node_supply(self.source, supply)
        mcf.set_node_supply(self.sink, -supply)
        status = mcf.solve_max_flow_with_min_cost()
        if status != mcf.OPTIMAL:
            raise RuntimeError(f"min cost flow failed: {status}")
        return np.asarray(mcf.flows(np.asarray(arcs))), "OPTIMAL"
