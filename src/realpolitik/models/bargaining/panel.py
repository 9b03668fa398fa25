"""The compromise model and the weighted median for a panel of issues at once.

A panel is an (issues x actors) array of positions with NaN where an actor takes no part, and an
array of weights of the same shape (w = c s). Every function here is the vectorised twin of a
one-issue model in this package and agrees with it issue by issue (tests/test_backtest_models.py).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def _panel(positions: ArrayLike, weights: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.asarray(positions, dtype=float)
    w = np.broadcast_to(np.asarray(weights, dtype=float), x.shape)
    if x.ndim != 2:
        raise ValueError("positions must be an (issues x actors) array")
    present = ~np.isnan(x)
    if not present.any(axis=1).all():
        raise ValueError("every issue needs at least one actor with a position")
    w = np.where(present, np.nan_to_num(w, nan=0.0), 0.0)
    if (w < 0).any():
        raise ValueError("weights must be >= 0")
    return x, w, present


def compromise_panel(positions: ArrayLike, weights: ArrayLike) -> np.ndarray:
    """Row-wise sum_i w_i x_i / sum_i w_i over the actors present (Achen 2006; docs/design.md,
    Compromise); the plain mean of the positions when every weight on an issue is zero."""
    x, w, present = _panel(positions, weights)
    xz = np.where(present, x, 0.0)
    tot = w.sum(axis=1)
    plain = xz.sum(axis=1) / present.sum(axis=1)
    safe = np.where(tot > 0, tot, 1.0)
    return np.where(tot > 0, (w * xz).sum(axis=1) / safe, plain)


def weighted_median_panel(positions: ArrayLike, weights: ArrayLike) -> np.ndarray:
    """Row-wise smallest position whose cumulative weight is >= half the total (Black 1948;
    docs/design.md, Weighted median), with the same 1e-12 relative tolerance as
    :func:`realpolitik.models.bargaining.weighted_median`; equal weights when all are zero."""
    x, w, present = _panel(positions, weights)
    w = np.where((w.sum(axis=1) > 0)[:, None], w, present.astype(float))
    key = np.where(present, x, np.inf)
    order = np.argsort(key, axis=1, kind="stable")
    xs = np.take_along_axis(key, order, axis=1)
    cum = np.cumsum(np.take_along_axis(w, order, axis=1), axis=1)
    half = 0.5 * cum[:, -1:] * (1 - 1e-12)
    k = (cum < half).sum(axis=1)
    k = np.minimum(k, present.sum(axis=1) - 1)
    return xs[np.arange(x.shape[0]), k]


def nash_panel(
    positions: ArrayLike,
    weights: ArrayLike,
    lo: float,
    hi: float,
    disagreement: ArrayLike,
    max_iter: int = 200,
) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise weighted Nash bargaining solution with linear-loss utilities (Nash 1950;
    docs/design.md, Nash bargaining): the vectorised twin of
    :func:`realpolitik.models.bargaining.nash_bargaining`.

    Maximises sum_i w_i log(|d - x_i| - |y - x_i|) over the open feasible interval
    (max_i(x_i - |d - x_i|), min_i(x_i + |d - x_i|)) cut to [lo, hi], by bisection on the
    derivative, all issues at once. Returns (outcome, feasible); an infeasible issue (no y
    improves on d for every actor with positive weight) returns d.
    """
    x, w, present = _panel(positions, weights)
    d = np.broadcast_to(np.asarray(disagreement, dtype=float), (x.shape[0],)).astype(float)
    keep = present & (w > 0)
    xz = np.where(keep, x, 0.0)
    gap = np.abs(d[:, None] - xz)
    left = np.maximum(np.where(keep, xz - gap, -np.inf).max(axis=1), lo)
    right = np.minimum(np.where(keep, xz + gap, np.inf).min(axis=1), hi)
    # an interval narrower than 1e-9 of the scale is rounding noise, not room for agreement
    feasible = keep.any(axis=1) & (right - left > 1e-9 * max(1.0, hi - lo))
    a = np.where(feasible, left, 0.0)
    b = np.where(feasible, right, 0.0)
    tol = 1e-12 * max(1.0, hi - lo)
    for _ in range(max_iter):
        if not np.any(b - a > tol):
            break
        m = 0.5 * (a + b)
        surplus = np.where(keep & feasible[:, None], gap - np.abs(m[:, None] - xz), 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = np.where(keep, w * np.sign(xz - m[:, None]) / surplus, 0.0).sum(axis=1)
        up = slope > 0
        a, b = np.where(up, m, a), np.where(up, b, m)
    return np.where(feasible, 0.5 * (a + b), d), feasible
