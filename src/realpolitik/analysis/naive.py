"""The back-test's naive baseline: every issue forecast at the midpoint of DEU's 0-100 scale.

A forecaster that knows nothing about the actors. A model that does not beat it (its MAE minus
the baseline's has a 95% interval below 0) adds nothing on that file. Same errors, proposals
resampled in the same cluster bootstrap as every other comparison of the back-test
(``analysis.scoring``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from realpolitik.analysis.backtest import N_BOOT, BacktestResult
from realpolitik.analysis.scoring import paired_difference, point_metrics

MIDPOINT = 50.0
"""The naive forecast: the middle of DEU's 0-100 position scale."""


def naive_baseline(result: BacktestResult, n_boot: int = N_BOOT, seed: int = 0) -> dict[str, Any]:
    """The midpoint's MAE (95% cluster-bootstrap interval), hit rates, and each scored model's
    MAE minus the midpoint's with its paired interval (negative: the model does better)."""
    y = np.asarray(result.outcome, dtype=float)
    naive = np.full(y.shape, MIDPOINT)
    metrics = point_metrics(naive, y, result.proposal, result.procedure, result.rule, n_boot,
                            seed)
    err = np.abs(naive - y)
    metrics["forecast"] = MIDPOINT
    metrics["vs_naive"] = {
        m: paired_difference(np.abs(rec.forecast - y), err, result.proposal, n_boot, seed)
        for m, rec in result.models.items()
    }
    return metrics
