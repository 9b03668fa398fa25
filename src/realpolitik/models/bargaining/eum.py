"""The expected-utility model of Bueno de Mesquita (1985, 1994) on one issue.

Follows the specification and replication of Scholz, Calbert & Smith (2011), "Unravelling Bueno
De Mesquita's group decision model", J. Theoretical Politics 23(4): 510-531 (hereafter SCS),
as written down in DESIGN.md ("Expected-utility model"). Every choice the sources leave open is
a named field of :class:`EUMParams`; docs/eum.md lists them with the reference-case table.

Two implementations of one round share everything except the expensive parts (win
probabilities, their denominator and the expected utilities):

* ``method="direct"``: the specification as written, O(N^3) per round (every probability sums
  over every voter). The reference.
* ``method="fast"`` (default): O(N^2) per round. With actors sorted by position, the voters who
  prefer x_i to x_j are a prefix or a suffix of the order (cut at the midpoint), so every
  probability is a difference of column prefix sums of w_k (|x_k - x_a| / R)^r_k; the global
  denominator is a sum of the same quantities; only the O(N^2) expected utilities that are used
  are formed; the offers are chosen with vectorised masks and row minima. Work is done in row
  blocks so that no more than one N x N float64 matrix is alive.

Internally positions are y = (x - min x) / R in [0, 1], so R = 1 in every formula.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

#: Codes of :attr:`EUMResult.relationships`, seen from actor i (row) toward actor j (column),
#: with a = EU_i(i challenges j) and b = EU_i(j challenges i) in the final round.
RELATIONSHIP_NAMES: dict[int, str] = {
    0: "stalemate",  # neither expects to gain by challenging (a <= 0, b <= 0), or same position
    1: "conflict",  # both expect to gain (a > 0, b > 0)
    2: "compromise",  # i expects to concede part of the way: b > 0 > a, b > |a|
    3: "capitulation",  # i expects to give in: b > 0 > a, b <= |a|
    4: "compromise_by_other",  # i expects j to concede part of the way: a > 0 > b, a > |b|
    5: "capitulation_by_other",  # i expects j to give in: a > 0 > b, a <= |b|
}

_CHUNK = 8  # chunk width of the blocked prefix sum
_BLOCK_ELEMENTS = 1 << 17  # elements per row block (about 1 MB of float64)
_SMALL_D = 1e-2  # below this distance (units of R) utilities use expm1/log1p


@dataclass(frozen=True)
class EUMParams:
    """Parameters of the expected-utility model; the defaults reproduce SCS (2011).

    probability: ``"scholz"`` divides the votes for i over j by one global denominator, the sum
        of |v_k(a, b)| over all voters k and ordered pairs (a, b), as SCS's code does;
        ``"pairwise"`` by D_ij = sum_k |v_k(i, j)| (Bueno de Mesquita's text; P_ij + P_ji = 1).
    compromise_rank: how an actor ranks several compromise offers. ``"scholz"`` (default, as in
        SCS's code) takes the offer with the smallest (|a| x_i + |b| x_j) / (|a| + |b|);
        ``"move"`` the one that moves it least (SCS's and Bueno de Mesquita's text).
    q, t: Q and T of the expected utility (SCS eq. for EU_i); Q = 1 drops the T term.
    tol: stop when the median moves by less than ``tol * R`` in two consecutive rounds
        (``tol = 0`` never stops early).
    max_rounds: upper bound on the number of rounds.
    method: ``"fast"`` (O(N^2) per round) or ``"direct"`` (O(N^3) reference).
    scale_range: R; ``None`` = the range of the starting positions. Must be >= that range.
    expected_position: the point m of the T term (U_b, U_w): the weighted Condorcet
        ``"median"`` or the weighted ``"mean"`` of the current positions (used only when q < 1).
    tie_tol: two expected utilities (in units of the pair's utility scale, see docs/eum.md)
        closer than this are equal; two offer keys closer than this (in units of R) tie, and the
        tie goes to the offer from the lowest position.
    same_position_tol: actors closer than this (in units of R) hold the same position and make
        no offers to each other.
    threads: worker threads of the fast form (``None``: all CPUs, at most 8); results do not
        depend on it.
    """

    probability: Literal["scholz", "pairwise"] = "scholz"
    compromise_rank: Literal["move", "scholz"] = "scholz"
    q: float = 1.0
    t: float = 1.0
    tol: float = 1e-3
    max_rounds: int = 50
    method: Literal["fast", "direct"] = "fast"
    scale_range: float | None = None
    expected_position: Literal["median", "mean"] = "median"
    tie_tol: float = 1e-9
    same_position_tol: float = 1e-6
    threads: int | None = None

    def __post_init__(self) -> None:
        checks = [
            (self.probability in ("scholz", "pairwise"), "probability must be scholz|pairwise"),
            (self.compromise_rank in ("move", "scholz"), "compromise_rank must be move|scholz"),
            (0.0 <= self.q <= 1.0, "q must lie in [0, 1]"),
            (0.0 <= self.t <= 1.0, "t must lie in [0, 1]"),
            (self.tol >= 0.0, "tol must be >= 0"),
            (self.max_rounds >= 0, "max_rounds must be >= 0"),
            (self.method in ("fast", "direct"), "method must be fast|direct"),
            (
                self.scale_range is None
                or (math.isfinite(self.scale_range) and self.scale_range > 0),
                "scale_range must be a positive number or None",
            ),
            (self.expected_position in ("median", "mean"), "expected_position: median|mean"),
            (self.tie_tol >= 0.0, "tie_tol must be >= 0"),
            (self.same_position_tol >= 0.0, "same_position_tol must be >= 0"),
            (self.threads is None or self.threads >= 1, "threads must be >= 1"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)


@dataclass(frozen=True)
class EUMResult:
    """Trajectory of the model. Arrays follow the input order of the actors.

    positions: (rounds + 1, N), the starting positions, then the positions after each round.
    median_by_round: (rounds + 1,), the weighted Condorcet median of each row of ``positions``.
    mean_by_round: (rounds + 1,), the weighted mean (weights capability * salience) likewise.
    risk_by_round: (rounds, N), the risk exponents r_i used in each round.
    relationships: (N, N) int8 codes (:data:`RELATIONSHIP_NAMES`) of the last round played,
        from i's (row's) point of view toward j; all 0 when no round was played.
    rounds: number of rounds played. converged: the median settled (see ``EUMParams.tol``).
    """

    positions: F64
    median_by_round: F64
    mean_by_round: F64
    risk_by_round: F64
    relationships: NDArray[np.int8]
    rounds: int
    converged: bool


# ----------------------------------------------------------------------------- public functions


def condorcet_median(positions: ArrayLike, weights: ArrayLike) -> float:
    """Weighted Condorcet median: the lowest position that no other position beats in a pairwise
    vote sum_k w_k (|x_k - b| - |x_k - a|) (all exponents 1; SCS's median voter).

    a beats b iff F(a) < F(b) with F(p) = sum_k w_k |x_k - p| (convex), so the unbeaten
    positions are the minimisers of F; the lowest is the smallest position whose cumulative
    weight reaches half the total (a relative tolerance of 1e-12 absorbs rounding). O(N log N).
    """
    x = np.asarray(positions, dtype=float)
    w = np.asarray(weights, dtype=float)
    if x.ndim != 1 or x.shape != w.shape or x.size == 0:
        raise ValueError("positions and weights must be non-empty 1-d arrays of one length")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(w))) or np.any(w < 0):
        raise ValueError("positions must be finite and weights finite and >= 0")
    order = np.argsort(x, kind="stable")
    cum = np.cumsum(w[order])
    k = int(np.searchsorted(cum, 0.5 * cum[-1] * (1.0 - 1e-12), side="left"))
    return float(x[order][min(k, x.size - 1)])


def expected_utility_model(
    positions: ArrayLike,
    capabilities: ArrayLike,
    saliences: ArrayLike,
    params: EUMParams = EUMParams(),  # noqa: B008 (frozen, immutable default)
) -> EUMResult:
    with np.errstate(divide="ignore", invalid="ignore"):
        return _run_model(positions, capabilities, saliences, params)


def _run_model(
    positions: ArrayLike, capabilities: ArrayLike, saliences: ArrayLike, params: EUMParams
) -> EUMResult:
    """Run the expected-utility model (SCS 2011; DESIGN.md) on one issue.

    positions: (N,) starting positions; capabilities: (N,) >= 0; saliences: (N,) in [0, 1].
    Raises ValueError on malformed input, and when every weight c_i s_i is zero while the
    actors disagree (no vote can be cast, so no probability is defined).
    """
    x0, cap, sal = _validate(positions, capabilities, saliences)
    n = x0.size
    w = cap * sal
    spread = float(np.ptp(x0))
    if params.scale_range is not None and params.scale_range < spread * (1.0 - 1e-12):
        raise ValueError(f"scale_range {params.scale_range} is below the positions' range {spread}")
    scale = float(params.scale_range) if params.scale_range is not None else spread

    med = [condorcet_median(x0, w)]
    mean = [_weighted_mean(x0, w)]
    history = [x0.copy()]
    risks: list[F64] = []
    if n == 1 or spread == 0.0:
        # Nobody disagrees (R = 0 or one actor): nothing can move.
        return _result(history, med, mean, risks, np.zeros((n, n), np.int8), 0, True)
    if not np.any(w > 0):
        raise ValueError("every weight capability * salience is zero: no actor can vote")

    lo = float(x0.min())
    y = (x0 - lo) / scale
    engine: _Engine = _Direct() if params.method == "direct" else _Fast(n, params.threads)
    calm = 0
    converged = False
    codes_sorted = np.zeros((n, n), np.int8)
    perm = np.arange(n)
    for _ in range(params.max_rounds):
        perm = np.argsort(y, kind="stable")
        ys, ws, ss = y[perm], w[perm], sal[perm]
        if ys[-1] - ys[0] <= params.same_position_tol:
            r_s = np.ones(n)
            new_s = ys.copy()
            codes_sorted = np.zeros((n, n), np.int8)
        else:
            mu = _expected_position(ys, ws, params)
            r_s = _risk_exponents(engine.security(ys, ws, ss, mu, params), params)
            new_s, codes_sorted = engine.offers(ys, ws, ss, r_s, mu, params)
        y = np.empty(n)
        y[perm] = new_s
        r = np.empty(n)
        r[perm] = r_s
        x = lo + scale * y
        history.append(x)
        risks.append(r)
        med.append(condorcet_median(x, w))
        mean.append(_weighted_mean(x, w))
        calm = calm + 1 if abs(med[-1] - med[-2]) < params.tol * scale else 0
        if calm >= 2:
            converged = True
            break
    inv = np.empty(n, dtype=np.intp)
    inv[perm] = np.arange(n)
    codes = codes_sorted[inv][:, inv]
    return _result(history, med, mean, risks, codes, len(risks), converged)


# ----------------------------------------------------------------------------- shared steps


def _validate(positions: ArrayLike, capabilities: ArrayLike, saliences: ArrayLike) -> tuple[
    F64, F64, F64
]:
    x = np.array(positions, dtype=float)
    c = np.array(capabilities, dtype=float)
    s = np.array(saliences, dtype=float)
    if x.ndim != 1 or x.size == 0 or c.shape != x.shape or s.shape != x.shape:
        raise ValueError("positions, capabilities and saliences must be 1-d arrays of one length")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(c)) and np.all(np.isfinite(s))):
        raise ValueError("positions, capabilities and saliences must be finite")
    if np.any(c < 0):
        raise ValueError("capabilities must be >= 0")
    if np.any((s < 0) | (s > 1)):
        raise ValueError("saliences must lie in [0, 1] (divide 0-100 saliences by 100)")
    return x, c, s


def _weighted_mean(x: F64, w: F64) -> float:
    total = float(w.sum())
    return float(np.dot(w, x) / total) if total > 0 else float(x.mean())


def _expected_position(ys: F64, ws: F64, params: EUMParams) -> float:
    """m of the T term (only used when q < 1)."""
    if params.expected_position == "mean":
        return _weighted_mean(ys, ws)
    return condorcet_median(ys, ws)


def _risk_exponents(security: F64, params: EUMParams) -> F64:
    """SCS: R_i = (2 S_i - S_max - S_min) / (S_max - S_min), r_i = (1 - R_i/3) / (1 + R_i/3).

    When all S_i are equal (to a relative 1e-9) R_i = 0 and r_i = 1.
    """
    smax, smin = float(security.max()), float(security.min())
    if smax - smin <= 1e-9 * max(abs(smax), abs(smin)) or smax == smin:
        return np.ones_like(security)
    big_r = (2.0 * security - smax - smin) / (smax - smin)
    return np.asarray((1.0 - big_r / 3.0) / (1.0 + big_r / 3.0), dtype=float)


def _result(
    history: list[F64],
    med: list[float],
    mean: list[float],
    risks: list[F64],
    codes: NDArray[np.int8],
    rounds: int,
    converged: bool,
) -> EUMResult:
    n = history[0].size
    return EUMResult(
        positions=np.vstack(history),
        median_by_round=np.asarray(med, dtype=float),
        mean_by_round=np.asarray(mean, dtype=float),
        risk_by_round=np.vstack(risks) if risks else np.zeros((0, n)),
        relationships=np.ascontiguousarray(codes, dtype=np.int8),
        rounds=rounds,
        converged=converged,
    )


def _first_min(key: F64, tol: float) -> tuple[NDArray[np.bool_], I64]:
    """Per row: whether any key is finite, and the first column whose key is within ``tol`` of
    the row minimum (columns are sorted by position, so ties go to the lowest position)."""
    kmin = key.min(axis=1)
    has = kmin < np.inf
    col = np.argmax(key <= (kmin + tol)[:, None], axis=1)
    return has, col


def _choose(
    a: F64, b: F64, d: F64, ys: F64, rows: slice, params: EUMParams, codes: NDArray[np.int8]
) -> F64:
    """Offers and choices for a block of rows i (SCS; DESIGN.md "offers").

    a = EU_i(i challenges j), b = EU_i(j challenges i), both divided by the same positive number
    per pair (the utility scale 4 * 0.5^r_i * ((1 + d)^r_i - (1 - d)^r_i)), NaN where i and j
    hold the same position. Returns the new positions of the rows; fills ``codes`` (the block's
    rows of the relationship matrix).
    """
    tol = params.tie_tol
    if params.q != 1.0:
        # With q < 1 the T term makes a, b unbounded as d -> 0: compare relative to their size.
        thr: float | F64 = tol * (1.0 + np.abs(a) + np.abs(b))
    else:
        thr = tol
    a_pos = a > thr
    b_pos = b > thr
    a_neg = a < -thr
    b_neg = b < -thr
    s_pos = (a + b) > thr  # b > |a| when a < 0 < b; a > |b| when b < 0 < a
    conf = a_pos & (b - a > thr)  # b > a > 0: i loses a confrontation
    yield_ = a_neg & b_pos
    comp = yield_ & s_pos
    capit = yield_ & ~s_pos

    codes[...] = 0
    np.copyto(codes, 1, where=a_pos & b_pos)
    np.copyto(codes, 2, where=comp)
    np.copyto(codes, 3, where=capit)
    other = a_pos & b_neg
    np.copyto(codes, 4, where=other & s_pos)
    np.copyto(codes, 5, where=other & ~s_pos)

    yi = ys[rows]
    new = yi.copy()
    inf = np.inf
    has_conf, j_conf = _first_min(np.where(conf, d, inf), tol)
    new[has_conf] = ys[j_conf[has_conf]]
    rest = ~has_conf
    if rest.any():
        idx = np.flatnonzero(rest)
        comp_r = comp[idx]
        if comp_r.any():
            ar, br = a[idx], b[idx]
            yj = ys[None, :]
            yir = yi[idx, None]
            with np.errstate(invalid="ignore", divide="ignore"):
                if params.compromise_rank == "scholz":
                    key = (-ar * yir + br * yj) / (br - ar)
                else:
                    key = d[idx] * (-ar / br)
            has_comp, j_comp = _first_min(np.where(comp_r, key, inf), tol)
            sel = idx[has_comp]
            jj = j_comp[has_comp]
            frac = -ar[has_comp, jj] / br[has_comp, jj]
            new[sel] = yi[sel] + (ys[jj] - yi[sel]) * frac
            idx = idx[~has_comp]
        if idx.size:
            has_cap, j_cap = _first_min(np.where(capit[idx], d[idx], inf), tol)
            new[idx[has_cap]] = ys[j_cap[has_cap]]
    return new


class _Engine:
    def security(self, ys: F64, ws: F64, ss: F64, mu: float, params: EUMParams) -> F64:
        """S_i = sum_{j != i} EU(j challenges i) with every exponent 1 (sorted order)."""
        raise NotImplementedError

    def offers(
        self, ys: F64, ws: F64, ss: F64, r: F64, mu: float, params: EUMParams
    ) -> tuple[F64, NDArray[np.int8]]:
        """New positions and relationship codes (sorted order) with exponents r."""
        raise NotImplementedError


# ----------------------------------------------------------------------------- direct, O(N^3)


class _Direct(_Engine):
    """The specification as written: P_ij sums over every voter for every pair."""

    @staticmethod
    def _probabilities(ys: F64, ws: F64, r: F64, params: EUMParams) -> F64:
        n = ys.size
        dist = np.abs(ys[:, None] - ys[None, :])
        if not np.all(r == 1.0):
            # a voter within same_position_tol of a candidate holds the candidate's position
            # (with r < 1, d^r is not Lipschitz at 0: rounding noise would otherwise count)
            dist[dist <= params.same_position_tol] = 0.0
        wins = np.zeros((n, n))
        pair_total = np.zeros((n, n))
        total = 0.0
        for k in range(n):  # one voter at a time: O(N^2) memory, O(N^3) time
            z = dist[k] ** r[k]
            v = ws[k] * (z[None, :] - z[:, None])  # v[a, b] = v_k(a, b), > 0 if k prefers a
            wins += np.maximum(v, 0.0)
            av = np.abs(v)
            pair_total += av
            total += float(av.sum())
        if params.probability == "scholz":
            return wins / total if total > 0 else np.zeros((n, n))
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(pair_total > 0, wins / pair_total, 0.0)

    @staticmethod
    def _eu(
        re: F64 | float, p: F64, s_target: F64, d: F64, y_chal: F64, mu: float, params: EUMParams
    ) -> F64:
        """EU of a challenge as seen by an evaluator with exponent re (SCS; DESIGN.md):
        s_j [P U_s + (1 - P) U_f] + (1 - s_j) U_s - Q U_sq - (1 - Q) [T U_b + (1 - T) U_w],
        evaluated as (U_s - U_sq) - s_j (1 - P) (U_s - U_f) - (1 - Q) [T (U_b - U_sq) +
        (1 - T) (U_w - U_sq)] (the same sum) with each difference from expm1/log1p, so that it
        keeps its relative precision when d is small."""
        k = 4.0 * 0.5**re
        d_fail = np.expm1(re * np.log1p(d))  # (1 + d)^r - 1
        d_succ = np.expm1(re * np.log1p(-d))  # (1 - d)^r - 1
        us_sq = -k * d_succ  # U_s - U_sq
        us_uf = k * (d_fail - d_succ)  # U_s - U_f
        out = us_sq - s_target * (1.0 - p) * us_uf
        if params.q != 1.0:
            e = np.abs(y_chal - mu) + d
            ub_sq = -k * np.expm1(re * np.log1p(-0.5 * e))  # U_b - U_sq
            uw_sq = -k * np.expm1(re * np.log1p(0.5 * e))  # U_w - U_sq
            out = out - (1.0 - params.q) * (params.t * ub_sq + (1.0 - params.t) * uw_sq)
        return np.asarray(out, dtype=float)

    def security(self, ys: F64, ws: F64, ss: F64, mu: float, params: EUMParams) -> F64:
        n = ys.size
        ones = np.ones(n)
        p = self._probabilities(ys, ws, ones, params)
        d = np.abs(ys[:, None] - ys[None, :])
        # eu[j, i] = EU_j(j challenges i), evaluated by j with exponent 1.
        eu = self._eu(1.0, p, ss[None, :], d, ys[:, None], mu, params)
        np.fill_diagonal(eu, 0.0)
        return np.asarray(eu.sum(axis=0), dtype=float)

    def offers(
        self, ys: F64, ws: F64, ss: F64, r: F64, mu: float, params: EUMParams
    ) -> tuple[F64, NDArray[np.int8]]:
        n = ys.size
        p = self._probabilities(ys, ws, r, params)
        d = np.abs(ys[:, None] - ys[None, :])
        re = r[:, None]
        a = self._eu(re, p, ss[None, :], d, ys[:, None], mu, params)  # EU_i(i challenges j)
        b = self._eu(re, p.T, ss[:, None], d, ys[None, :], mu, params)  # EU_i(j challenges i)
        same = d <= params.same_position_tol
        dn = np.where(same, np.nan, d)
        scale = 4 * 0.5**re * (np.expm1(re * np.log1p(dn)) - np.expm1(re * np.log1p(-dn)))
        codes = np.zeros((n, n), np.int8)
        new = _choose(a / scale, b / scale, dn, ys, slice(0, n), params, codes)
        return new, codes


# ----------------------------------------------------------------------------- fast, O(N^2)


class _Midpoints:
    """m_ij = #{k : 2 y_k < y_i + y_j} for sorted y, O(1) per pair.

    Positions are shifted to start at 0 and scaled by a power of two c (exact), so the bucket
    index floor(c (y_i + y_j)) is a monotone function of y_i + y_j. Where no voter falls in the
    query's bucket the count is the bucket's tabulated count (exact); elsewhere (a few percent
    of queries unless positions cluster) a binary search.
    """

    def __init__(self, ys: F64):
        n = ys.size
        shifted = ys - ys[0]
        span = 2.0 * float(shifted[-1])
        target = float(min(max(64 * n, 1024), 1 << 22))
        c = 2.0 ** math.floor(math.log2(target / span))
        self.yc: F64 = shifted * c
        self.beta: F64 = self.yc + self.yc
        bins = self.beta.astype(np.int64)
        nb = int(bins[-1]) + 1
        table = np.searchsorted(bins, np.arange(nb + 1), side="left").astype(np.int64)
        occupied = np.zeros(nb + 1, dtype=bool)
        occupied[bins] = True
        table[occupied] = -1
        self.table: I64 = table

    def counts(self, i0: int, i1: int, tbuf: F64, mbuf: I64, bbuf: I64) -> I64:
        np.add(self.yc[i0:i1, None], self.yc[None, :], out=tbuf)
        np.copyto(bbuf, tbuf, casting="unsafe")
        np.take(self.table, bbuf, out=mbuf, mode="clip")
        if mbuf.min() < 0:
            amb = np.flatnonzero(mbuf < 0)
            mbuf.flat[amb] = np.searchsorted(self.beta, tbuf.flat[amb], side="left")
        return mbuf


class _Fast(_Engine):
    """O(N^2) per round; see the module docstring and docs/eum.md for the derivation."""

    def __init__(self, n: int, threads: int | None):
        self.n = n
        self.g = np.empty((n, n))  # G[a, b] = sum_{k < m_ab} w_k |y_k - y_a|^r_k
        self.codes = np.zeros((n, n), np.int8)
        self.rows = max(1, _BLOCK_ELEMENTS // n)
        nblocks = -(-n // self.rows)
        cpus = os.cpu_count() or 1
        self.threads = max(1, min(threads if threads is not None else min(cpus, 8), nblocks))
        self.npad = -(-n // _CHUNK) * _CHUNK

    # -- helpers

    def _blocks(self) -> Iterator[tuple[int, int]]:
        for i0 in range(0, self.n, self.rows):
            yield i0, min(self.n, i0 + self.rows)

    def _run(self, fn: Callable[[int, int, dict[str, np.ndarray]], None]) -> None:
        """Apply fn(i0, i1, buffers) to every row block, in threads with their own buffers."""
        blocks = list(self._blocks())
        if self.threads == 1:
            bufs: dict[str, np.ndarray] = {}
            for i0, i1 in blocks:
                fn(i0, i1, bufs)
            return
        chunks = [blocks[k :: self.threads] for k in range(self.threads)]

        def work(part: list[tuple[int, int]]) -> None:
            local: dict[str, np.ndarray] = {}
            with np.errstate(divide="ignore", invalid="ignore"):  # per thread
                for i0, i1 in part:
                    fn(i0, i1, local)

        with ThreadPoolExecutor(self.threads) as pool:
            for f in [pool.submit(work, part) for part in chunks]:
                f.result()

    def _buf(
        self, bufs: dict[str, np.ndarray], name: str, b: int, row: tuple[int, ...], dtype: type
    ) -> np.ndarray:
        """A (b, *row) scratch array, reused across the blocks of one thread."""
        per_row = int(np.prod(row))
        flat = bufs.get(name)
        if flat is None or flat.dtype != dtype:
            flat = np.empty(self.rows * per_row, dtype=dtype)
            bufs[name] = flat
        return flat[: b * per_row].reshape((b, *row))

    # -- risk: all exponents 1

    def security(self, ys: F64, ws: F64, ss: F64, mu: float, params: EUMParams) -> F64:
        """S_i with r = 1 in closed form: for voters left of both candidates v_k(i, j) is
        w_k (x_j - x_i), between them w_k (x_i + x_j - 2 x_k), so the votes for i over j
        are 1-d prefix sums of w and w x cut at the midpoint index m_ij."""
        n = self.n
        mids = _Midpoints(ys)
        wc = np.concatenate(([0.0], np.cumsum(ws)))
        wxc = np.concatenate(([0.0], np.cumsum(ws * ys)))
        wt, wxt = wc[-1], wxc[-1]
        yc_ = np.concatenate(([0.0], np.cumsum(ys)))
        after = np.arange(1, n + 1)
        # tot1_a = sum_k w_k |y_k - y_a|; sumd_i = sum_j |y_i - y_j|
        tot1 = ys * wc[1:] - wxc[1:] + (wxt - wxc[1:]) - ys * (wt - wc[1:])
        sumd = ys * after - yc_[1:] + (yc_[-1] - yc_[1:]) - ys * (n - after)
        up_const = 2.0 * (wxc[1:] - ys * wc[1:])  # j > i
        low_const = ys * wt - 2.0 * ys * wc[:-1] + 2.0 * wxc[:-1]  # j < i (then - y_j wt)
        row_n1 = np.zeros(n)
        acc = np.zeros(n)
        pairwise = params.probability == "pairwise"
        iu_full = np.arange(n)

        def block(i0: int, i1: int, bufs: dict[str, np.ndarray]) -> None:
            b = i1 - i0
            ii = iu_full[i0:i1, None]
            tb = self._buf(bufs, "t", b, (n,), np.float64)
            mb = self._buf(bufs, "m", b, (n,), np.int64)
            bb = self._buf(bufs, "b", b, (n,), np.int64)
            m = mids.counts(i0, i1, tb, mb, bb)
            # clip the cut: voters <= i always prefer i to a j > i; voters >= i prefer i to j < i
            np.minimum(m[:, :i0], ii, out=m[:, :i0])
            np.maximum(m[:, i1:], ii + 1, out=m[:, i1:])
            upper = iu_full[None, i0:i1] > ii
            dm = m[:, i0:i1]
            dm[...] = np.where(upper, np.maximum(dm, ii + 1), np.minimum(dm, ii))
            s = self._buf(bufs, "s", b, (n,), np.float64)
            np.add(ys[i0:i1, None], ys[None, :], out=s)
            n1 = self._buf(bufs, "n1", b, (n,), np.float64)
            np.take(wc, m, out=n1, mode="clip")
            np.multiply(n1, s, out=n1)
            np.take(wxc, m, out=tb, mode="clip")
            tb *= 2.0
            n1 -= tb
            # constants: upper part + up_const_i; lower part + low_const_i - y_j wt
            n1[:, i1:] += up_const[i0:i1, None]
            n1[:, :i0] += low_const[i0:i1, None] - ys[None, :i0] * wt
            dn = n1[:, i0:i1]
            dn += np.where(upper, up_const[i0:i1, None], low_const[i0:i1, None] - ys[None, i0:i1] * wt)
            np.fill_diagonal(dn, 0.0)
            row_n1[i0:i1] = n1.sum(axis=1)
            # n1 -> N1_ji = N1_ij - tot1_j + tot1_i
            x = s  # reuse
            np.subtract(n1, tot1[None, :], out=x)
            x += tot1[i0:i1, None]
            dist = tb
            np.subtract(ys[i0:i1, None], ys[None, :], out=dist)
            np.abs(dist, out=dist)
            if pairwise:
                n1 += x  # A_ij = N1_ij + N1_ji
                with np.errstate(invalid="ignore", divide="ignore"):
                    np.divide(x, n1, out=x)
                x[n1 <= 0] = 0.0
            acc[i0:i1] = np.einsum("ij,ij->i", dist, x)

        self._run(block)
        if pairwise:
            sum_dp = acc
        else:
            d1 = 2.0 * float(row_n1.sum())
            sum_dp = acc / d1
        security = 2.0 * (1.0 - 2.0 * ss) * sumd + 4.0 * ss * sum_dp
        if params.q != 1.0:
            dev = np.abs(ys - mu)
            security -= (1 - params.q) * (2 * params.t - 1) * (dev.sum() - dev + sumd)
        return np.asarray(security, dtype=float)

    # -- offers: exponents r

    def offers(
        self, ys: F64, ws: F64, ss: F64, r: F64, mu: float, params: EUMParams
    ) -> tuple[F64, NDArray[np.int8]]:
        n, npad = self.n, self.npad
        mids = _Midpoints(ys)
        g = self.g
        tot = np.zeros(n)
        low = np.zeros(n)
        up = np.zeros(n)
        iu_full = np.arange(n)
        same_tol = params.same_position_tol

        def pass_a(i0: int, i1: int, bufs: dict[str, np.ndarray]) -> None:
            # M[a, k] = w_k |y_a - y_k|^r_k ; C = prefix sums over k ; G[a, b] = C[a, m_ab]
            b = i1 - i0
            mpad = self._buf(bufs, "M", b, (npad,), np.float64)
            mv = mpad[:, :n]
            np.subtract(ys[i0:i1, None], ys[None, :], out=mv)
            np.abs(mv, out=mv)
            np.copyto(mv, 0.0, where=mv <= same_tol)  # as in _Direct._probabilities
            np.power(mv, r[None, :], out=mv)
            mv *= ws[None, :]
            mpad[:, n:] = 0.0
            # C[:, 1:] = inclusive prefix sums: within chunks of _CHUNK columns by strided adds,
            # then the chunk totals' prefix sums as offsets (no BLAS: it oversubscribes cores)
            nch = npad // _CHUNK
            cbuf = self._buf(bufs, "C", b, (npad + 1,), np.float64)
            cbuf[:, 0] = 0.0
            c3 = cbuf[:, 1:].view()
            c3.shape = (b, nch, _CHUNK)
            m3 = mpad.reshape(b, nch, _CHUNK)
            c3[:, :, 0] = m3[:, :, 0]
            for k in range(1, _CHUNK):
                np.add(c3[:, :, k - 1], m3[:, :, k], out=c3[:, :, k])
            offs = np.cumsum(c3[:, :, -1], axis=1)
            c3[:, 1:, :] += offs[:, :-1, None]
            tb = self._buf(bufs, "t", b, (n,), np.float64)
            mb = self._buf(bufs, "m", b, (n,), np.int64)
            bb = self._buf(bufs, "b", b, (n,), np.int64)
            m = mids.counts(i0, i1, tb, mb, bb)
            m += (np.arange(b, dtype=np.int64) * (npad + 1))[:, None]
            gb = g[i0:i1]
            np.take(cbuf.reshape(-1), m, out=gb, mode="clip")
            tot[i0:i1] = cbuf[:, n]
            dg = gb[:, i0:i1]
            lower_part = gb[:, :i0].sum(axis=1) + np.tril(dg, -1).sum(axis=1)
            low[i0:i1] = lower_part
            up[i0:i1] = gb.sum(axis=1) - lower_part - np.diagonal(dg)

        self._run(pass_a)
        # D = sum_{a != b} (N_ab + N_ba) = 2 sum_{a != b} N_ab, with N_ab = G_ba - G_ab (a < b)
        # and N_ab = N_ba + tot_b - tot_a (a > b).
        idx = np.arange(n)
        tri_tot = float(np.dot(tot, n - 1 - idx) - np.dot(tot, idx))
        total = 2.0 * (2.0 * (float(low.sum()) - float(up.sum())) + tri_tot)
        scholz = params.probability == "scholz"
        if scholz and not total > 0:
            total = np.inf  # no voter prefers anything: every P is 0
        sig = ss / total  # s_j / D
        new = np.empty(n)
        codes = self.codes
        q, t = params.q, params.t

        def pass_b(i0: int, i1: int, bufs: dict[str, np.ndarray]) -> None:
            b = i1 - i0
            ii = iu_full[i0:i1, None]
            upper = iu_full[None, i0:i1] > ii
            delta = self._buf(bufs, "D", b, (n,), np.float64)  # G_ji - G_ij
            np.subtract(g[:, i0:i1].T, g[i0:i1], out=delta)
            dtot = self._buf(bufs, "dt", b, (n,), np.float64)  # tot_j - tot_i
            np.subtract(tot[None, :], tot[i0:i1, None], out=dtot)
            nij = self._buf(bufs, "nij", b, (n,), np.float64)
            nji = self._buf(bufs, "nji", b, (n,), np.float64)
            # j > i: N_ij = delta, N_ji = delta - dtot ; j < i: N_ij = dtot - delta, N_ji = -delta
            nij[:, i1:] = delta[:, i1:]
            np.subtract(dtot[:, :i0], delta[:, :i0], out=nij[:, :i0])
            nij[:, i0:i1] = np.where(upper, delta[:, i0:i1], dtot[:, i0:i1] - delta[:, i0:i1])
            np.subtract(nij, dtot, out=nji)
            if scholz:
                # a-part: u = s_j (1 - N_ij / D); b-part: v = s_i (1 - N_ji / D)
                np.multiply(nij, sig[None, :], out=nij)
                np.multiply(nji, sig[i0:i1, None], out=nji)
            else:
                pair = dtot  # reuse: N_ij + N_ji
                np.add(nij, nji, out=pair)
                with np.errstate(invalid="ignore", divide="ignore"):
                    np.divide(nij, pair, out=nij)
                    np.divide(nji, pair, out=nji)
                zero = pair <= 0
                nij[zero] = 0.0
                nji[zero] = 0.0
                nij *= ss[None, :]
                nji *= ss[i0:i1, None]
            # now nij = s_j P_ij, nji = s_i P_ji
            d = self._buf(bufs, "d", b, (n,), np.float64)
            np.subtract(ys[i0:i1, None], ys[None, :], out=d)
            np.abs(d, out=d)
            d[d <= same_tol] = np.nan
            ri = r[i0:i1, None]
            lm = self._buf(bufs, "lm", b, (n,), np.float64)
            lp = self._buf(bufs, "lp", b, (n,), np.float64)
            np.subtract(1.0, d, out=lm)
            np.power(lm, ri, out=lm)
            np.subtract(1.0, lm, out=lm)  # 1 - (1 - d)^r
            np.add(1.0, d, out=lp)
            np.power(lp, ri, out=lp)
            lp -= 1.0  # (1 + d)^r - 1
            small = np.flatnonzero(d < _SMALL_D)
            if small.size:  # keep the relative precision of both differences for small d
                rs = np.broadcast_to(ri, (b, n)).reshape(-1)[small]
                ds = d.reshape(-1)[small]
                lm.reshape(-1)[small] = -np.expm1(rs * np.log1p(-ds))
                lp.reshape(-1)[small] = np.expm1(rs * np.log1p(ds))
            lp += lm  # Y = (1 + d)^r - (1 - d)^r
            np.divide(lm, lp, out=lm)  # rho = (1 - (1 - d)^r) / Y
            rho = lm
            a = nij  # a = rho - s_j + s_j P_ij
            a += rho
            a -= ss[None, :]
            bb_ = nji  # b = rho - s_i + s_i P_ji
            bb_ += rho
            bb_ -= ss[i0:i1, None]
            if q != 1.0:
                for target, ych in ((a, ys[i0:i1, None]), (bb_, ys[None, :])):
                    e = np.abs(ych - mu) + d
                    psi = (1 - q) * (
                        t * np.expm1(ri * np.log1p(-0.5 * e))
                        + (1 - t) * np.expm1(ri * np.log1p(0.5 * e))
                    )
                    target += psi / lp
            new[i0:i1] = _choose(a, bb_, d, ys, slice(i0, i1), params, codes[i0:i1])

        self._run(pass_b)
        return new, codes
