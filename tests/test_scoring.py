"""Predictive distributions and their scores, against independent computations."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from realpolitik.analysis.scoring import (
    LOG_FLOOR,
    crps,
    log_score,
    pit,
    residual_distribution,
)


def _crps_by_definition(y: float, x: np.ndarray, w: np.ndarray) -> float:
    """CRPS = integral of (F(z) - 1{z >= y})^2 dz, integrated numerically on a fine grid."""
    z = np.linspace(min(x.min(), y) - 1, max(x.max(), y) + 1, 200_001)
    cdf = (w[None, :] * (x[None, :] <= z[:, None])).sum(axis=1)  # the step CDF
    return float(np.trapezoid((cdf - (z >= y)) ** 2, z))


@settings(max_examples=30, deadline=None)
@given(
    y=st.floats(0, 100),
    x=st.lists(st.floats(0, 100), min_size=1, max_size=6),
    raw=st.lists(st.floats(0.05, 1), min_size=6, max_size=6),
)
def test_crps_matches_its_definition(y, x, raw):
    xs = np.array(x)
    w = np.array(raw[: xs.size])
    w = w / w.sum()
    pad_x = np.concatenate([xs, [np.nan]])[None, :]  # a missing value carries no weight
    pad_w = np.concatenate([w, [0.3]])[None, :]
    got = crps(np.array([y]), pad_x, pad_w)[0]
    assert got == pytest.approx(_crps_by_definition(y, xs, w), abs=2e-3)


def test_crps_of_a_point_is_the_absolute_error():
    got = crps(np.array([30.0, 80.0]), np.array([[50.0], [60.0]]), np.ones((2, 1)))
    np.testing.assert_allclose(got, [20.0, 20.0])


def test_residual_distribution_clips_to_the_scale():
    v, w = residual_distribution(
        np.array([90.0, 10.0]), [np.array([-20.0, 0.0, 20.0]), np.array([5.0])], 0.0, 100.0
    )
    np.testing.assert_allclose(v[0], [70, 90, 100])
    assert v[1, 0] == 15 and np.isnan(v[1, 1:]).all()
    np.testing.assert_allclose(w.sum(axis=1), 1.0)


def test_log_score_of_the_nearest_tabled_position_by_hand():
    positions = np.array([[0.0, 50.0, 100.0, 50.0]])
    values = np.array([[0.0, 48.0, 70.0, np.nan]])
    weights = np.array([[0.5, 0.3, 0.2, 0.0]])
    # 70 goes to 50 (nearer than 100): P(0) = .5, P(50) = .5, P(100) = 0, then the floor
    p50 = (1 - LOG_FLOOR) * 0.5 + LOG_FLOOR / 3
    p100 = LOG_FLOOR / 3
    assert log_score(np.array([55.0]), positions, values, weights)[0] == pytest.approx(
        -np.log(p50)
    )
    assert log_score(np.array([90.0]), positions, values, weights)[0] == pytest.approx(
        -np.log(p100)
    )


def test_pit_is_uniform_for_a_calibrated_forecaster():
    """Outcomes drawn from the forecast distribution itself (discrete, with ties): the randomised
    PIT is uniform (Kolmogorov-Smirnov)."""
    rng = np.random.default_rng(3)
    n, k = 4000, 5
    values = np.sort(rng.choice([0.0, 25.0, 50.0, 75.0, 100.0], (n, k)), axis=1)
    weights = rng.dirichlet(np.ones(k), n)
    pick = np.array([rng.choice(k, p=w) for w in weights])
    y = values[np.arange(n), pick]
    u = pit(y, values, weights, seed=1)
    assert stats.kstest(u, "uniform").pvalue > 0.01
    # a forecaster that is too sharp (all mass at its median) is not
    sharp = np.median(values, axis=1, keepdims=True)
    assert stats.kstest(pit(y, sharp, np.ones((n, 1)), seed=1), "uniform").pvalue < 1e-6
