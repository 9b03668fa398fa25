"""The compromise model (Achen 2006; Stokman's "Nash bargaining solution" in decide)."""

from __future__ import annotations

from numpy.typing import ArrayLike

from realpolitik.models.bargaining.panel import compromise_panel, one_issue


def compromise(positions: ArrayLike, weights: ArrayLike) -> float:
    """Weighted mean sum w_i x_i / sum w_i with w_i = c_i s_i (docs/design.md, Compromise).

    When every weight is zero the plain mean is returned (the zero-weight rule of
    :mod:`realpolitik.models.bargaining.panel`).
    """
    return float(compromise_panel(*one_issue(positions, weights))[0])
