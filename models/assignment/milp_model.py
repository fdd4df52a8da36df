"""The exact assignment model as arrays: every feasible pair, the rules as rows.

Columns: x, one binary per feasible (dossier, evaluator) pair, worth its affinity;
z, one continuous unit slot per usable slot of an evaluator, the t-th costing
`marginal_cost(base + t)` (convex, so cheap slots fill first); and, only when some
seat may stay empty, y, one binary per dossier whose mix rule binds ("team open").
Rows: seats per dossier, at most one evaluator per organisation on a dossier, the
mix rule, and pairs taken = slots used per evaluator (capacity is the slot count).

The mix rule ("every non-matching evaluator on a dossier needs a matching one beside
it") is a cover: when every seat is filled (`full`), at least one matching evaluator
per binding dossier; otherwise seats <= needed * y and matching >= y, so a team is
empty or has a matching member. Same feasible set as one row per non-matching pair,
with a fraction of the nonzeros.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

from models.assignment.eligibility import Instance, marginal_cost, norm

Solution = dict[int, list[str]]
INF = highspy.kHighsInf


@dataclass
class Model:
    lp: highspy.HighsLp  # maximise affinity minus load cost
    pairs: list[tuple[int, str]]  # pair column j: (dossier number, email)
    slots: dict[str, int]  # first z column of each evaluator who has a pair
    y_col: dict[int, int]  # dossier number -> its y column (empty when `full`)

    def seats(self) -> np.ndarray:
        """The first objective: 1 per filled seat."""
        cost = np.zeros(self.lp.num_col_)
        cost[: len(self.pairs)] = 1.0
        return cost

    def start(self, chosen: Solution) -> np.ndarray:
        """The full column vector of a feasible solution (HiGHS' starting point)."""
        values = np.zeros(self.lp.num_col_)
        column = {pair: j for j, pair in enumerate(self.pairs)}
        load: dict[str, int] = {}
        for number, emails in chosen.items():
            for email in emails:
                values[column[number, email]] = 1.0
                load[email] = load.get(email, 0) + 1
            if number in self.y_col and emails:
                values[self.y_col[number]] = 1.0
        for email, k in load.items():
            values[self.slots[email] : self.slots[email] + k] = 1.0
        return values

    def chosen(self, values: np.ndarray) -> Solution:
        out: Solution = {}
        for j in np.flatnonzero(values[: len(self.pairs)] > 0.5):
            number, email = self.pairs[j]
            out.setdefault(number, []).append(email)
        return {n: sorted(v) for n, v in sorted(out.items())}


def build(inst: Instance, *, full: bool) -> Model:
    """`full`: a known solution fills every seat, so seats are equalities (no y)."""
    emails = list(inst.evaluators)
    pairs, d_of, e_of, aff, match = _pairs(inst, {e: i for i, e in enumerate(emails)})
    n_d = len(inst.dossiers)
    needed = np.array([d.needed for d in inst.dossiers], dtype=float)
    binds = np.array([inst.mix_binds[d.number] for d in inst.dossiers], dtype=bool)
    cols, rows = _Columns(), _Rows()
    x = cols.add(aff, integer=True)
    slots = _load(inst, emails, e_of, x, cols, rows)
    binding = np.flatnonzero(binds)
    y = cols.add(np.zeros(0 if full else len(binding)), integer=True)
    # Seats: == needed (full); otherwise <= needed, or <= needed * y when the mix binds.
    seat = rows.add(needed if full else np.full(n_d, -INF),
                    needed if full else np.where(binds, 0.0, needed))
    rows.put(seat[d_of], x, 1.0)
    # At most one evaluator per organisation on a dossier (groups of two or more).
    org = _organisations(inst, emails)
    _, group, size = np.unique(d_of * (org.max(initial=0) + 1) + org[e_of],
                               return_inverse=True, return_counts=True)
    shared = size[group] > 1
    one = rows.add(np.full(int((size > 1).sum()), -INF), 1.0)
    rows.put(one[(np.cumsum(size > 1) - 1)[group[shared]]], x[shared], 1.0)
    # Mix rule: matching members >= 1 (full) or >= y.
    cover_row = np.full(n_d, -1)
    cover_row[binding] = rows.add(np.full(len(binding), 1.0 if full else 0.0), INF)
    on = match & binds[d_of]
    rows.put(cover_row[d_of[on]], x[on], 1.0)
    if not full:
        rows.put(seat[binding], y, -needed[binding])
        rows.put(cover_row[binding], y, -1.0)
    y_col = {} if full else {inst.dossiers[k].number: int(j)
                             for k, j in zip(binding, y, strict=True)}
    return Model(_lp(cols, rows), pairs, slots, y_col)


def _pairs(inst: Instance, e_pos: dict[str, int]):
    pairs, d_of, e_of, aff, match = [], [], [], [], []
    for k, d in enumerate(inst.dossiers):
        for c in inst.feasible[d.number]:
            pairs.append((d.number, c.email))
            d_of.append(k)
            e_of.append(e_pos[c.email])
            aff.append(c.affinity)
            match.append(c.matches_mix)
    return (pairs, np.array(d_of, dtype=np.int64), np.array(e_of, dtype=np.int64),
            np.array(aff, dtype=float), np.array(match, dtype=bool))


def _organisations(inst: Instance, emails: list[str]) -> np.ndarray:
    """An id per organisation; an evaluator without one is alone in their own."""
    ids: dict[str, int] = {}
    return np.array([ids.setdefault(norm(inst.evaluators[e].organisation) or f"<{e}>", len(ids))
                     for e in emails], dtype=np.int64)


def _load(inst: Instance, emails: list[str], e_of: np.ndarray, x: np.ndarray,
          cols: _Columns, rows: _Rows) -> dict[str, int]:
    """Slot columns (convex cost) and one row per evaluator: pairs taken == slots used."""
    degree = np.bincount(e_of, minlength=len(emails))
    row = rows.add(np.zeros(len(emails)), 0.0)
    rows.put(row[e_of], x, 1.0)
    slots: dict[str, int] = {}
    for i, email in enumerate(emails):
        n = min(inst.evaluators[email].capacity, int(degree[i]))
        if degree[i] == 0 or n <= 0:
            continue
        base = inst.base_load[email]
        z = cols.add(-np.array([marginal_cost(base + t, inst.weights) for t in range(n)],
                               dtype=float), integer=False)
        rows.put(np.full(n, row[i]), z, -1.0)
        slots[email] = int(z[0])
    return slots


class _Columns:
    def __init__(self) -> None:
        self.count = 0
        self.cost: list[np.ndarray] = []
        self.integer: list[np.ndarray] = []

    def add(self, cost: np.ndarray, *, integer: bool) -> np.ndarray:
        index = np.arange(self.count, self.count + len(cost))
        self.count += len(cost)
        self.cost.append(np.asarray(cost, dtype=float))
        self.integer.append(np.full(len(cost), integer))
        return index


class _Rows:
    def __init__(self) -> None:
        self.count = 0
        self.lower: list[np.ndarray] = []
        self.upper: list[np.ndarray] = []
        self.triplets: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def add(self, lower: np.ndarray, upper: float | np.ndarray) -> np.ndarray:
        index = np.arange(self.count, self.count + len(lower))
        self.count += len(lower)
        self.lower.append(np.asarray(lower, dtype=float))
        self.upper.append(np.broadcast_to(np.asarray(upper, dtype=float), len(lower)))
        return index

    def put(self, row: np.ndarray, col: np.ndarray, value: float | np.ndarray) -> None:
        self.triplets.append((row, col, np.broadcast_to(np.asarray(value, dtype=float),
                                                        len(row))))


def _lp(cols: _Columns, rows: _Rows) -> highspy.HighsLp:
    """Row-wise matrix from the triplets, in one pass of NumPy."""
    row, col, val = (np.concatenate([t[i] for t in rows.triplets]) for i in range(3))
    order = np.argsort(row, kind="stable")
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = cols.count, rows.count
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = np.concatenate(cols.cost)
    lp.col_lower_ = np.zeros(cols.count)
    lp.col_upper_ = np.ones(cols.count)
    lp.row_lower_ = np.concatenate(rows.lower)
    lp.row_upper_ = np.concatenate(rows.upper)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = cols.count, rows.count
    lp.a_matrix_.start_ = np.concatenate(
        [[0], np.cumsum(np.bincount(row, minlength=rows.count))]).astype(np.int32)
    lp.a_matrix_.index_ = col[order].astype(np.int32)
    lp.a_matrix_.value_ = val[order]
    kinds = np.concatenate(cols.integer)
    lp.integrality_ = [highspy.HighsVarType.kInteger if k else highspy.HighsVarType.kContinuous
                       for k in kinds]
    return lp
