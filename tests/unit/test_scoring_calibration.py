"""Calibration: known evaluator offsets are recovered, shrink with λ; too little data says so."""

from __future__ import annotations

import numpy as np
import pytest

from models.scoring import Calibration, Observation, calibrate

N_DOSSIERS, N_EVALUATORS, K, NOISE = 200, 20, 3, 0.3


def synthetic(seed: int = 7) -> tuple[list[Observation], np.ndarray, np.ndarray]:
    """Each dossier scored by 3 evaluators drawn at random: y = q_d + b_e + N(0, 0.3²)."""
    rng = np.random.default_rng(seed)
    offsets = rng.uniform(-1, 1, N_EVALUATORS)
    offsets -= offsets.mean()
    quality = rng.uniform(10, 30, N_DOSSIERS)
    observations = [
        Observation(f"e{e:02d}", d, float(quality[d] + offsets[e] + rng.normal(0, NOISE)))
        for d in range(N_DOSSIERS) for e in rng.choice(N_EVALUATORS, K, replace=False)
    ]
    return observations, offsets, quality


def estimated(calibration: Calibration) -> tuple[np.ndarray, np.ndarray]:
    return (np.array([o.offset for o in calibration.offsets]),
            np.array([o.stderr for o in calibration.offsets], dtype=float))


def test_recovers_known_offsets() -> None:
    """200 dossiers × 3 of 20 evaluators (about 30 evaluations each), true offsets uniform in
    [−1, 1] and centred, noise σ = 0.3, default λ = 1: every recovered offset is within 0.25 of
    the truth (each stderr is about 0.07, so 0.25 is about 3.5 stderr; it held on 200 seeds),
    and the stderr is of the order of the actual error (RMS error / mean stderr in [0.5, 2])."""
    observations, true_offsets, quality = synthetic()
    cal = calibrate(observations, strength=1.0)
    assert cal.available and cal.note is None
    assert [o.evaluator for o in cal.offsets] == [f"e{e:02d}" for e in range(N_EVALUATORS)]
    offsets, stderrs = estimated(cal)
    error = offsets - true_offsets
    assert abs(offsets.sum()) < 1e-9  # offsets are relative to the average evaluator
    assert np.abs(error).max() <= 0.25
    assert 0.5 <= np.sqrt((error ** 2).mean()) / stderrs.mean() <= 2
    assert cal.sigma == pytest.approx(NOISE, rel=0.2)
    assert sum(o.n for o in cal.offsets) == len(observations)

    totals = np.array([cal.totals[d] for d in range(N_DOSSIERS)])
    total_se = np.array([cal.stderrs[d] for d in range(N_DOSSIERS)], dtype=float)
    total_error = totals - quality  # the true offsets are centred, so q̂_d estimates q_d
    assert 0.5 <= np.sqrt((total_error ** 2).mean()) / total_se.mean() <= 2
    raw = {d: np.mean([o.y for o in observations if o.dossier == d]) for d in range(N_DOSSIERS)}
    raw_error = np.array([raw[d] for d in range(N_DOSSIERS)]) - quality
    assert np.abs(total_error).mean() < np.abs(raw_error).mean()  # calibration helps


def test_strength_shrinks_offsets_towards_zero() -> None:
    observations, _, _ = synthetic()
    sizes = [np.abs(estimated(calibrate(observations, strength=s))[0]).max()
             for s in (0.0, 1.0, 10.0, 100.0, 1e6)]
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[-1] < 0.01
    assert sizes[0] > 0.8  # λ = 0: plain fixed effects, defined on a connected design


def test_one_evaluator_is_not_calibrated() -> None:
    cal = calibrate([Observation("solo", d, float(d)) for d in range(5)])
    assert not cal.available
    assert cal.offsets[0].offset == 0.0 and cal.offsets[0].stderr is None
    assert cal.totals == {d: float(d) for d in range(5)}
    assert cal.note is not None and "deux évaluateurs" in cal.note


def test_fewer_evaluations_than_parameters_is_not_calibrated() -> None:
    # 3 dossiers × 2 evaluations = 6 < 3 dossiers + 4 evaluators
    observations = [Observation(e, d, 10.0 + i) for i, (e, d) in enumerate(
        [("a", 1), ("b", 1), ("c", 2), ("d", 2), ("a", 3), ("c", 3)])]
    cal = calibrate(observations)
    assert not cal.available
    assert {o.offset for o in cal.offsets} == {0.0} and {o.stderr for o in cal.offsets} == {None}
    assert cal.totals == {1: 10.5, 2: 12.5, 3: 14.5}
    assert cal.note is not None and "6 évaluations" in cal.note


def test_disconnected_groups_are_said() -> None:
    group = [("a", 1), ("b", 1), ("a", 2), ("b", 2), ("a", 3), ("b", 3)]
    observations = [Observation(e, d, float(d)) for e, d in group]
    observations += [Observation(e.upper(), d + 10, float(d)) for e, d in group]
    with_ridge = calibrate(observations, strength=1.0)
    assert with_ridge.available and "2 groupes" in (with_ridge.note or "")
    without = calibrate(observations, strength=0.0)
    assert not without.available and "2 groupes" in (without.note or "")


def test_sparse_designs_calibrate_with_the_ridge_and_not_without():
    """60 dossiers, each seen by 3 evaluators of 150 (fewer evaluations than parameters):
    the ridge keeps the offsets estimable; unregularised, calibration declines."""
    rng = np.random.default_rng(4)
    observations = [Observation(f"e{rng.integers(150)}-{d}-{i}", d, float(rng.normal(30, 3)))
                    for d in range(60) for i in range(3)]
    regularised = calibrate(observations, strength=1.0)
    assert regularised.available and regularised.dof >= 3
    plain = calibrate(observations, strength=0.0)
    assert not plain.available and "sans régularisation" in plain.note
