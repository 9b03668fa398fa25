"""Tipping points: the exact closed form against bisection on the exact solver and a grid."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from realpolitik.analysis.tipping import (
    bisect_relation,
    relation_tipping,
    same_partition,
    size_tipping,
    switchers,
)
from realpolitik.models.alignment import global_split


def instance(seed: int, n: int):
    rng = np.random.default_rng(seed)
    s = rng.random(n) + 0.05
    p = np.triu(rng.uniform(-1, 1, (n, n)), 1)
    return s, p + p.T


def with_relation(p, i, j, v):
    q = p.copy()
    q[i, j] = q[j, i] = v
    return q


@settings(max_examples=30, deadline=None)
@given(st.integers(3, 8), st.integers(0, 10**6))
def test_closed_form_equals_bisection_on_the_exact_solver(n, seed):
    s, p = instance(seed, n)
    t = relation_tipping(s, p, 0, 1, bounds=(-5.0, 5.0))
    b = bisect_relation(s, p, 0, 1, bounds=(-5.0, 5.0), tol=1e-10)
    if t.to is None:
        assert b is None
    else:
        assert b == pytest.approx(t.to, abs=1e-8)


@pytest.mark.parametrize("seed", range(8))
def test_the_split_changes_exactly_at_the_threshold(seed):
    s, p = instance(seed, 7)
    t = relation_tipping(s, p, 1, 4, bounds=(-50.0, 50.0))
    assert t.threshold is not None and t.to is not None
    step = 1e-7 if t.direction == "rise" else -1e-7
    just_before = global_split(s, with_relation(p, 1, 4, t.to - step)).labels
    just_after = global_split(s, with_relation(p, 1, 4, t.to + step)).labels
    assert same_partition(just_before, t.before)
    assert same_partition(just_after, t.after)
    assert not same_partition(t.before, t.after)
    # who switches: the smaller side of the difference
    moved = set(t.switchers)
    assert 0 < len(moved) <= 7 / 2
    flip = t.before.copy()
    flip[list(moved)] = 1 - flip[list(moved)]
    assert same_partition(flip, t.after)
    # direction: apart now -> must rise to bring them together, and vice versa
    assert (t.direction == "rise") == bool(t.before[1] != t.before[4])


def test_no_admissible_value_gives_none_but_keeps_the_threshold():
    # three allies of size 10 against a small actor 2 (size 1), hostile (-1) to all of them.
    # Apart: E = 1 * 10 * (-1) * 3 = -30; with 2 joining everyone: E = 0 (every other split with
    # 0 and 2 together is worse). Threshold on p_02: -1 + (0 - (-30)) / (10 * 1) = +2.
    s = np.array([10.0, 10.0, 1.0, 10.0])
    p = -np.ones((4, 4))
    p[np.ix_([0, 1, 3], [0, 1, 3])] = 1.0
    np.fill_diagonal(p, 0.0)
    t = relation_tipping(s, p, 0, 2)
    assert t.threshold == pytest.approx(2.0)
    assert t.to is None and t.direction == "rise"
    assert t.switchers == (2,)
    assert bisect_relation(s, p, 0, 2) is None
    assert relation_tipping(s, p, 0, 2, bounds=(-1, 3)).to == pytest.approx(2.0)


def test_zero_size_relation_cannot_tip():
    s = np.array([1.0, 0.0, 1.0])
    p = np.array([[0, 1, -1], [1, 0, 1], [-1, 1, 0]], dtype=float)
    t = relation_tipping(s, p, 0, 1)
    assert t.threshold is None and t.to is None and t.switchers == ()


@pytest.mark.parametrize("seed", range(5))
def test_size_tipping_matches_a_grid_search(seed):
    s, p = instance(100 + seed, 6)
    t = size_tipping(s, p, 2, upper=5 * s.sum(), tol=1e-9)
    cur = global_split(s, p).labels
    grid = np.linspace(0, 5 * s.sum(), 2001)
    changed = []
    for x in grid:
        q = s.copy()
        q[2] = x
        if not same_partition(global_split(q, p).labels, cur):
            changed.append(x)
    if t.to is None:
        assert not changed
    else:
        nearest = min(changed, key=lambda x: abs(x - s[2]))
        assert abs(nearest - t.to) <= grid[1] - grid[0] + 1e-9
        assert t.after is not None and not same_partition(t.after, cur)


def test_switchers_picks_the_smaller_set_and_the_focus_on_ties():
    assert switchers([0, 0, 1, 1], [0, 0, 1, 0]) == (3,)
    assert switchers([0, 0, 1, 1], [1, 1, 0, 1]) == (3,)  # mirror image: same move
    assert switchers([0, 0, 1, 1], [0, 1, 1, 0], focus=0) == (0, 2)
    assert switchers([0, 0, 1, 1], [0, 1, 1, 0], focus=1) == (1, 3)
