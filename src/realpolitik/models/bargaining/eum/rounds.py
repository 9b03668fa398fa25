"""The rounds of the expected-utility model (SCS 2011, section 3; docs/design.md).

Each round, on positions scaled to [0, 1]:

1. the expected position m (used only when Q < 1): the weighted Condorcet median or mean;
2. the security levels S_i = sum_(j != i) EU_j(j challenges i) with every exponent 1, and from
   them the risk exponents r_i (:func:`~realpolitik.models.bargaining.eum.utility.risk_exponents`);
3. every actor i evaluates, with r_i, EU_i(i challenges j) and EU_i(j challenges i) for every j
   and takes its best offer from the offers table (``offers.py``), all at once;
4. the round's forecast is the weighted Condorcet median of the new positions.

An engine does steps 2 and 3 on positions in ascending order: the fast O(N^2) kernel
(``fast.py``) or the direct O(N^3) form (``direct.py``).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from realpolitik.models.bargaining.eum.direct import DIRECT
from realpolitik.models.bargaining.eum.fast import FastEngine
from realpolitik.models.bargaining.eum.params import F64, EUMParams, EUMResult, input_problem
from realpolitik.models.bargaining.eum.utility import risk_exponents
from realpolitik.models.bargaining.panel import (
    compromise_panel,
    weighted_median_panel,
    weighted_median_rows,
)


class Engine(Protocol):
    def security(self, ys: F64, ws: F64, ss: F64, mu: float, params: EUMParams) -> F64:
        """S_i with every exponent 1 (sorted order)."""
        ...

    def offers(
        self, ys: F64, ws: F64, ss: F64, r: F64, mu: float, params: EUMParams
    ) -> tuple[F64, NDArray[np.int8]]:
        """New positions and relationship codes (sorted order) with exponents r."""
        ...


def condorcet_median(positions: ArrayLike, weights: ArrayLike) -> float:
    """Weighted Condorcet median: the lowest position that no other position beats in a pairwise
    vote sum_k w_k (|x_k - b| - |x_k - a|) (all exponents 1; SCS's median voter).

    a beats b iff F(a) < F(b) with F(p) = sum_k w_k |x_k - p| (convex), so the unbeaten
    positions are the minimisers of F and the lowest is the weighted median (Black 1948), the
    project's one :func:`~realpolitik.models.bargaining.panel.weighted_median_panel`: the
    smallest position whose cumulative weight reaches half the total. When every weight is
    zero, the weights are taken equal (the project's zero-weight rule). O(N log N).
    """
    x = np.asarray(positions, dtype=float)
    w = np.asarray(weights, dtype=float)
    if x.ndim != 1 or x.shape != w.shape or x.size == 0:
        raise ValueError("positions and weights must be non-empty 1-d arrays of one length")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(w))) or np.any(w < 0):
        raise ValueError("positions must be finite and weights finite and >= 0")
    return float(weighted_median_panel(x[None, :], w[None, :])[0])


def _weighted_median(x: F64, w: F64) -> float:
    """:func:`condorcet_median` of checked positions and weights with a positive total (the
    round loop's: checked once, before the first round)."""
    return float(weighted_median_rows(x[None, :], w[None, :])[0])


def _weighted_mean(x: F64, w: F64) -> float:
    """sum_k w_k x_k / sum_k w_k (the plain mean when every weight is zero)."""
    return float(compromise_panel(x[None, :], w[None, :])[0])


def expected_utility_model(
    positions: ArrayLike,
    capabilities: ArrayLike,
    saliences: ArrayLike,
    params: EUMParams = EUMParams(),  # noqa: B008 (frozen, immutable default)
) -> EUMResult:
    """Run the expected-utility model (SCS 2011; docs/design.md) on one issue.

    positions: (N,) starting positions; capabilities: (N,) >= 0; saliences: (N,) in [0, 1].
    Each round: risk exponents from the security levels S_i (all exponents 1), then every actor
    takes its best offer (confrontation, else compromise, else capitulation), all at once; the
    round's forecast is the weighted Condorcet median. Raises ValueError on malformed input,
    and when every weight c_i s_i is zero while the actors disagree (no vote can be cast).
    With N = 1 or all positions equal (R = 0) the positions are returned unchanged, 0 rounds,
    converged.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return _run_model(positions, capabilities, saliences, params)


def _run_model(
    positions: ArrayLike, capabilities: ArrayLike, saliences: ArrayLike, params: EUMParams
) -> EUMResult:
    x0, cap, sal = _validate(positions, capabilities, saliences)
    n = x0.size
    w = cap * sal
    spread = float(np.ptp(x0))
    if params.scale_range is not None and params.scale_range < spread * (1.0 - 1e-9):
        raise ValueError(f"scale_range {params.scale_range} is below the positions' range {spread}")
    scale = max(float(params.scale_range), spread) if params.scale_range is not None else spread

    history = [x0.copy()]
    risks: list[F64] = []
    if n == 1 or spread == 0.0:
        # Nobody disagrees (R = 0 or one actor): nothing can move.
        medians = [condorcet_median(x0, w)]
        return _result(history, w, medians, risks, np.zeros((n, n), np.int8), True)
    if not np.any(w > 0):
        raise ValueError("every weight capability * salience is zero: no actor can vote")
    medians = [_weighted_median(x0, w)]

    lowest = float(x0.min())
    y = (x0 - lowest) / scale
    engine: Engine = DIRECT if params.method == "direct" else FastEngine(n, params.threads)
    calm = 0
    converged = False
    codes_sorted = np.zeros((n, n), np.int8)
    order = np.arange(n)
    for _ in range(params.max_rounds):
        order = np.argsort(y, kind="stable")
        ys, ws, ss = y[order], w[order], sal[order]
        if ys[-1] - ys[0] <= params.same_position_tol:  # everyone at one point: nobody moves
            r_sorted = np.ones(n)
            new_sorted = ys.copy()
            codes_sorted = np.zeros((n, n), np.int8)
        else:
            mu = _expected_position(ys, ws, params) if params.q != 1.0 else 0.0  # unused at Q = 1
            r_sorted = risk_exponents(engine.security(ys, ws, ss, mu, params))
            new_sorted, codes_sorted = engine.offers(ys, ws, ss, r_sorted, mu, params)
        y = np.empty(n)
        y[order] = new_sorted
        r = np.empty(n)
        r[order] = r_sorted
        x = lowest + scale * y
        history.append(x)
        risks.append(r)
        medians.append(_weighted_median(x, w))
        calm = calm + 1 if abs(medians[-1] - medians[-2]) < params.tol * scale else 0
        if calm >= 2:
            converged = True
            break
    rank = np.empty(n, dtype=np.intp)
    rank[order] = np.arange(n)
    codes = np.take(np.take(codes_sorted, rank, axis=0), rank, axis=1)
    return _result(history, w, medians, risks, codes, converged)


def _validate(
    positions: ArrayLike, capabilities: ArrayLike, saliences: ArrayLike
) -> tuple[F64, F64, F64]:
    x = np.array(positions, dtype=float)
    c = np.array(capabilities, dtype=float)
    s = np.array(saliences, dtype=float)
    if x.ndim != 1 or x.size == 0 or c.shape != x.shape or s.shape != x.shape:
        raise ValueError("positions, capabilities and saliences must be 1-d arrays of one length")
    found = input_problem(x, c, s)
    if found is not None:
        raise ValueError(found[1])
    return x, c, s


def _expected_position(ys: F64, ws: F64, params: EUMParams) -> float:
    """m of the T term (only used when Q < 1)."""
    if params.expected_position == "mean":
        return _weighted_mean(ys, ws)
    return _weighted_median(ys, ws)


def _result(
    history: list[F64],
    w: F64,
    medians: list[float],
    risks: list[F64],
    codes: NDArray[np.int8],
    converged: bool,
) -> EUMResult:
    n = history[0].size
    positions = np.vstack(history)
    return EUMResult(
        positions=positions,
        median_by_round=np.asarray(medians, dtype=float),
        mean_by_round=compromise_panel(positions, w),  # every round's weighted mean at once
        risk_by_round=np.vstack(risks) if risks else np.zeros((0, n)),
        relationships=np.ascontiguousarray(codes, dtype=np.int8),
        rounds=len(risks),
        converged=converged,
    )
