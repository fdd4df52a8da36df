"""Evaluator offsets: who scores harshly or generously, and each dossier's total without it.

Model, on the weighted total y of evaluator e for dossier d (dossiers with quorum)::

    y_ed = q_d + b_e + ε,   ε ~ N(0, σ²)

q_d is free; the offsets b_e carry a ridge penalty λ Σ b_e² (λ = ``strength``).
The estimate minimises ‖y − Aq − Bb‖² + λ‖b‖². A common shift (q − c, b + c)
leaves the residuals unchanged, so for λ > 0 the optimum has Σ b_e = 0; we
parametrise that sum-zero subspace explicitly (b = Z c, Z orthonormal, Zᵀ1 = 0),
which gives the same estimate for λ > 0 and keeps λ = 0 (plain fixed effects)
well posed on a connected design. Offsets are thus relative to the average
evaluator, and q_d is the dossier's total as the average evaluator would give it.

Standard errors: with X = [A, BZ] and M = XᵀX + diag(0, λI), Cov(θ) = σ̂² M⁻¹,
the posterior covariance under the prior c ~ N(0, σ²/λ) (it counts the shrinkage
as uncertainty, so it is wider than the ridge sandwich σ² M⁻¹XᵀXM⁻¹). σ̂² is
RSS / (n − tr H) with H = X M⁻¹ Xᵀ, the hat matrix: tr H is the effective number
of parameters, between D and D + E − 1. Cov(b) = Z Cov(c) Zᵀ.

Calibration never replaces raw totals; it is reported beside them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from models.french import nombre_fr


@dataclass(frozen=True)
class Observation:
    evaluator: str
    dossier: int
    y: float  # the evaluation's weighted total


@dataclass(frozen=True)
class EvaluatorOffset:
    evaluator: str
    offset: float  # b_e: above 0, scores higher than the average evaluator
    stderr: float | None
    n: int


@dataclass(frozen=True)
class Calibration:
    available: bool
    offsets: tuple[EvaluatorOffset, ...]  # by evaluator
    totals: Mapping[int, float]  # dossier → q_d (the raw mean when not available)
    stderrs: Mapping[int, float | None]
    sigma: float | None  # residual standard deviation σ̂
    dof: float | None  # residual degrees of freedom n − tr H
    note: str | None  # why calibration is unavailable, or what limits it (French)


MIN_DOF = 3.0  # residual degrees of freedom needed to estimate the noise


def calibrate(observations: Sequence[Observation], strength: float = 1.0) -> Calibration:
    if strength < 0:
        raise ValueError(f"calibration strength must be >= 0, not {strength}")
    if len({(o.evaluator, o.dossier) for o in observations}) != len(observations):
        raise ValueError("an evaluator appears twice on the same dossier")
    evaluators = sorted({o.evaluator for o in observations})
    dossiers = sorted({o.dossier for o in observations})
    n, d, e = len(observations), len(dossiers), len(evaluators)
    if not observations:
        return _uncalibrated(observations, "calibration impossible : aucun dossier au quorum")
    if e < 2:
        return _uncalibrated(observations, "calibration impossible : il faut au moins deux "
                             "évaluateurs ; totaux bruts conservés")
    # Without regularisation every parameter must be identified; with it the ridge keeps
    # the system solvable and what matters is the residual's degrees of freedom (below).
    if strength == 0 and n < d + e - 1:
        return _uncalibrated(observations, f"calibration impossible : {n} évaluations pour "
                             f"{d} dossiers et {e} évaluateurs (il en faut au moins "
                             f"{d + e - 1} sans régularisation) ; totaux bruts conservés")
    groups = _components(observations)
    if groups > 1 and strength == 0:
        return _uncalibrated(observations, f"calibration impossible sans régularisation : "
                             f"{groups} groupes d'évaluateurs sans dossier commun ; totaux "
                             f"bruts conservés")

    d_index = {num: i for i, num in enumerate(dossiers)}
    e_index = {ev: i for i, ev in enumerate(evaluators)}
    rows = np.arange(n)
    a = np.zeros((n, d))
    a[rows, [d_index[o.dossier] for o in observations]] = 1.0
    b = np.zeros((n, e))
    b[rows, [e_index[o.evaluator] for o in observations]] = 1.0
    z = np.linalg.svd(np.ones((e, 1)))[0][:, 1:]  # orthonormal basis of {Σ b = 0}
    x = np.hstack([a, b @ z])
    y = np.array([o.y for o in observations], dtype=float)

    m = x.T @ x + np.diag(np.r_[np.zeros(d), np.full(e - 1, strength)])
    m_inv = np.linalg.inv(m)
    theta = m_inv @ (x.T @ y)
    resid = y - x @ theta
    dof = float(n - np.trace(m_inv @ (x.T @ x)))
    if dof < MIN_DOF:
        return _uncalibrated(observations, f"calibration impossible : {n} évaluations pour "
                             f"{d} dossiers et {e} évaluateurs laissent "
                             f"{nombre_fr(dof)} degré(s) de "
                             f"liberté pour estimer le bruit (au moins {MIN_DOF}) ; totaux "
                             f"bruts conservés")
    sigma2 = float(resid @ resid) / dof
    cov = sigma2 * m_inv
    offsets = z @ theta[d:]
    offset_var = np.einsum("ij,jk,ik->i", z, cov[d:, d:], z)

    counts = Counter(o.evaluator for o in observations)
    note = None
    if groups > 1:
        note = (f"calibration partielle : {groups} groupes d'évaluateurs sans dossier commun, "
                f"comparés seulement par la régularisation")
    return Calibration(
        available=True,
        offsets=tuple(EvaluatorOffset(ev, float(offsets[i]), _sqrt(offset_var[i]), counts[ev])
                      for ev, i in e_index.items()),
        totals={num: float(theta[i]) for num, i in d_index.items()},
        stderrs={num: _sqrt(cov[i, i]) for num, i in d_index.items()},
        sigma=sigma2 ** 0.5, dof=dof, note=note,
    )


def _sqrt(variance: float) -> float:
    return float(np.sqrt(max(float(variance), 0.0)))


def _uncalibrated(observations: Sequence[Observation], note: str) -> Calibration:
    by_dossier: dict[int, list[float]] = {}
    for o in observations:
        by_dossier.setdefault(o.dossier, []).append(o.y)
    counts = Counter(o.evaluator for o in observations)
    return Calibration(
        available=False,
        offsets=tuple(EvaluatorOffset(ev, 0.0, None, counts[ev]) for ev in sorted(counts)),
        totals={num: float(np.mean(ys)) for num, ys in sorted(by_dossier.items())},
        stderrs=dict.fromkeys(sorted(by_dossier)),
        sigma=None, dof=None, note=note,
    )


def _components(observations: Sequence[Observation]) -> int:
    """Connected groups of the evaluator–dossier graph (offsets compare only within one)."""
    parent: dict[object, object] = {}

    def find(node: object) -> object:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for o in observations:
        parent[find(("e", o.evaluator))] = find(("d", o.dossier))
    return len({find(node) for node in list(parent)})
