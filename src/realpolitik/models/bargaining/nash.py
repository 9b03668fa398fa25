"""Asymmetric Nash bargaining on one issue (Nash 1950; weighted form, DESIGN.md).

Maximise sum_i w_i log(U_i(x) - U_i(d)) with U_i(x) = 1 - |x - x_i| / R over x in [lo, hi].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


@dataclass(frozen=True)
class NashResult:
    """The bargaining solution; ``feasible`` is False when no x improves on d for every actor
    with positive weight, in which case ``outcome`` is the disagreement point."""

    outcome: float
    feasible: bool
    log_product: float


def nash_bargaining(
    positions: ArrayLike, weights: ArrayLike, lo: float, hi: float, disagreement: float
) -> NashResult:
    """Weighted Nash bargaining solution with linear loss utilities.

    U_i(x) - U_i(d) = (|d - x_i| - |x - x_i|) / R is concave and piecewise linear in x, so the
    objective is concave on the feasible set {x : |x - x_i| < |d - x_i| for all i with w_i > 0},
    an open interval (the intersection of intervals around each x_i). The maximiser is the
    point where the derivative sum_i w_i sign(x_i - x) / (|d - x_i| - |x - x_i|) changes sign,
    found by bisection on the derivative.
    """
    x = np.asarray(positions, dtype=float)
    w = np.asarray(weights, dtype=float)
    keep = w > 0
    x, w = x[keep], w[keep]
    if x.size == 0:
        return NashResult(float(disagreement), False, float("-inf"))
    gap = np.abs(disagreement - x)
    # Feasible set: |y - x_i| < gap_i for all i  ->  (max(x_i - gap_i), min(x_i + gap_i))
    left = max(float(np.max(x - gap)), lo)
    right = min(float(np.min(x + gap)), hi)
    if not right - left > 1e-9 * max(hi - lo, 1.0):
        return NashResult(float(disagreement), False, float("-inf"))

    def slope(y: float) -> float:
        surplus = gap - np.abs(y - x)
        return float(np.sum(w * np.sign(x - y) / surplus))

    a, b = left, right
    for _ in range(200):
        m = 0.5 * (a + b)
        if slope(m) > 0:
            a = m
        else:
            b = m
        if b - a <= 1e-12 * max(1.0, hi - lo):
            break
    y = 0.5 * (a + b)
    value = float(np.sum(w * np.log((gap - np.abs(y - x)) / max(hi - lo, 1e-300))))
    return NashResult(float(y), True, value)
