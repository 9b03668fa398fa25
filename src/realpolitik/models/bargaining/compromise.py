"""The compromise model (Achen 2006; Stokman's "Nash bargaining solution" in decide)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from realpolitik.models.bargaining.panel import compromise_panel


def one_issue(positions: ArrayLike, weights: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """One issue as a one-row panel (the panel functions hold the maths)."""
    x = np.asarray(positions, dtype=float)
    w = np.asarray(weights, dtype=float)
    if x.shape != w.shape or x.ndim != 1 or x.size == 0:
        raise ValueError("positions and weights must be non-empty 1-d arrays of one length")
    return x[None, :], w[None, :]


def compromise(positions: ArrayLike, weights: ArrayLike) -> float:
    """Weighted mean sum w_i x_i / sum w_i with w_i = c_i s_i (docs/design.md, Compromise).

    When every weight is zero the plain mean is returned.
    """
    return float(compromise_panel(*one_issue(positions, weights))[0])
