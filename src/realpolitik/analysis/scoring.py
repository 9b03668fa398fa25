"""Scores of point forecasts and of predictive distributions on an issue's scale.

Every model gives a predictive distribution, a finite set of values with weights per issue
(issues x K, NaN value = none):

- a choice model (focal, ensemble) its own: its candidates with their choice probabilities;
- every other model its point forecast plus the out-of-fold residuals (outcome - forecast) of
  the training issues, clipped to the scale: the empirical residual distribution, the
  distributional counterpart of split conformal prediction (Lei et al. 2018, JASA 113).

Proper scores come from ``scoringrules`` (Zanetta & Allen 2024): the continuous ranked
probability score (CRPS; Gneiting & Raftery 2007, JASA 102, eq. 20) of the weighted ensemble,
and the logarithmic score of the realised outcome's nearest tabled position (each value of the
distribution is credited to its nearest tabled position; a 1% share of mass is spread evenly
over the tabled positions so that no outcome has probability 0). Calibration is shown by the
randomised probability integral transform (PIT; Czado, Gneiting & Held 2009, Biometrics 65):
uniform on [0, 1] for a calibrated forecaster.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scoringrules as sr

from realpolitik.analysis.conformal import coverage
from realpolitik.analysis.crossval import cluster_bootstrap_mean
from realpolitik.models.bargaining.focal import tabled_positions

LOG_FLOOR = 0.01
"""Share of mass spread evenly over the tabled positions before the log score is taken."""


def residual_distribution(
    point: np.ndarray, residuals: Sequence[np.ndarray], lo: float, hi: float
) -> tuple[np.ndarray, np.ndarray]:
    """Values clip(point_t + r, lo, hi) for every residual r of issue t's set, equal weights."""
    k = max((r.size for r in residuals), default=0)
    values = np.full((point.size, max(k, 1)), np.nan)
    weights = np.zeros(values.shape)
    for t, r in enumerate(residuals):
        if r.size == 0:
            values[t, 0], weights[t, 0] = point[t], 1.0
        else:
            values[t, : r.size] = np.clip(point[t] + r, lo, hi)
            weights[t, : r.size] = 1.0 / r.size
    return values, weights


def crps(outcome: np.ndarray, values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """CRPS of each issue's weighted ensemble (scoringrules; lower is better)."""
    w = np.where(np.isnan(values), 0.0, weights)
    w = w / w.sum(axis=1, keepdims=True)
    return np.asarray(sr.crps_ensemble(outcome, np.nan_to_num(values), ens_w=w), dtype=float)


def tabled_mass(
    positions: np.ndarray, values: np.ndarray, weights: np.ndarray, floor: float = LOG_FLOOR
) -> tuple[np.ndarray, np.ndarray]:
    """(tabled positions issues x K, probability of each): every value's weight goes to its
    nearest tabled position, then a share ``floor`` is spread evenly over them."""
    tab = tabled_positions(positions)
    d = np.abs(values[:, :, None] - tab[:, None, :])
    d = np.where(np.isnan(d), np.inf, d)
    nearest = np.argmin(d, axis=2)
    w = np.where(np.isnan(values), 0.0, weights)
    mass = np.zeros(tab.shape)
    rows = np.repeat(np.arange(tab.shape[0]), values.shape[1])
    np.add.at(mass, (rows, nearest.ravel()), w.ravel())
    valid = ~np.isnan(tab)
    mass = mass / mass.sum(axis=1, keepdims=True)
    mass = (1 - floor) * mass + floor * valid / valid.sum(axis=1, keepdims=True)
    return tab, np.where(valid, mass, 0.0)


def log_score(
    outcome: np.ndarray, positions: np.ndarray, values: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """-log P(the tabled position nearest the outcome) per issue (scoringrules; lower is
    better)."""
    tab, mass = tabled_mass(positions, values, weights)
    d = np.where(np.isnan(tab), np.inf, np.abs(tab - outcome[:, None]))
    p = mass[np.arange(tab.shape[0]), np.argmin(d, axis=1)]
    return np.asarray(sr.log_score(np.ones_like(p), p), dtype=float)


def pit(
    outcome: np.ndarray, values: np.ndarray, weights: np.ndarray, seed: int = 0
) -> np.ndarray:
    """Randomised PIT: F(y-) + u (F(y) - F(y-)), u uniform (seeded), per issue."""
    w = np.where(np.isnan(values), 0.0, weights)
    w = w / w.sum(axis=1, keepdims=True)
    v = np.nan_to_num(values, nan=np.inf)
    y = outcome[:, None]
    below = (w * (v < y - 1e-9)).sum(axis=1)
    at = (w * (np.abs(v - y) <= 1e-9)).sum(axis=1)
    u = np.random.default_rng(seed).uniform(size=outcome.size)
    return np.clip(below + u * at, 0.0, 1.0)


def paired_difference(
    errors: np.ndarray, reference: np.ndarray, proposal: np.ndarray, n_boot: int, seed: int = 0,
    level: float = 0.95,
) -> dict[str, Any]:
    """Mean of errors - reference with a cluster-bootstrap interval (proposals resampled)."""
    d = np.asarray(errors, dtype=float) - np.asarray(reference, dtype=float)
    lo, hi = cluster_bootstrap_mean(d, list(proposal), n_boot, seed, level)
    return {"mae_diff": float(d.mean()), "ci95": [lo, hi]}


def point_metrics(
    forecast: np.ndarray, outcome: np.ndarray, proposal: np.ndarray, procedure: np.ndarray,
    rule: np.ndarray, n_boot: int, seed: int = 0,
) -> dict[str, Any]:
    """MAE with a 95% cluster-bootstrap interval (proposals resampled), median absolute error,
    RMSE, hit rates within 5, 10 and 20 points, and MAE by procedure and by Council rule."""
    e = np.abs(forecast - outcome)
    res: dict[str, Any] = {
        "mae": float(e.mean()),
        "mae_ci95": list(cluster_bootstrap_mean(e, list(proposal), n_boot, seed)),
        "median_ae": float(np.median(e)),
        "rmse": float(np.sqrt(np.mean(e**2))),
        "within5": float(np.mean(e <= 5)),
        "within10": float(np.mean(e <= 10)),
        "within20": float(np.mean(e <= 20)),
    }
    for key, labels in (("by_procedure", procedure), ("by_rule", rule)):
        res[key] = {
            str(v): {"n": int(np.sum(labels == v)), "mae": float(e[labels == v].mean())}
            for v in sorted({str(v) for v in labels})
        }
    return res


def distribution_metrics(
    outcome: np.ndarray, positions: np.ndarray, values: np.ndarray, weights: np.ndarray,
    low: np.ndarray, high: np.ndarray,
) -> dict[str, Any]:
    """Mean CRPS, mean log score, 80% interval coverage and mean width."""
    return {
        "crps": float(crps(outcome, values, weights).mean()),
        "log_score": float(log_score(outcome, positions, values, weights).mean()),
        "coverage80": coverage(outcome, low, high),
        "interval80_width": float(np.mean(high - low)),
    }


def band_of(outcome: float, bands: Sequence[tuple[str, float, float]]) -> str | None:
    """The labelled band an outcome falls in (the upper band on a midpoint)."""
    for k, (label, lo, hi) in enumerate(bands):
        last = k == len(bands) - 1
        if lo <= outcome and (outcome <= hi if last else outcome < hi):
            return label
    return None


def band_brier(probabilities: dict[str, float], observed: str | None) -> float:
    """Multi-category Brier score (Brier 1950) of band probabilities against the band that
    happened: sum_k (p_k - o_k)^2."""
    return float(sum((p - (1.0 if label == observed else 0.0)) ** 2
                     for label, p in probabilities.items()))


def sample_crps(outcome: float, samples: Sequence[float]) -> float:
    """CRPS of one forecast given as equally weighted samples (:func:`crps` on one issue)."""
    xs = np.asarray(samples, dtype=float)[None, :]
    return float(crps(np.array([float(outcome)]), xs, np.ones_like(xs))[0])


def sample_pit(outcome: float, samples: Sequence[float], seed: int = 0) -> float:
    """Randomised PIT of one forecast given as samples (:func:`pit` on one issue)."""
    xs = np.asarray(samples, dtype=float)[None, :]
    return float(pit(np.array([float(outcome)]), xs, np.ones_like(xs), seed)[0])
