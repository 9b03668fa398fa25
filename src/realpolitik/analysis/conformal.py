"""Prediction intervals calibrated on out-of-sample residuals (split conformal prediction).

A forecast x gets the interval [x - q, x + q] (cut to the scale), where q is a quantile of the
absolute residuals of forecasts made for proposals the model had not seen (Vovk, Gammerman &
Shafer 2005; Lei et al. 2018, JASA 113, split conformal). The textbook radius, the
ceil((n + 1) c)-th smallest residual, guarantees coverage >= c; the DEU outcomes and many
forecasts sit on a coarse grid of positions (0, 50, 100, ...), so many residuals tie and that
radius can overshoot the target by several points. :func:`calibrated_radius` instead picks, among
the observed residuals and the points just below them, the radius whose empirical coverage is
nearest the target: the interval is meant to cover c of future outcomes, not at least c.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

TARGET = 0.8


def conformal_radius(abs_residuals: ArrayLike, coverage: float = TARGET) -> float:
    """Split-conformal radius: the ceil((n + 1) c)-th smallest |residual| (inf if n is small)."""
    r = np.sort(np.abs(np.asarray(abs_residuals, dtype=float)))
    k = int(np.ceil((r.size + 1) * coverage))
    return float(r[k - 1]) if 1 <= k <= r.size else float("inf")


def calibrated_radius(
    abs_residuals: ArrayLike, coverage: float = TARGET, resolution: float = 1e-6
) -> float:
    """The radius q whose empirical coverage mean(|r| <= q) is nearest ``coverage``.

    Candidates are every observed |residual| and each one minus ``resolution`` (just below a tie).
    On ties between candidates the larger radius wins.
    """
    r = np.sort(np.abs(np.asarray(abs_residuals, dtype=float)))
    if r.size == 0:
        return float("inf")
    cand = np.unique(np.concatenate([r, np.maximum(r - resolution, 0.0)]))
    cov = np.searchsorted(r, cand, side="right") / r.size
    gap = np.abs(cov - coverage)
    best = np.flatnonzero(gap <= gap.min() + 1e-12)
    return float(cand[best[-1]])


def interval(
    forecast: ArrayLike, radius: ArrayLike, lo: float = -np.inf, hi: float = np.inf
) -> tuple[np.ndarray, np.ndarray]:
    """[x - q, x + q] cut to [lo, hi]."""
    x = np.asarray(forecast, dtype=float)
    q = np.asarray(radius, dtype=float)
    return np.clip(x - q, lo, hi), np.clip(x + q, lo, hi)


def coverage(outcome: ArrayLike, low: ArrayLike, high: ArrayLike) -> float:
    """Share of outcomes inside their interval (ends included)."""
    y = np.asarray(outcome, dtype=float)
    if y.size == 0:
        return float("nan")
    return float(np.mean((y >= np.asarray(low)) & (y <= np.asarray(high))))
