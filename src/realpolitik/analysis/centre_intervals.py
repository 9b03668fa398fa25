"""Confidence intervals for the centre of a small sample: the mean (Student's t) and the median
(order statistics, distribution-free). Used where a handful of coded events or claims suggests a
number and the question is whether they could be consistent with a cited range."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats

LEVEL = 0.90
"""Two-sided coverage of the intervals the suggestions report."""


def mean_interval(
    x: Sequence[float], level: float = LEVEL, min_n: int = 3
) -> tuple[float, float] | None:
    """Student's t interval for the mean, ``mean +- t_{(1+level)/2, n-1} s / sqrt(n)`` (s: the
    sample standard deviation); None for fewer than ``min_n`` values (too few to say)."""
    v = np.asarray(x, dtype=float)
    if v.size < max(min_n, 2):
        return None
    half = float(stats.t.ppf((1.0 + level) / 2.0, v.size - 1) * v.std(ddof=1) / np.sqrt(v.size))
    m = float(v.mean())
    return m - half, m + half


def median_interval(x: Sequence[float], level: float = LEVEL) -> tuple[float, float] | None:
    """The narrowest symmetric order-statistic interval ``[x_(k), x_(n+1-k)]`` that covers the
    population median with probability at least ``level`` whatever the distribution:
    ``1 - 2 P(B <= k - 1) >= level`` with ``B ~ Binomial(n, 1/2)`` (Conover 1999, Practical
    Nonparametric Statistics, sec. 3.2). None when even ``[min, max]`` covers less (n < 5 at
    90%)."""
    v = np.sort(np.asarray(x, dtype=float))
    n = v.size
    if n == 0 or 1.0 - 2.0 * 0.5**n < level:
        return None
    k = 1
    while k + 1 <= (n + 1) // 2 and 1.0 - 2.0 * stats.binom.cdf(k, n, 0.5) >= level:
        k += 1
    return float(v[k - 1]), float(v[n - k])
