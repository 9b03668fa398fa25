"""The compromise model (Achen 2006; Stokman's "Nash bargaining solution" in decide)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def compromise(positions: ArrayLike, weights: ArrayLike) -> float:
    """Weighted mean sum w_i x_i / sum w_i with w_i = c_i s_i (DESIGN.md, Compromise).

    When every weight is zero the plain mean is returned.
    """
    x = np.asarray(positions, dtype=float)
    w = np.asarray(weights, dtype=float)
    if x.shape != w.shape or x.ndim != 1 or x.size == 0:
        raise ValueError("positions and weights must be non-empty 1-d arrays of one length")
    total = w.sum()
    if total <= 0:
        return float(x.mean())
    return float(np.dot(w, x) / total)
