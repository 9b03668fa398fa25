"""The weighted median (Black 1948's median voter with weights)."""

from __future__ import annotations

from numpy.typing import ArrayLike

from realpolitik.models.bargaining.panel import one_issue, weighted_median_panel


def weighted_median(positions: ArrayLike, weights: ArrayLike) -> float:
    """Smallest position x whose cumulative weight is >= half the total (docs/design.md).

    A relative tolerance of 1e-12 on the half-weight comparison keeps the answer independent of
    how the weights are scaled or ordered; equal weights when all are zero.
    """
    return float(weighted_median_panel(*one_issue(positions, weights))[0])
