"""Intervals for a small sample's centre: Student's t for the mean against SciPy's own interval,
the order-statistic interval for the median by its binomial coverage and by simulation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from realpolitik.analysis.centre_intervals import mean_interval, median_interval

finite = st.floats(-1e3, 1e3, allow_nan=False)


@given(st.lists(finite, min_size=3, max_size=40), st.sampled_from([0.5, 0.9, 0.95]))
def test_mean_interval_is_scipys_t_interval(x: list[float], level: float):
    m, s = np.mean(x), stats.sem(x)
    ours = mean_interval(x, level)
    assert ours is not None
    if s == 0:
        assert ours == pytest.approx((m, m))
    else:
        assert ours == pytest.approx(stats.t.interval(level, len(x) - 1, loc=m, scale=s))


def test_mean_interval_needs_three_values():
    assert mean_interval([0.1, 0.2]) is None and mean_interval([]) is None
    assert mean_interval([0.1, 0.2], min_n=2) is not None


@pytest.mark.parametrize(
    ("n", "ranks"),
    # 1 - 2 P(B <= k-1), B ~ Bin(n, 1/2): n = 5: 0.9375 at k = 1; n = 10: 0.979 at k = 2,
    # 0.891 at k = 3; n = 20: 0.959 at k = 6, 0.885 at k = 7
    [(4, None), (5, (1, 5)), (10, (2, 9)), (20, (6, 15))],
)
def test_median_interval_order_statistics(n: int, ranks: tuple[int, int] | None):
    x = np.arange(1.0, n + 1)[::-1]  # given unsorted
    got = median_interval(list(x))
    assert got == (None if ranks is None else (float(ranks[0]), float(ranks[1])))


def test_median_interval_covers_the_median_of_a_skewed_law():
    """By simulation: at least 90% coverage of an exponential law's median (log 2)."""
    rng = np.random.default_rng(7)
    for n in (5, 9, 16):
        hits = 0
        for _ in range(2000):
            lo, hi = median_interval(list(rng.exponential(size=n)))  # type: ignore[misc]
            hits += lo <= np.log(2) <= hi
        assert hits / 2000 >= 0.9 - 0.015  # 0.015: three binomial SDs at 2,000 draws


@given(st.lists(finite, min_size=5, max_size=30))
def test_median_interval_holds_the_sample_median(x: list[float]):
    got = median_interval(x)
    assert got is not None and got[0] <= np.median(x) <= got[1]
