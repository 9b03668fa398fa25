"""The shared panel maths of the bargaining models: weighted mean, weighted median, the set of
outcomes a decision rule admits, and Nash bargaining, for a panel of issues at once.

A panel is an (issues x actors) array of positions with NaN where an actor takes no part, and an
array of weights of the same shape (w = c s). Every one-issue model in this package is a one-row
panel (:func:`one_issue`) and agrees with it issue by issue (tests/test_backtest_models.py).

Zero-weight rule (one rule for every model): an actor with weight 0 counts for nothing, unless
every actor on the issue has weight 0, in which case every actor present counts equally.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

Utility = Literal["linear", "quadratic"]
UTILITIES: tuple[Utility, ...] = ("linear", "quadratic")
DEFAULT_UTILITY: Utility = "quadratic"
"""Quadratic loss (Achen 2006); see :func:`nash_panel` and docs/models.md for the choice."""
Blocking = Literal["coalition", "individual"]
BLOCKINGS: tuple[Blocking, ...] = ("coalition", "individual")
DEFAULT_BLOCKING: Blocking = "individual"
"""Only veto players keep the reference point (:func:`nash_panel`; docs/models.md)."""
MAJORITY = 0.5
"""The quota of a weighted majority, Nash's rule where an issue declares none (docs/models.md)."""


def one_issue(positions: ArrayLike, weights: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """One issue as a one-row panel (the panel functions hold the maths)."""
    x = np.asarray(positions, dtype=float)
    w = np.asarray(weights, dtype=float)
    if x.shape != w.shape or x.ndim != 1 or x.size == 0:
        raise ValueError("positions and weights must be non-empty 1-d arrays of one length")
    return x[None, :], w[None, :]


def _panel(positions: ArrayLike, weights: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, w, present) with w = 0 where an actor is absent, after the zero-weight rule."""
    x = np.asarray(positions, dtype=float)
    w = np.broadcast_to(np.asarray(weights, dtype=float), x.shape)
    if x.ndim != 2:
        raise ValueError("positions must be an (issues x actors) array")
    present = ~np.isnan(x)
    if not present.any(axis=1).all():
        raise ValueError("every issue needs at least one actor with a position")
    w = np.where(present, np.nan_to_num(w, nan=0.0), 0.0)
    if (w < 0).any():
        raise ValueError("weights must be >= 0")
    w = np.where((w.sum(axis=1) > 0)[:, None], w, present.astype(float))
    return x, w, present


def compromise_panel(positions: ArrayLike, weights: ArrayLike) -> np.ndarray:
    """The weighted mean, row-wise sum_i w_i x_i / sum_i w_i over the actors present (Achen
    2006's compromise model; docs/design.md, Compromise), with the zero-weight rule."""
    x, w, present = _panel(positions, weights)
    return (w * np.where(present, x, 0.0)).sum(axis=1) / w.sum(axis=1)


def weighted_median_panel(positions: ArrayLike, weights: ArrayLike) -> np.ndarray:
    """The weighted median, row-wise the smallest position whose cumulative weight is >= half the
    total (Black 1948; docs/design.md, Weighted median), with the zero-weight rule. A relative
    tolerance of 1e-12 on the half keeps the answer independent of the weights' scale and order."""
    x, w, present = _panel(positions, weights)
    return weighted_median_rows(np.where(present, x, np.inf), w, present.sum(axis=1))


def weighted_median_rows(
    x: np.ndarray, w: np.ndarray, count: np.ndarray | None = None
) -> np.ndarray:
    """:func:`weighted_median_panel` without the checks, for callers whose panel is already
    checked (a model's round loop): absent actors at +inf with weight 0, every row's weights
    >= 0 with a positive total (the zero-weight rule applied), ``count`` actors present per row
    (default: all)."""
    rows = np.arange(x.shape[0])
    order = np.argsort(x, axis=1, kind="stable")
    xs = x[rows[:, None], order]
    cum = np.cumsum(w[rows[:, None], order], axis=1)
    half = 0.5 * cum[:, -1:] * (1 - 1e-12)
    k = (cum < half).sum(axis=1)
    k = np.minimum(k, x.shape[1] - 1 if count is None else count - 1)
    return xs[rows, k]


def quota_bound(
    bounds: np.ndarray, votes: np.ndarray, quota: np.ndarray, descending: bool
) -> np.ndarray:
    """Row-wise: the bound t such that the voters (votes > 0) whose bound lies on t's far side
    (>= t when ``descending``, else <= t) hold at least ``quota`` votes (an absolute number)."""
    fill = -np.inf if descending else np.inf
    key = np.where(votes > 0, bounds, fill)
    order = np.argsort(-key if descending else key, axis=1, kind="stable")
    b = np.take_along_axis(key, order, axis=1)
    cum = np.cumsum(np.take_along_axis(votes, order, axis=1), axis=1)
    k = (cum < quota[:, None] * (1 - 1e-12)).sum(axis=1)
    k = np.minimum(k, b.shape[1] - 1)
    return b[np.arange(b.shape[0]), k]


def acceptable_set(
    positions: np.ndarray, votes: np.ndarray, reference: np.ndarray, quota: ArrayLike,
    lo: float, hi: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise interval [low, high] of the outcomes y that voters holding at least ``quota`` (a
    share of the votes present) weakly prefer to the reference point r.

    With symmetric single-peaked preferences voter i prefers y to r iff |y - x_i| <= |r - x_i|,
    i.e. y lies between r and the mirror image 2 x_i - r, so the set is bounded by the pivotal
    voters' mirror images (Tsebelis 2002, ch. 11; Steunenberg 1994). A quota of 1 is unanimity.
    Rows without a voter admit the whole scale.
    """
    v = np.where(np.isnan(positions), 0.0, votes)
    total = v.sum(axis=1)
    need = np.asarray(quota, dtype=float) * total
    mirror = 2.0 * np.nan_to_num(positions) - reference[:, None]
    has = total > 0
    high = np.where(has, quota_bound(mirror, v, need, descending=True), hi)
    low = np.where(has, quota_bound(mirror, v, need, descending=False), lo)
    high, low = np.maximum(high, reference), np.minimum(low, reference)
    return np.clip(low, lo, hi), np.clip(high, lo, hi)


def policy_loss(y: np.ndarray, x: np.ndarray, utility: Utility) -> np.ndarray:
    """Policy loss -U_i(y) up to the scale factor: |y - x_i| or (y - x_i)^2."""
    return np.abs(y - x) if utility == "linear" else (y - x) ** 2


def nash_terms(
    positions: ArrayLike,
    weights: ArrayLike,
    lo: float,
    hi: float,
    disagreement: ArrayLike,
    *,
    utility: Utility = DEFAULT_UTILITY,
    votes: ArrayLike | None = None,
    quota: ArrayLike = MAJORITY,
    veto: ArrayLike | None = None,
    blocking: Blocking = DEFAULT_BLOCKING,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The bargaining problem of :func:`nash_panel`: (x, w, security loss, low, high, veto
    players), x and the security loss 0 where an actor takes no part."""
    if utility not in UTILITIES:
        raise ValueError(f"utility must be one of {UTILITIES}, got {utility!r}")
    if blocking not in BLOCKINGS:
        raise ValueError(f"blocking must be one of {BLOCKINGS}, got {blocking!r}")
    x, w, present = _panel(positions, weights)
    n = x.shape[0]
    d = np.broadcast_to(np.asarray(disagreement, dtype=float), (n,)).astype(float)
    q = np.broadcast_to(np.asarray(quota, dtype=float), (n,)).astype(float)
    if np.any((q <= 0) | (q > 1)):
        raise ValueError("quota must be a share in (0, 1]")
    v = w if votes is None else np.broadcast_to(np.asarray(votes, dtype=float), x.shape)
    v = np.where(present, np.nan_to_num(v), 0.0)
    must = np.zeros(x.shape, dtype=bool) if veto is None else np.broadcast_to(
        np.asarray(veto, dtype=bool), x.shape
    )
    must = must & present
    total = v.sum(axis=1, keepdims=True)
    # a voter blocks alone when the others hold less than the quota
    vetoes = must | ((v > 0) & (total - v < q[:, None] * total * (1 - 1e-12)))
    if blocking == "coalition":
        low, high = acceptable_set(np.where(present, x, np.nan), v, d, q, lo, hi)
    else:
        low, high = np.full(d.shape, float(lo)), np.full(d.shape, float(hi))
    xz = np.where(present, x, 0.0)
    mirror = 2.0 * xz - d[:, None]
    low = np.maximum(low, np.where(vetoes, np.minimum(d[:, None], mirror), -np.inf).max(axis=1))
    high = np.minimum(high, np.where(vetoes, np.maximum(d[:, None], mirror), np.inf).min(axis=1))
    high = np.maximum(high, low)
    ends = (policy_loss(low[:, None], xz, utility), policy_loss(high[:, None], xz, utility))
    worst = np.maximum(*ends)
    security = np.where(vetoes, policy_loss(d[:, None], xz, utility), worst)
    return xz, np.where(present, w, 0.0), np.where(present, security, 0.0), low, high, vetoes


def nash_panel(
    positions: ArrayLike,
    weights: ArrayLike,
    lo: float,
    hi: float,
    disagreement: ArrayLike,
    max_iter: int = 200,
    *,
    utility: Utility = DEFAULT_UTILITY,
    votes: ArrayLike | None = None,
    quota: ArrayLike = MAJORITY,
    veto: ArrayLike | None = None,
    blocking: Blocking = DEFAULT_BLOCKING,
) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise weighted Nash bargaining solution under a decision rule (Nash 1950; docs/models.md,
    Nash bargaining): the panel form of :func:`realpolitik.models.bargaining.nash_bargaining`.

    Maximises the weighted Nash product  sum_i w_i log(U_i(y) - v_i)  over the outcomes y in A:

    - exponents w_i = c_i s_i: salience-weighted bargaining power (Schneider, Finke & Bailer
      2010; Schneider 2005), zero-weight rule as in the module docstring;
    - U_i(y) = -|y - x_i| / R (``utility="linear"``) or -((y - x_i) / R)^2 (``"quadratic"``,
      Achen 2006), R = hi - lo;
    - veto players: actors flagged in ``veto``, and every voter whose ``votes`` (default: the
      weights) exceed the share 1 - ``quota`` (per issue; 1 = unanimity: every voter with weight;
      a qualified majority of 73.9%: only a voter holding a blocking minority alone; the default
      weighted majority: a voter holding more than half);
    - A = the outcomes every veto player weakly prefers to the disagreement point d (the
      interval between d and its mirror image 2 x_i - d), within [lo, hi]; with
      ``blocking="coalition"`` also only those that voters holding ``quota`` of the votes weakly
      prefer to d (:func:`acceptable_set`: any blocking minority can block);
    - v_i = U_i(d) for a veto player, who can always keep d, and min over A of U_i, the worst the
      deciding actors can impose, for everyone else (Nash 1953: the disagreement payoff is what
      an actor can secure), so a non-veto actor at d gains inside A and cannot block.

    Every gain U_i(y) - v_i is concave and positive inside A, so the product has one maximiser,
    found by bisection on the derivative sum_i w_i U_i'(y) / (U_i(y) - v_i). Returns (outcome,
    feasible): ``feasible`` is False where A is the single point d (no outcome other than d can
    pass), and the outcome is then d.
    """
    x, w, sec, low, high, _ = nash_terms(
        positions, weights, lo, hi, disagreement,
        utility=utility, votes=votes, quota=quota, veto=veto, blocking=blocking,
    )
    d = np.broadcast_to(np.asarray(disagreement, dtype=float), (x.shape[0],)).astype(float)
    # an interval narrower than 1e-9 of the scale is rounding noise, not room for agreement
    feasible = high - low > 1e-9 * max(1.0, hi - lo)
    a, b = np.where(feasible, low, d), np.where(feasible, high, d)
    tol = 1e-12 * max(1.0, hi - lo)
    keep = w > 0
    for _ in range(max_iter):
        going = b - a > tol  # a row that has converged stops changing: rows are independent
        if not going.any():
            break
        m = 0.5 * (a + b)
        gain = sec - policy_loss(m[:, None], x, utility)
        pull = np.sign(x - m[:, None]) if utility == "linear" else x - m[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = np.where(keep, w * pull / np.where(keep, gain, 1.0), 0.0).sum(axis=1)
        up = slope > 0
        a, b = np.where(going & up, m, a), np.where(going & ~up, m, b)
    return np.where(feasible, 0.5 * (a + b), d), feasible
