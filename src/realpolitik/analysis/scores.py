"""Proper scores of predictive distributions given as samples (Gneiting & Raftery 2007).

CRPS through ``scoringrules`` (the energy form E|X - y| - E|X - X'|/2 over the samples); the
Brier score over labelled bands, sum_k (p_k - o_k)^2 (Brier 1950, multi-category); the PIT,
P(X < y) + P(X = y)/2, whose histogram is flat for a calibrated forecaster.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import scoringrules as sr


def crps(outcome: float, samples: Sequence[float] | np.ndarray) -> float:
    """CRPS of an ensemble (a point forecast is a one-member ensemble: CRPS = |x - y|)."""
    return float(sr.crps_ensemble(float(outcome), np.asarray(samples, dtype=float)))


def band_of(outcome: float, bands: Sequence[tuple[str, float, float]]) -> str | None:
    """The labelled band an outcome falls in (the upper band on a midpoint)."""
    for k, (label, lo, hi) in enumerate(bands):
        last = k == len(bands) - 1
        if lo <= outcome and (outcome <= hi if last else outcome < hi):
            return label
    return None


def brier(probabilities: Mapping[str, float], observed: str | None) -> float:
    """Multi-category Brier score of band probabilities against the band that happened."""
    return float(
        sum((p - (1.0 if label == observed else 0.0)) ** 2 for label, p in probabilities.items())
    )


def pit(outcome: float, samples: Sequence[float] | np.ndarray) -> float:
    """Probability integral transform of the outcome under the samples (mid-rank for ties)."""
    xs = np.asarray(samples, dtype=float)
    return float(np.mean(xs < outcome) + 0.5 * np.mean(xs == outcome))
