"""The back-test's models and statistics against independent (per-issue or brute-force) versions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from realpolitik.analysis.conformal import (
    calibrated_radius,
    conformal_radius,
    coverage,
    interval,
)
from realpolitik.analysis.crossval import cluster_bootstrap_mean, fold_of, grouped_folds
from realpolitik.models.bargaining import compromise, nash_bargaining, weighted_median
from realpolitik.models.bargaining.focal import (
    choice_median,
    choice_probabilities,
    choice_set,
    fit_choice,
    nearest_candidate,
    negative_log_likelihood,
    tabled_positions,
)
from realpolitik.models.bargaining.panel import (
    compromise_panel,
    nash_panel,
    weighted_median_panel,
)
from realpolitik.models.bargaining.procedural import procedural_panel

SETTINGS = settings(max_examples=40, deadline=None)


@st.composite
def panels(draw, max_issues: int = 6, max_actors: int = 8):
    """Random panels on a coarse 0-100 grid (ties are common, as in DEU), NaN = absent."""
    n = draw(st.integers(1, max_issues))
    m = draw(st.integers(1, max_actors))
    grid = st.sampled_from([0.0, 10.0, 25.0, 30.0, 50.0, 70.0, 75.0, 100.0])
    x = np.array([[draw(grid) for _ in range(m)] for _ in range(n)])
    absent = np.array([[draw(st.booleans()) for _ in range(m)] for _ in range(n)])
    absent[:, 0] = False
    x[absent & (np.arange(m) > 0)] = np.nan
    w = np.array([[draw(st.sampled_from([0.0, 0.3, 0.5, 1.0, 2.5])) for _ in range(m)]
                  for _ in range(n)])
    return x, w


@SETTINGS
@given(panels())
def test_panel_models_agree_with_one_issue_models(data):
    x, w = data
    comp, med = compromise_panel(x, w), weighted_median_panel(x, w)
    for t in range(x.shape[0]):
        keep = ~np.isnan(x[t])
        assert comp[t] == pytest.approx(compromise(x[t, keep], w[t, keep]), abs=1e-9)
        assert med[t] == weighted_median(x[t, keep], w[t, keep])


@SETTINGS
@given(
    panels(),
    st.lists(st.sampled_from([0.0, 20.0, 50.0, 100.0]), min_size=6, max_size=6),
    st.lists(st.sampled_from([1.0, 0.739, 0.5]), min_size=6, max_size=6),
    st.sampled_from(("linear", "quadratic")),
    st.sampled_from(("individual", "coalition")),
)
def test_nash_panel_agrees_with_nash_bargaining(data, ds, quotas, utility, blocking):
    x, w = data
    n = x.shape[0]
    d, q = np.array(ds[:n]), np.array(quotas[:n])
    votes = np.where(np.arange(x.shape[1]) % 3 == 0, 0.0, 1.0 + np.arange(x.shape[1]))
    out, feasible = nash_panel(x, w, 0.0, 100.0, d, utility=utility, votes=votes, quota=q,
                               blocking=blocking)
    for t in range(n):
        keep = ~np.isnan(x[t])
        ref = nash_bargaining(x[t, keep], w[t, keep], 0.0, 100.0, d[t], utility=utility,
                              votes=votes[keep], quota=q[t], blocking=blocking)
        assert feasible[t] == ref.feasible
        assert out[t] == pytest.approx(ref.outcome, abs=1e-7)


def _brute_procedural(x, votes, r, com, ep, unan, cod, q):
    """Grid search on a 0.5 step (positions and reference are integers, so every bound of the
    acceptable set is on the grid)."""
    grid = np.arange(0.0, 100.0 + 1e-9, 0.5)
    members = ~np.isnan(x) & (votes > 0)
    v = np.where(members, votes, 0.0)
    prefer = np.abs(grid[:, None] - x[None, :]) <= np.abs(r - x)[None, :] + 1e-12
    support = (prefer & members[None, :]) @ v
    ok = support >= (1.0 if unan else q) * v.sum() * (1 - 1e-12)
    if cod and not np.isnan(ep):
        ok &= np.abs(grid - ep) <= abs(r - ep) + 1e-12
    acceptable = grid[ok]
    xs = x[members]
    order = np.argsort(xs)
    cum = np.cumsum(v[members][order])
    council = xs[order][np.searchsorted(cum, 0.5 * cum[-1] * (1 - 1e-12))]
    if cod:
        setter = council if np.isnan(ep) else 0.5 * (council + ep)
    else:
        setter = council if np.isnan(com) else com
    best = acceptable[np.argmin(np.abs(acceptable - setter))]
    return acceptable.min(), acceptable.max(), best


@SETTINGS
@given(
    st.lists(st.sampled_from([0, 10, 20, 40, 50, 60, 80, 100]), min_size=5, max_size=9),
    st.lists(st.sampled_from([3, 4, 7, 10, 29]), min_size=5, max_size=9),
    st.sampled_from([0, 30, 50, 100]),
    st.sampled_from([np.nan, 0, 70, 100]),
    st.sampled_from([np.nan, 0, 40, 100]),
    st.booleans(),
    st.booleans(),
)
def test_procedural_matches_brute_force(pos, vts, r, com, ep, unan, cod):
    m = min(len(pos), len(vts))
    x = np.array(pos[:m], dtype=float)
    votes = np.array(vts[:m], dtype=float)
    res = procedural_panel(x[None], votes, [r], [com], [ep], [unan], [cod])
    lo, hi, best = _brute_procedural(x, votes, float(r), com, ep, unan, cod, 260 / 352)
    assert res.low[0] == lo and res.high[0] == hi
    assert res.outcome[0] == pytest.approx(best, abs=0.25 + 1e-9)
    assert res.low[0] <= res.outcome[0] <= res.high[0]


def test_procedural_is_undefined_without_reference():
    res = procedural_panel([[10.0, 90.0]], [10, 10], [np.nan], [50], [np.nan], [False], [False])
    assert np.isnan(res.outcome[0]) and not res.defined[0]


def test_unanimity_pulls_toward_reference():
    # reference 0; members at 30, 80, 100; Commission at 100 proposes.
    x = np.array([[30.0, 80.0, 100.0]])
    qmv = procedural_panel(x, [10, 10, 29], [0.0], [100.0], [np.nan], [False], [False])
    unan = procedural_panel(x, [10, 10, 29], [0.0], [100.0], [np.nan], [True], [False])
    assert unan.outcome[0] == 60.0  # the member at 30 accepts up to its mirror image 60
    assert qmv.outcome[0] == 100.0  # 80 and 100 hold 39 of 49 votes >= 73.9%


# ---------------------------------------------------------------- focal (conditional logit)


def _toy_choice(seed: int = 0, n: int = 60, ref_value: float = 0.0):
    rng = np.random.default_rng(seed)
    x = rng.choice([0.0, 20.0, 50.0, 80.0, 100.0], size=(n, 6))
    x[rng.random((n, 6)) < 0.3] = np.nan
    x[:, 0] = rng.choice([0.0, 100.0], size=n)
    w = rng.random((n, 6))
    c = compromise_panel(x, w)
    ref = np.where(rng.random(n) < 0.5, ref_value, np.nan)
    cs = choice_set(x, c, {"compromise": c, "reference": ref}, {"ep": x[:, 1]})
    return x, c, cs, rng


def test_tabled_positions():
    t = tabled_positions([[50.0, np.nan, 0.0, 50.0, 100.0]])
    assert [v for v in t[0] if not np.isnan(v)] == [0.0, 50.0, 100.0]


def test_likelihood_gradient_matches_finite_differences():
    _, _, cs, rng = _toy_choice()
    labels = nearest_candidate(cs, rng.uniform(0, 100, cs.candidates.shape[0]))
    assert (labels.sum(axis=1) >= 1).all() and (labels.sum(axis=1) >= 2).any()  # ties credited
    beta = rng.normal(size=len(cs.names))
    _, grad = negative_log_likelihood(beta, cs, labels)
    eps = 1e-6
    for f in range(beta.size):
        e = np.zeros_like(beta)
        e[f] = eps
        num = (negative_log_likelihood(beta + e, cs, labels)[0]
               - negative_log_likelihood(beta - e, cs, labels)[0]) / (2 * eps)
        assert grad[f] == pytest.approx(num, rel=1e-5, abs=1e-7)


def test_choice_median_matches_brute_force():
    _, _, cs, rng = _toy_choice(1)
    beta = rng.normal(size=len(cs.names))
    p = choice_probabilities(cs, beta)
    med = choice_median(cs, beta)
    assert np.allclose(p.sum(axis=1), 1.0)
    for t in range(p.shape[0]):
        cands = [(cs.candidates[t, k], p[t, k]) for k in range(p.shape[1]) if cs.valid[t, k]]
        cands.sort(key=lambda z: z[0])
        acc = 0.0
        for xk, pk in cands:
            acc += pk
            if acc >= 0.5 - 1e-12:
                assert med[t] == xk
                break
        # the median minimises the expected absolute error over the candidates
        exp_err = [sum(pk * abs(xk - y) for xk, pk in cands) for y, _ in cands]
        assert sum(pk * abs(xk - med[t]) for xk, pk in cands) <= min(exp_err) + 1e-9


def test_choice_extremes():
    x, c, cs, _ = _toy_choice(2)
    names = list(cs.names)
    # an overwhelming weight on the compromise indicator forecasts the compromise itself
    beta = np.zeros(len(names))
    beta[names.index("is_compromise")] = 50.0
    assert np.allclose(choice_median(cs, beta), c)
    # an overwhelming penalty on distance to the compromise: the candidate nearest to it
    beta = np.zeros(len(names))
    beta[names.index("is_compromise")] = -1e6
    beta[names.index("is_reference")] = -1e6
    beta[names.index("dist_center")] = -1e4
    tab = tabled_positions(x)
    nearest = np.take_along_axis(
        tab, np.nanargmin(np.abs(tab - c[:, None]), axis=1)[:, None], axis=1)[:, 0]
    assert np.allclose(choice_median(cs, beta), nearest)


def test_fit_recovers_a_known_model():
    """Outcomes drawn from the model itself: the fitted betas come back near the truth."""
    x, c, cs, rng = _toy_choice(3, n=2000, ref_value=10.0)
    truth = np.array([-1.0, -1.5, 0.5, -2.0, -1.2])
    assert list(cs.names) == ["is_compromise", "is_reference", "at_ep", "dist_center",
                              "dist_mid"]
    p = choice_probabilities(cs, truth)
    pick = np.array([rng.choice(p.shape[1], p=row) for row in p])
    y = cs.candidates[np.arange(p.shape[0]), pick]
    assert nearest_candidate(cs, y)[np.arange(pick.size), pick].all()
    beta = fit_choice(cs, y, l2=0.0)
    assert np.allclose(beta, truth, atol=0.35)


# ---------------------------------------------------------------- conformal and CV


@SETTINGS
@given(st.lists(st.sampled_from([0.0, 5.0, 10.0, 20.0, 30.0, 40.0, 50.0, 75.0]),
                min_size=10, max_size=200))
def test_calibrated_radius_is_nearest_to_target(res):
    r = np.array(res)
    q = calibrated_radius(r, 0.8)
    cov = np.mean(r <= q)
    candidates = np.unique(np.concatenate([r, r - 1e-6]))
    best = min(abs(np.mean(r <= c) - 0.8) for c in candidates)
    assert abs(cov - 0.8) <= best + 1e-12
    assert np.mean(r <= conformal_radius(r, 0.8)) >= 0.8 or conformal_radius(r, 0.8) == np.inf


def test_interval_and_coverage():
    lo, hi = interval([10.0, 90.0], [20.0, 20.0], 0.0, 100.0)
    assert lo.tolist() == [0.0, 70.0] and hi.tolist() == [30.0, 100.0]
    cov = coverage([0.0, 95.0, 50.0], [0.0, 70.0, 0.0], [30.0, 100.0, 49.0])
    assert cov == pytest.approx(2 / 3)


def test_conformal_coverage_on_fresh_data():
    """Exchangeable data: the calibrated radius covers about 80% of new draws."""
    rng = np.random.default_rng(5)
    calib = np.abs(rng.laplace(0, 15, 4000))
    fresh = np.abs(rng.laplace(0, 15, 20000))
    assert np.mean(fresh <= calibrated_radius(calib)) == pytest.approx(0.8, abs=0.02)


@SETTINGS
@given(st.lists(st.sampled_from(list("abcdefghijklmnop")), min_size=5, max_size=80),
       st.integers(0, 10**6))
def test_grouped_folds_never_split_a_group(groups, seed):
    k = 4
    a = grouped_folds(groups, k, seed)
    assert set(a) == set(groups)
    f = fold_of(groups, a)
    for g in set(groups):
        assert len({int(x) for x, h in zip(f, groups, strict=True) if h == g}) == 1
    assert grouped_folds(groups, k, seed) == a
    assert fold_of(["zz"], a).tolist() == [-1]
    sizes = np.bincount(f)
    biggest = max(groups.count(g) for g in set(groups))
    assert sizes.max() - sizes.min() <= biggest


def test_cluster_bootstrap():
    v = np.r_[np.full(10, 1.0), np.full(10, 3.0)]
    g = [f"p{i // 2}" for i in range(20)]
    lo, hi = cluster_bootstrap_mean(v, g, 4000, 0)
    assert lo < 2.0 < hi and lo >= 1.0 and hi <= 3.0
    same = cluster_bootstrap_mean(np.full(6, 4.0), list("aabbcc"), 500, 1)
    assert same == (4.0, 4.0)
    assert cluster_bootstrap_mean(v, g, 4000, 0) == (lo, hi)
