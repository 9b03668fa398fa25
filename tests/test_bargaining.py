"""Compromise and weighted median: definitions, brute force, invariances, the zero-weight rule
(Nash bargaining: tests/test_nash.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from realpolitik.models.bargaining import compromise, weighted_median
from realpolitik.models.bargaining.panel import compromise_panel, weighted_median_panel

N = st.integers(min_value=1, max_value=12)


@st.composite
def issue(draw):
    n = draw(N)
    x = draw(st.lists(st.integers(0, 1000).map(lambda v: v / 10), min_size=n, max_size=n))
    w = draw(st.lists(st.floats(0.01, 10, allow_nan=False), min_size=n, max_size=n))
    return np.array(x), np.array(w)


def test_compromise_is_weighted_mean():
    assert compromise([0, 10, 40], [1, 1, 2]) == pytest.approx(22.5)


def test_median_definition():
    # cumulative weights 1, 3, 4 of total 4: half = 2 reached at x = 10
    assert weighted_median([40, 0, 10], [1, 1, 2]) == 10
    assert weighted_median([0, 10], [1, 1]) == 0  # smallest x with cumulative >= half


def brute_median(x, w):
    order = np.argsort(x)
    for k in order:
        if w[x <= x[k]].sum() >= 0.5 * w.sum() * (1 - 1e-12):
            return x[k]
    raise AssertionError


@settings(max_examples=80, deadline=None)
@given(issue(), st.randoms())
def test_order_and_scale_invariance(data, rnd):
    x, w = data
    perm = np.array(rnd.sample(range(x.size), x.size))
    for f in (compromise, weighted_median):
        a = f(x, w)
        assert f(x[perm], w[perm]) == pytest.approx(a, abs=1e-9)
        assert f(x, 7.5 * w) == pytest.approx(a, abs=1e-9)
        assert x.min() - 1e-9 <= a <= x.max() + 1e-9
        # affine equivariance
        assert f(2 * x + 3, w) == pytest.approx(2 * a + 3, abs=1e-7)
    assert weighted_median(x, w) == brute_median(x, w)


@st.composite
def zero_weight_panel(draw):
    """A panel row with some weights forced to zero, and NaN for absent actors."""
    n = draw(st.integers(1, 8))
    x = np.array(draw(st.lists(st.integers(0, 100), min_size=n, max_size=n)), dtype=float)
    w = np.array(draw(st.lists(st.sampled_from([0.0, 0.0, 0.5, 1.0, 4.0]), min_size=n,
                               max_size=n)))
    absent = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    absent[0] = False
    x[absent] = np.nan
    return x, w


@settings(max_examples=100, deadline=None)
@given(zero_weight_panel(), st.lists(st.integers(0, 100), min_size=1, max_size=4))
def test_zero_weight_rule(data, extra):
    """One rule for the mean and the median: zero-weight actors count for nothing, unless all
    weights are zero, when every actor present counts equally."""
    x, w = data
    present = ~np.isnan(x)
    for f in (compromise_panel, weighted_median_panel):
        got = f(x[None, :], w[None, :])[0]
        if w[present].sum() == 0:
            assert got == pytest.approx(f(x[None, :], present[None, :].astype(float))[0])
        else:
            # extra actors with weight 0 at any position change nothing
            x2 = np.concatenate([x, np.array(extra, dtype=float)])
            w2 = np.concatenate([w, np.zeros(len(extra))])
            assert f(x2[None, :], w2[None, :])[0] == pytest.approx(got)
            keep = present & (w > 0)
            assert f(x[keep][None, :], w[keep][None, :])[0] == pytest.approx(got)
