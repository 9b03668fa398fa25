"""The weighted median (Black 1948's median voter with weights)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def weighted_median(positions: ArrayLike, weights: ArrayLike) -> float:
    """Smallest position x whose cumulative weight is >= half the total (DESIGN.md).

    A relative tolerance of 1e-12 on the half-weight comparison keeps the answer independent of
    how the weights are scaled or ordered.
    """
    x = np.asarray(positions, dtype=float)
    w = np.asarray(weights, dtype=float)
    if x.shape != w.shape or x.ndim != 1 or x.size == 0:
        raise ValueError("positions and weights must be non-empty 1-d arrays of one length")
    if w.sum() <= 0:
        w = np.ones_like(w)
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order]
    cum = np.cumsum(ws)
    half = 0.5 * cum[-1]
    k = int(np.searchsorted(cum, half * (1 - 1e-12), side="left"))
    return float(xs[min(k, xs.size - 1)])
