"""Turn a solver's choice into an explainable result: ranks, loads, reasons, alternates.

Shared by every solver so the explanation never depends on which one ran.
"""

from __future__ import annotations

from collections import defaultdict

from models.assignment.eligibility import (
    Candidate,
    Instance,
    affinity_matches,
    marginal_cost,
    mix_label,
    norm,
)
from models.assignment.specs import AssignmentResult, DossierSpec, Pick

Solution = dict[int, list[str]]
ALTERNATES = 3


def objective(inst: Instance, chosen: Solution) -> float:
    """Sum of affinities minus the convex load cost: the value both solvers maximise."""
    by_number = {
        d.number: {c.email: c.affinity for c in inst.feasible[d.number]} for d in inst.dossiers
    }
    total = sum(by_number[n][email] for n, emails in chosen.items() for email in emails)
    counts: dict[str, int] = defaultdict(int)
    for emails in chosen.values():
        for email in emails:
            counts[email] += 1
    for email, k in counts.items():
        base = inst.base_load[email]
        total -= sum(marginal_cost(base + t, inst.weights) for t in range(k))
    return float(total)


def build_result(
    inst: Instance, chosen: Solution, *, solver: str, status: str, digest: str, seed: int
) -> AssignmentResult:
    """Explain each assignment in dossier order (loads counted in that order)."""
    load = dict(inst.base_load)
    assignments: list[Pick] = []
    alternates: dict[int, list[str]] = {}
    unassigned: dict[int, str] = {}
    for d in inst.dossiers:
        picked = sorted(chosen.get(d.number, []), key=lambda e: (-_aff(inst, d.number, e), e))
        for email in picked:
            assignments.append(_explain(inst, d, email, load[email]))
            load[email] += 1
        if len(picked) < d.needed:
            unassigned[d.number] = why_short(inst, d, len(picked))
    used = _used(inst, chosen)
    for d in inst.dossiers:
        alternates[d.number] = _alternates(inst, d, chosen.get(d.number, []), used, load)
    return AssignmentResult(
        assignments=assignments,
        alternates=alternates,
        unassigned=unassigned,
        solver=solver,
        objective=objective(inst, chosen),
        input_hash=digest,
        seed=seed,
        status=status,
    )


def _aff(inst: Instance, number: int, email: str) -> int:
    return next(c.affinity for c in inst.feasible[number] if c.email == email)


def _explain(inst: Instance, d: DossierSpec, email: str, load_before: int) -> Pick:
    e = inst.evaluators[email]
    cands = inst.feasible[d.number]
    aff = _aff(inst, d.number, email)
    rank = 1 + sum(1 for c in cands if c.affinity > aff)
    label = mix_label(d)
    satisfies = [label] if label and next(c for c in cands if c.email == email).matches_mix else []
    reasons = {
        "affinity_rank": rank,
        "feasible_evaluators": len(cands),
        "matches": [text for _, text in affinity_matches(e, d, inst.weights)],
        "load_before": load_before,
        "marginal_cost": marginal_cost(load_before, inst.weights),
        "capacity": e.capacity,
        "satisfies": satisfies,
        "mix_required": inst.mix_binds[d.number],
        "organisation": norm(e.organisation),
    }
    return Pick(d.number, email, aff, rank, load_before, reasons)


def _used(inst: Instance, chosen: Solution) -> dict[str, int]:
    used: dict[str, int] = defaultdict(int)
    for emails in chosen.values():
        for email in emails:
            used[email] += 1
    return used


def _alternates(
    inst: Instance, d: DossierSpec, picked: list[str], used: dict[str, int], load: dict[str, int]
) -> list[str]:
    """Best feasible evaluators not chosen: room left, no organisation clash, affinity, load."""
    team_orgs = {norm(inst.evaluators[e].organisation) for e in picked}

    def key(c: Candidate) -> tuple[bool, bool, int, int, str]:
        e = inst.evaluators[c.email]
        full = used.get(c.email, 0) >= e.capacity
        return (full, norm(e.organisation) in team_orgs, -c.affinity, load[c.email], c.email)

    rest = [c for c in inst.feasible[d.number] if c.email not in picked]
    return [c.email for c in sorted(rest, key=key)[:ALTERNATES]]


def why_short(inst: Instance, d: DossierSpec, got: int) -> str:
    """The most specific reason a dossier did not get all the evaluators it needs."""
    cands = inst.feasible[d.number]
    orgs = {norm(inst.evaluators[c.email].organisation) for c in cands}
    label = mix_label(d)
    if len(orgs) < d.needed:
        return (
            f"{got}/{d.needed} assigned: only {len(orgs)} eligible evaluator(s) "
            f"from distinct organisations, {d.needed} needed"
        )
    if inst.mix_binds[d.number] and not any(c.matches_mix for c in cands):
        return f"{got}/{d.needed} assigned: no eligible evaluator with {label} (règle de mixité)"
    if inst.mix_binds[d.number] and got == 0:
        return (
            f"0/{d.needed} assigned: every eligible evaluator with {label} "
            "is fully booked (capacité)"
        )
    return f"{got}/{d.needed} assigned: eligible evaluators are fully booked (capacité)"
