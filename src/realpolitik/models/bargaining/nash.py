"""Asymmetric Nash bargaining on one issue (Nash 1950; weighted form, docs/design.md).

Maximise sum_i w_i log(U_i(x) - U_i(d)) with U_i(x) = 1 - |x - x_i| / R over x in [lo, hi].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from realpolitik.models.bargaining.compromise import one_issue
from realpolitik.models.bargaining.panel import nash_panel


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
    an open interval (the intersection of intervals around each x_i). The maximiser is where the
    derivative sum_i w_i sign(x_i - x) / (|d - x_i| - |x - x_i|) changes sign, found by
    bisection (:func:`realpolitik.models.bargaining.panel.nash_panel` on a one-row panel).
    """
    x, w = one_issue(positions, weights)
    outcome, feasible = nash_panel(x, w, lo, hi, disagreement)
    y = float(outcome[0])
    if not feasible[0]:
        return NashResult(y, False, float("-inf"))
    keep = w[0] > 0
    xs, ws = x[0][keep], w[0][keep]
    gain = (np.abs(disagreement - xs) - np.abs(y - xs)) / max(hi - lo, 1e-300)
    return NashResult(y, True, float(np.sum(ws * np.log(gain))))
