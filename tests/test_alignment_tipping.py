"""Tipping points and alternatives: the exact closed forms against bisection on the exact
solver, an itertools enumeration on a fine grid, and a hand-computed triangle."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from realpolitik.analysis.tipping import (
    alternatives,
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


# ---------------------------------------------------------------- alternatives ---------------


def brute_splits(n):
    """Every two-sided split (last actor on side 0) and its 'apart' matrices, from itertools."""
    lab = np.array([x + (0,) for x in itertools.product((0, 1), repeat=n - 1)])
    return lab, lab[:, :, None] != lab[:, None, :]


def brute_apart(s_batch, p_batch, f, c, apart_mats, lab):
    """For a batch of (sizes, propensities): does the global minimum part f and c? Energies
    written from the definition E = 1/2 sum_ij s_i s_j p_ij [x_i != x_j], one batch entry per
    row; the minimum's margin over the runner-up is returned to skip near-ties."""
    w = s_batch[:, :, None] * s_batch[:, None, :] * p_batch
    e = 0.5 * np.einsum("mij,gij->gm", apart_mats, w)
    best = np.argmin(e, axis=1)
    return lab[best, f] != lab[best, c]


def partner_of(s, p, f):
    lab = global_split(s, p).labels
    mates = np.flatnonzero((lab == lab[f]) & (np.arange(len(s)) != f))
    return int(mates[np.argmax(s[mates] * p[f, mates])]) if mates.size else None


def assert_exact_crossing(s, p, f, c, alt, cur):
    """Just before the threshold f stays with c; just beyond it the exact solver parts them,
    in the configuration and with the switchers reported."""
    def with_change(x):
        t, q = s.copy(), p.copy()
        if alt.kind == "relation":
            a, b = alt.actors
            q[a, b] = q[b, a] = x
        else:
            t[alt.actors[0]] = x
        return global_split(t, q).labels

    step = 1e-7 * (1 if alt.to > alt.value else -1) * (1 if alt.kind == "relation" else alt.to)
    before, after = with_change(alt.to - step), with_change(alt.to + step)
    assert before[f] == before[c]
    assert after[f] != after[c]
    assert same_partition(after, alt.after)
    assert alt.switchers == switchers(cur, after, focus=f)


@pytest.mark.parametrize("seed", range(10))
def test_alternatives_match_a_fine_grid_and_the_exact_solver(seed):
    n = 4 + seed % 4
    s, p = instance(1000 + seed, n)
    f = 0
    c = partner_of(s, p, f)
    assert c is not None, "the seeded instance must give actor 0 a partner"
    cur = global_split(s, p).labels
    alts = alternatives(s, p, f, c, limit=None)
    by_param = {(a.kind, a.actors): a for a in alts}
    lab, apart_mats = brute_splits(n)
    grid = np.linspace(-1, 1, 801)
    factors = np.concatenate([np.geomspace(1e-4, 10, 1201), [10.0]])
    params = [("relation", (f, j)) for j in range(n) if j != f]
    params += [("relation", (a, b)) for a, b in itertools.combinations(range(1, n), 2)]
    params += [("size", (k,)) for k in range(n)]
    assert set(by_param) <= set(params)
    for kind, actors in params:
        if kind == "relation":
            a, b = actors
            ps = np.repeat(p[None], grid.size, axis=0)
            ps[:, a, b] = ps[:, b, a] = grid
            hit = brute_apart(np.repeat(s[None], grid.size, axis=0), ps, f, c, apart_mats, lab)
            dist, step = np.abs(grid - p[a, b]), grid[1] - grid[0]
        else:
            (k,) = actors
            ss = np.repeat(s[None], factors.size, axis=0)
            ss[:, k] *= factors
            hit = brute_apart(ss, np.repeat(p[None], factors.size, axis=0), f, c, apart_mats,
                              lab)
            dist, step = np.abs(np.log(factors)), np.log(factors[1] / factors[0])
        alt = by_param.get((kind, actors))
        if alt is None:
            assert not hit.any(), (kind, actors)
            continue
        assert_exact_crossing(s, p, f, c, alt, cur)
        # no grid value nearer than the threshold parts them
        assert not (hit & (dist < alt.magnitude - step)).any(), (kind, actors)
        if hit.any():
            assert dist[hit].min() <= alt.magnitude + step + 1e-12
    # sorted by the size of the change; the default keeps the ten smallest
    mags = [a.magnitude for a in alts]
    assert mags == sorted(mags)
    top = alternatives(s, p, f, c)
    assert [(a.kind, a.actors, a.to) for a in top] == [(a.kind, a.actors, a.to)
                                                        for a in alts[:10]]


def test_alternatives_on_a_hand_computed_triangle():
    # all sizes 1; p01 = 0.5, p02 = 0.3, p12 = -0.6. Splits: {012} 0, {01|2} -0.3 (the
    # prediction: 0 with its partner 1), {02|1} -0.1, {0|12} 0.8. Worked by hand:
    #   p01 -> 0.3 (D = p01 - 0.3); p02 -> 0.5 (D = 0.5 - p02 once {01|2} is the best together);
    #   s1 x 0.6 (D = 0.5 phi - 0.3); s2 x 5/3 (D = 0.5 - 0.3 phi); nothing else within range.
    s = np.ones(3)
    p = np.array([[0, 0.5, 0.3], [0.5, 0, -0.6], [0.3, -0.6, 0]])
    alts = alternatives(s, p, 0, 1, limit=None)
    got = {(a.kind, a.actors): (a.to, a.change) for a in alts}
    assert set(got) == {("relation", (0, 1)), ("relation", (0, 2)), ("size", (1,)),
                        ("size", (2,))}
    assert got[("relation", (0, 1))] == pytest.approx((0.3, -0.2))
    assert got[("relation", (0, 2))] == pytest.approx((0.5, 0.2))
    assert got[("size", (1,))] == pytest.approx((0.6, 0.6))
    assert got[("size", (2,))] == pytest.approx((5 / 3, 5 / 3))
    for a in alts:
        assert a.switchers == (0,)
        assert same_partition(a.after, [0, 1, 0])


@pytest.mark.parametrize("seed", range(6))
def test_alternative_on_the_tipping_relation_agrees_with_the_closed_form(seed):
    s, p = instance(2000 + seed, 6)
    f = 0
    c = partner_of(s, p, f)
    assert c is not None, "the seeded instance must give actor 0 a partner"
    alts = {(a.kind, a.actors): a for a in alternatives(s, p, f, c, limit=None,
                                                            bounds=(-50, 50))}
    for j in range(1, 6):
        t = relation_tipping(s, p, f, j, bounds=(-50, 50))
        if t.to is not None and t.after[f] != t.after[c]:
            alt = alts[("relation", (f, j))]
            assert alt.to == pytest.approx(t.to, abs=1e-9)
            assert alt.switchers == t.switchers


@settings(max_examples=15, deadline=None)
@given(st.integers(3, 7), st.integers(0, 10**6), st.randoms(use_true_random=False))
def test_alternatives_do_not_depend_on_the_actors_order(n, seed, rnd):
    s, p = instance(seed, n)
    c = partner_of(s, p, 0)
    if c is None:
        return
    perm = list(range(n))
    rnd.shuffle(perm)
    inv = np.argsort(perm)  # new index of old actor k
    a1 = alternatives(s, p, 0, c, limit=None)
    a2 = alternatives(s[perm], p[np.ix_(perm, perm)], int(inv[0]), int(inv[c]), limit=None)
    assert a2 is not None and a1 is not None and len(a1) == len(a2)
    key1 = {(a.kind, frozenset(int(inv[k]) for k in a.actors)): a for a in a1}
    for b in a2:
        a = key1[(b.kind, frozenset(b.actors))]
        assert b.to == pytest.approx(a.to, rel=1e-9, abs=1e-9)
        assert {perm[k] for k in b.switchers} in ({*a.switchers},
                                                  set(range(n)) - {*a.switchers})


def test_alternatives_refuse_a_focal_actor_away_from_its_partner_and_big_landscapes():
    s, p = instance(7, 6)
    lab = global_split(s, p).labels
    other = int(np.flatnonzero(lab != lab[0])[0])
    with pytest.raises(ValueError, match="partner"):
        alternatives(s, p, 0, other)
    mate = int(np.flatnonzero((lab == lab[0]) & (np.arange(6) > 0))[0])
    assert alternatives(s, p, 0, mate, exhaustive_max=5) is None
