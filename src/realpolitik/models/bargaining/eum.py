"""The expected-utility model of Bueno de Mesquita (1985, 1994) on one issue.

Follows the specification and replication of Scholz, Calbert & Smith (2011), "Unravelling Bueno
De Mesquita's group decision model", J. Theoretical Politics 23(4): 510-531 (hereafter SCS),
as written down in docs/design.md ("Expected-utility model"). Every choice the sources leave open is
a named field of :class:`EUMParams`; docs/models.md lists them with the reference-case table.

Two implementations of one round share everything except the expensive parts (win
probabilities, their denominator and the expected utilities):

* ``method="direct"``: the specification as written, O(N^3) per round (every probability sums
  over every voter). The reference.
* ``method="fast"`` (default): O(N^2) per round. With actors sorted by position, the voters who
  prefer x_i to x_j are a prefix or a suffix of the order (cut at the midpoint), so every
  probability is a difference of column prefix sums of w_k (|x_k - x_a| / R)^r_k; the global
  denominator is a sum of the same quantities; only the O(N^2) expected utilities that are used
  are formed; the offers are chosen with vectorised masks and row minima. Work is done in row
  blocks (optionally in threads): besides them only G (N x N float64), the midpoint indices
  (N x N uint16) and the relationship codes (N x N int8) are kept, about 11 N^2 bytes.

Internally positions are y = (x - min x) / R in [0, 1], so R = 1 in every formula.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
Scratch = dict[str, np.ndarray]  # per-thread scratch buffers of the fast form

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
_TILE = 256  # tile of the blocked transpose in the fast form


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
    tie_tol: two expected utilities (in units of the pair's utility scale, see docs/models.md)
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
    codes = np.take(np.take(codes_sorted, inv, axis=0), inv, axis=1)
    return _result(history, med, mean, risks, codes, len(risks), converged)


# ----------------------------------------------------------------------------- shared steps


def _validate(
    positions: ArrayLike, capabilities: ArrayLike, saliences: ArrayLike
) -> tuple[F64, F64, F64]:
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


_NO_KEY = 4.0  # subtracted from the keys of the offers that count (every key lies in [0, 1])


def _scratch(bufs: Scratch, name: str, shape: tuple[int, ...], dtype: type) -> np.ndarray:
    """A scratch array of this shape, reused across calls that share ``bufs`` (one thread)."""
    size = math.prod(shape)
    flat = bufs.get(name)
    if flat is None or flat.size < size or flat.dtype != dtype:
        flat = np.empty(size, dtype=dtype)
        bufs[name] = flat
    return flat[:size].reshape(shape)


def _first_min(
    key: F64, mask: NDArray[np.bool_], tol: float, bufs: Scratch
) -> tuple[NDArray[np.bool_], I64]:
    """Per row, among the columns where ``mask`` holds: whether there is one, and the first
    column whose key is within ``tol`` of the smallest (columns are sorted by position, so ties
    go to the lowest position). Keys lie in [0, 1]."""
    masked = _scratch(bufs, "fm", key.shape, np.float64)
    np.copyto(masked, mask)  # key - 4 where masked: the masked keys lie in [-4, -3]
    masked *= -_NO_KEY
    masked += key
    kmin = masked.min(axis=1)
    has = kmin < 0.0
    flags = _scratch(bufs, "fmb", key.shape, np.bool_)
    np.less_equal(masked, (kmin + tol)[:, None], out=flags)
    return has, np.argmax(flags, axis=1)


def _choose(
    a: F64,
    b: F64,
    d: F64,
    yi: F64,
    ys: F64,
    params: EUMParams,
    codes: NDArray[np.int8],
    bufs: Scratch,
) -> F64:
    """Offers and choices for a block of rows i (SCS; docs/design.md "offers").

    a = EU_i(i challenges j), b = EU_i(j challenges i), both divided by the same positive number
    per pair (the utility scale 4 * 0.5^r_i * ((1 + d)^r_i - (1 - d)^r_i)) and set to 0 where i
    and j hold the same position; d = |y_i - y_j|; yi the rows' positions, ys all positions
    (sorted). Returns the rows' new positions and fills ``codes`` (the rows' relationships).
    """
    tol = params.tie_tol
    shape = a.shape
    # With q < 1 the T term makes a, b unbounded as d -> 0: compare relative to their size.
    thr: float | F64 = tol * (1.0 + np.abs(a) + np.abs(b)) if params.q != 1.0 else tol
    neg_thr = -thr
    a_pos = np.greater(a, thr, out=_scratch(bufs, "a_pos", shape, np.bool_))
    b_pos = np.greater(b, thr, out=_scratch(bufs, "b_pos", shape, np.bool_))
    a_neg = np.less(a, neg_thr, out=_scratch(bufs, "a_neg", shape, np.bool_))
    b_neg = np.less(b, neg_thr, out=_scratch(bufs, "b_neg", shape, np.bool_))
    tmp = _scratch(bufs, "ch_tmp", shape, np.float64)
    # b > |a| when a < 0 < b; a > |b| when b < 0 < a
    s_pos = np.greater(np.add(a, b, out=tmp), thr, out=_scratch(bufs, "s_pos", shape, np.bool_))
    conf = np.greater(np.subtract(b, a, out=tmp), thr, out=_scratch(bufs, "conf", shape, np.bool_))
    conf &= a_pos  # b > a > 0: i loses a confrontation
    yield_ = np.logical_and(a_neg, b_pos, out=a_neg)  # a < 0 < b: i yields
    yield_other = np.logical_and(a_pos, b_neg, out=b_neg)  # b < 0 < a: j yields
    # codes (RELATIONSHIP_NAMES): 1 conflict; i yields: 3, or 2 when b > |a|; j yields: 5, or
    # 4 when a > |b|. Byte arithmetic (a table lookup is slower).
    c8 = codes.view(np.uint8)
    np.multiply(yield_.view(np.uint8), 3, out=c8)
    u8 = _scratch(bufs, "u8", shape, np.uint8)
    np.multiply(yield_other.view(np.uint8), 5, out=u8)
    c8 += u8
    c8 += np.logical_and(a_pos, b_pos, out=b_pos).view(np.uint8)
    np.logical_or(yield_, yield_other, out=a_pos)
    a_pos &= s_pos
    c8 -= a_pos.view(np.uint8)

    new = yi.copy()
    has_conf, j_conf = _first_min(d, conf, tol, bufs)
    new[has_conf] = ys[j_conf[has_conf]]
    rest = ~has_conf
    if not (rest.any() and (yield_[rest]).any()):
        return new
    comp = np.logical_and(yield_, s_pos, out=conf)
    if (comp[rest]).any():
        key = _scratch(bufs, "key", shape, np.float64)
        if params.compromise_rank == "scholz":
            # (|a| y_i + |b| y_j) / (|a| + |b|) with a < 0 < b
            np.multiply(b, ys[None, :], out=key)
            key -= np.multiply(a, yi[:, None], out=tmp)
            key /= np.subtract(b, a, out=tmp)
        else:
            np.divide(a, b, out=key)
            key *= d
            np.negative(key, out=key)
        np.fmax(key, 0.0, out=key)  # bound the values outside the compromises (NaN, inf)
        np.fmin(key, 1.0, out=key)
        has_comp, j_comp = _first_min(key, comp, tol, bufs)
        sel = rest & has_comp
        rows = np.flatnonzero(sel)
        jj = j_comp[sel]
        frac = -a[rows, jj] / b[rows, jj]
        new[sel] = yi[sel] + (ys[jj] - yi[sel]) * frac
        rest &= ~has_comp
    if rest.any():
        s_pos = np.logical_not(s_pos, out=s_pos)
        capit = np.logical_and(yield_, s_pos, out=s_pos)
        has_cap, j_cap = _first_min(d, capit, tol, bufs)
        sel = rest & has_cap
        new[sel] = ys[j_cap[sel]]
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
    def _probabilities(ys: F64, ws: F64, r: F64, params: EUMParams, offers: bool) -> F64:
        n = ys.size
        dist = np.abs(ys[:, None] - ys[None, :])
        if offers:
            # a voter within same_position_tol of a candidate holds the candidate's position
            # (with r < 1, d^r is not Lipschitz at 0: rounding noise would otherwise count).
            # The risk step (all r = 1) takes distances as they are, as the fast form does.
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
        """EU of a challenge as seen by an evaluator with exponent re (SCS; docs/design.md):
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
        p = self._probabilities(ys, ws, ones, params, offers=False)
        d = np.abs(ys[:, None] - ys[None, :])
        # eu[j, i] = EU_j(j challenges i), evaluated by j with exponent 1.
        eu = self._eu(1.0, p, ss[None, :], d, ys[:, None], mu, params)
        np.fill_diagonal(eu, 0.0)
        return np.asarray(eu.sum(axis=0), dtype=float)

    def offers(
        self, ys: F64, ws: F64, ss: F64, r: F64, mu: float, params: EUMParams
    ) -> tuple[F64, NDArray[np.int8]]:
        n = ys.size
        p = self._probabilities(ys, ws, r, params, offers=True)
        d = np.abs(ys[:, None] - ys[None, :])
        re = r[:, None]
        a = self._eu(re, p, ss[None, :], d, ys[:, None], mu, params)  # EU_i(i challenges j)
        b = self._eu(re, p.T, ss[:, None], d, ys[None, :], mu, params)  # EU_i(j challenges i)
        same = d <= params.same_position_tol
        scale = 4 * 0.5**re * (np.expm1(re * np.log1p(d)) - np.expm1(re * np.log1p(-d)))
        a = np.where(same, 0.0, a / scale)
        b = np.where(same, 0.0, b / scale)
        codes = np.zeros((n, n), np.int8)
        new = _choose(a, b, d, ys, ys, params, codes, {})
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
        target = min(max(32 * n, 1024), 1 << 22)  # table of about 32 N buckets: about L2 size
        # c = 2^k with c * span <= target (frexp: span = f 2^e, 0.5 <= f < 1; no overflow)
        c = math.ldexp(1.0, min(target.bit_length() - 1 - math.frexp(span)[1], 1000))
        self.yc: F64 = shifted * c
        self.beta: F64 = self.yc + self.yc
        bins = self.beta.astype(np.int64)
        nb = int(bins[-1]) + 1
        ids = np.arange(nb + 1)
        lo = np.searchsorted(bins, ids, side="left")
        occ = np.searchsorted(bins, ids, side="right") - lo
        # a bucket holding voters: -1 - bucket id (resolved in counts())
        self.table: I64 = np.where(occ > 0, -1 - ids, lo).astype(np.int64)
        self.lo = lo
        self.occ = occ
        # the voters' common value in a bucket where they all coincide, else NaN
        first = self.beta[np.minimum(lo, n - 1)]
        last = self.beta[np.maximum(lo + occ - 1, 0)]
        self.value = np.where((occ > 0) & (first == last), first, np.nan)

    def counts(self, i0: int, i1: int, tbuf: F64, mbuf: I64, bbuf: I64) -> I64:
        """m for the rows i0:i1 into mbuf (tbuf, bbuf: scratch of the same shape)."""
        np.add(self.yc[i0:i1, None], self.yc[None, :], out=tbuf)
        np.copyto(bbuf, tbuf, casting="unsafe")
        np.take(self.table, bbuf, out=mbuf, mode="clip")
        if mbuf.min() < 0:
            flat_m = mbuf.reshape(-1)
            amb = np.flatnonzero(flat_m < 0)
            bucket = -1 - flat_m[amb]
            tq = tbuf.reshape(-1)[amb]
            val = self.value[bucket]
            single = ~np.isnan(val)  # all voters of the bucket at one value: one comparison
            flat_m[amb] = self.lo[bucket] + self.occ[bucket] * (val < tq)
            multi = amb[~single]
            if multi.size:
                flat_m[multi] = np.searchsorted(self.beta, tq[~single], side="left")
        return mbuf


def _ranges(ys: F64, i0: int, i1: int, radius: float) -> tuple[I64, I64]:
    """Row offsets (within the block) and columns of the pairs i in [i0, i1), j with
    |y_i - y_j| <= radius, plus a margin of 1e-9 radius (callers filter exactly). Sorted ys."""
    pad = radius * (1.0 + 1e-9)
    lo = np.searchsorted(ys, ys[i0:i1] - pad, side="left")
    hi = np.searchsorted(ys, ys[i0:i1] + pad, side="right")
    cnt = hi - lo
    rows = np.repeat(np.arange(i1 - i0), cnt)
    cols = np.arange(int(cnt.sum())) + np.repeat(lo - (np.cumsum(cnt) - cnt), cnt)
    return rows, cols


class _Fast(_Engine):
    """O(N^2) per round; see the module docstring and docs/models.md for the derivation."""

    def __init__(self, n: int, threads: int | None):
        self.n = n
        self.g = np.empty((n, n))  # G[a, b] = sum_{k < m_ab} w_k |y_k - y_a|^r_k
        self.codes = np.zeros((n, n), np.int8)
        self.rows = max(1, _BLOCK_ELEMENTS // n)
        self.super_rows = max(self.rows, min(n, _TILE))
        cpus = os.cpu_count() or 1
        self.threads = max(1, threads if threads is not None else min(cpus, 8))
        self.nch = -(-n // _CHUNK)
        self.npad = self.nch * _CHUNK
        # Layout of a row of M in pass A: voter k at column pos(k) = (k % CH) nch + k // CH, so
        # that prefix sums within chunks of CH voters run along contiguous runs of nch columns.
        kk = np.arange(self.npad)
        self.pos = (kk % _CHUNK) * self.nch + kk // _CHUNK
        self.voter = np.empty(self.npad, dtype=np.int64)
        self.voter[self.pos] = kk  # voter at each column (>= n: padding)
        self.width = self.npad + 1  # a row of C: [0, inclusive prefix sums in stored order]
        self.cidx = np.concatenate(([0], 1 + self.pos[:n]))  # C[a, m] = row[cidx[m]]
        # cidx[m_ij] of the current round: found in security(), reused in offers()
        self.mstore = np.empty((n, n), dtype=np.uint16 if self.width < (1 << 16) else np.uint32)
        self.mstore_for: F64 | None = None

    # -- helpers

    def _run(self, fn: Callable[[int, int, Scratch], None], step: int) -> None:
        """Apply fn(i0, i1, buffers) to the row blocks of ``step`` rows, in threads that own
        their scratch buffers and write disjoint rows of the outputs."""
        blocks = [(i0, min(self.n, i0 + step)) for i0 in range(0, self.n, step)]
        nthreads = min(self.threads, len(blocks))

        def work(part: list[tuple[int, int]]) -> None:
            local: Scratch = {}
            with np.errstate(divide="ignore", invalid="ignore"):  # errstate is per thread
                for i0, i1 in part:
                    fn(i0, i1, local)

        if nthreads == 1:
            work(blocks)
            return
        with ThreadPoolExecutor(nthreads) as pool:
            futures = [pool.submit(work, blocks[k::nthreads]) for k in range(nthreads)]
            for f in futures:
                f.result()

    # -- risk: all exponents 1

    def security(self, ys: F64, ws: F64, ss: F64, mu: float, params: EUMParams) -> F64:
        """S_i with r = 1 in closed form: for voters k left of both candidates i < j,
        v_k(i, j) = w_k (y_j - y_i), between y_i and the midpoint w_k (y_i + y_j - 2 y_k), so
        the votes for i over j are 1-d prefix sums of w and w y cut at the midpoint index."""
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
        # N1_ij = (y_i + y_j) Wc[m] - 2 WXc[m] + const: m clipped to >= i + 1 for j > i
        # (voters 0..i all prefer i) and to <= i for j < i (voters i.. all prefer i).
        up_const = 2.0 * (wxc[1:] - ys * wc[1:])
        low_const = ys * wt - 2.0 * ys * wc[:-1] + 2.0 * wxc[:-1]  # then - y_j wt
        wxc2 = 2.0 * wxc
        row_n1 = np.zeros(n)
        acc = np.zeros(n)
        pairwise = params.probability == "pairwise"
        ar = np.arange(n)
        cidx = self.cidx

        def block(i0: int, i1: int, bufs: Scratch) -> None:
            b = i1 - i0
            ii = ar[i0:i1, None]
            tb = _scratch(bufs, "t", (b, n), np.float64)
            mb = _scratch(bufs, "m", (b, n), np.int64)
            bb = _scratch(bufs, "b", (b, n), np.int64)
            m = mids.counts(i0, i1, tb, mb, bb)
            np.take(cidx, m, out=bb, mode="clip")
            self.mstore[i0:i1] = bb
            np.minimum(m[:, :i0], ii, out=m[:, :i0])
            np.maximum(m[:, i1:], ii + 1, out=m[:, i1:])
            upper = ar[None, i0:i1] > ii
            dm = m[:, i0:i1]
            dm[...] = np.where(upper, np.maximum(dm, ii + 1), np.minimum(dm, ii))
            s = _scratch(bufs, "s", (b, n), np.float64)
            np.add(ys[i0:i1, None], ys[None, :], out=s)
            n1 = _scratch(bufs, "n1", (b, n), np.float64)
            np.take(wc, m, out=n1, mode="clip")
            np.multiply(n1, s, out=n1)
            np.take(wxc2, m, out=tb, mode="clip")
            n1 -= tb
            n1[:, i1:] += up_const[i0:i1, None]
            n1[:, :i0] += low_const[i0:i1, None]
            n1[:, :i0] -= ys[None, :i0] * wt
            dn = n1[:, i0:i1]
            dn += np.where(
                upper, up_const[i0:i1, None], low_const[i0:i1, None] - ys[None, i0:i1] * wt
            )
            np.fill_diagonal(dn, 0.0)
            row_n1[i0:i1] = n1.sum(axis=1)
            dist = tb
            np.subtract(ys[None, i1:], ys[i0:i1, None], out=dist[:, i1:])
            np.subtract(ys[i0:i1, None], ys[None, :i1], out=dist[:, :i1])
            np.abs(dist[:, i0:i1], out=dist[:, i0:i1])
            if pairwise:
                x = s  # N1_ji = N1_ij - tot1_j + tot1_i; P1_ji = N1_ji / (N1_ij + N1_ji)
                np.subtract(n1, tot1[None, :], out=x)
                x += tot1[i0:i1, None]
                n1 += x
                np.divide(x, n1, out=x)
                x[n1 <= 0] = 0.0
                acc[i0:i1] = np.einsum("ij,ij->i", dist, x)
            else:  # sum_j d_ij N1_ij; the tot1 terms of N1_ji are added in O(N) below
                acc[i0:i1] = np.einsum("ij,ij->i", dist, n1)

        self._run(block, self.rows)
        self.mstore_for = ys
        if pairwise:
            sum_dp = acc
        else:
            # sum_j d_ij N1_ji = sum_j d_ij N1_ij - sum_j d_ij tot1_j + tot1_i sumd_i
            tc = np.concatenate(([0.0], np.cumsum(tot1)))
            tyc = np.concatenate(([0.0], np.cumsum(tot1 * ys)))
            d_tot = ys * tc[1:] - tyc[1:] + (tyc[-1] - tyc[1:]) - ys * (tc[-1] - tc[1:])
            sum_dn = acc - d_tot + tot1 * sumd
            sum_dp = sum_dn / (2.0 * float(row_n1.sum()))  # D1 = 2 sum_{a != b} N1_ab
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
        mids = None if self.mstore_for is ys else _Midpoints(ys)
        g = self.g
        tot = np.zeros(n)
        low = np.zeros(n)
        up = np.zeros(n)
        same_tol = params.same_position_tol
        nch = npad // _CHUNK

        pos, voter, width, cidx = self.pos, self.voter, self.width, self.cidx
        real = np.minimum(voter, n - 1)
        yp = ys[real]
        wp = np.where(voter < n, ws[real], 0.0)
        rp = np.where(voter < n, r[real], 1.0)

        def pass_a(i0: int, i1: int, bufs: Scratch) -> None:
            # M[a, k] = w_k |y_a - y_k|^r_k ; C = prefix sums over k ; G[a, b] = C[a, m_ab]
            b = i1 - i0
            cb = _scratch(bufs, "C", (b, width), np.float64)
            cb[:, 0] = 0.0
            mv = cb[:, 1:]
            np.subtract(ys[i0:i1, None], yp[None, :], out=mv)
            np.abs(mv, out=mv)
            rr, cc = _ranges(ys, i0, i1, same_tol)
            near = rr * width + 1 + pos[cc]
            flat_c = cb.reshape(-1)
            near = near[flat_c[near] <= same_tol]
            np.log(mv, out=mv)  # d^r = exp(r log d): a third faster than np.power
            mv *= rp[None, :]
            np.exp(mv, out=mv)
            mv *= wp[None, :]
            # a voter within same_position_tol of a candidate holds its position (as _Direct)
            flat_c[near] = 0.0
            # inclusive prefix sums in stored order: within chunks (CH contiguous adds of nch),
            # then the chunk totals' prefix sums as offsets (BLAS-free: no oversubscription)
            p3 = mv.view()
            p3.shape = (b, _CHUNK, nch)
            offs = _scratch(bufs, "offs", (b, nch), np.float64)
            np.sum(p3, axis=1, out=offs)  # chunk totals
            np.cumsum(offs[:, :-1], axis=1, out=offs[:, 1:])  # exclusive prefix sums of them
            offs[:, 0] = 0.0
            p3[:, 0, :] += offs
            for k in range(1, _CHUNK):
                np.add(p3[:, k - 1, :], p3[:, k, :], out=p3[:, k, :])
            mb = _scratch(bufs, "m", (b, n), np.int64)
            row_offsets = (np.arange(b, dtype=np.int64) * width)[:, None]
            if mids is None:
                np.add(self.mstore[i0:i1], row_offsets, out=mb)
            else:
                tb = _scratch(bufs, "t", (b, n), np.float64)
                bb = _scratch(bufs, "b", (b, n), np.int64)
                mids.counts(i0, i1, tb, bb, mb)
                np.take(cidx, bb, out=mb, mode="clip")
                mb += row_offsets
            gb = _scratch(bufs, "g", (b, n), np.float64)
            np.take(flat_c, mb, out=gb, mode="clip")
            g[i0:i1] = gb
            tot[i0:i1] = cb[:, cidx[n]]
            dg = gb[:, i0:i1]
            lower_part = gb[:, :i0].sum(axis=1) + np.tril(dg, -1).sum(axis=1)
            low[i0:i1] = lower_part
            up[i0:i1] = gb.sum(axis=1) - lower_part - np.diagonal(dg)

        self._run(pass_a, self.rows)
        self.mstore_for = None
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
        ar = np.arange(n)

        def rows_b(i0: int, i1: int, gt: F64, bufs: Scratch) -> None:
            b = i1 - i0
            lo_, hi_ = slice(0, i0), slice(i1, n)  # columns j < i (lower), j > i (upper)
            ti = tot[i0:i1, None]
            si = ss[i0:i1, None]
            sgi = sig[i0:i1, None]
            a = _scratch(bufs, "a", (b, n), np.float64)
            bb_ = _scratch(bufs, "bv", (b, n), np.float64)
            np.subtract(gt, g[i0:i1], out=a)  # delta = G_ji - G_ij
            # j > i: N_ij = delta, N_ji = delta - (tot_j - tot_i)
            # j < i: N_ij = tot_j - tot_i - delta, N_ji = -delta
            upper = ar[None, i0:i1] > ar[i0:i1, None]
            dd = a[:, i0:i1]
            dtot_d = tot[None, i0:i1] - ti
            nij_d = np.where(upper, dd, dtot_d - dd)
            nji_d = nij_d - dtot_d
            if scholz:
                # a = rho - s_j (1 - P_ij), b = rho - s_i (1 - P_ji) with P = N / D;
                # here the parts s_j P_ij - s_j and s_i P_ji - s_i.
                np.subtract(a[:, hi_], tot[None, hi_], out=bb_[:, hi_])
                bb_[:, hi_] *= sgi
                bb_[:, hi_] += sgi * ti - si
                np.multiply(a[:, lo_], -sgi, out=bb_[:, lo_])
                bb_[:, lo_] -= si
                a[:, hi_] *= sig[None, hi_]
                a[:, hi_] -= ss[None, hi_]
                np.subtract(tot[None, lo_], a[:, lo_], out=a[:, lo_])
                a[:, lo_] -= ti
                a[:, lo_] *= sig[None, lo_]
                a[:, lo_] -= ss[None, lo_]
                a[:, i0:i1] = nij_d * sig[None, i0:i1] - ss[None, i0:i1]
                bb_[:, i0:i1] = nji_d * sgi - si
            else:
                nij, nji = a, bb_
                np.subtract(tot[None, lo_], a[:, lo_], out=a[:, lo_])
                a[:, lo_] -= ti
                np.subtract(a[:, lo_], tot[None, lo_], out=nji[:, lo_])  # = -delta
                nji[:, lo_] += ti
                np.subtract(a[:, hi_], tot[None, hi_], out=nji[:, hi_])
                nji[:, hi_] += ti
                nij[:, i0:i1] = nij_d
                nji[:, i0:i1] = nji_d
                pair = _scratch(bufs, "pair", (b, n), np.float64)
                np.add(nij, nji, out=pair)
                np.divide(nij, pair, out=nij)
                np.divide(nji, pair, out=nji)
                zero = pair <= 0
                nij[zero] = 0.0
                nji[zero] = 0.0
                nij -= 1.0
                nij *= ss[None, :]
                nji -= 1.0
                nji *= si
            d = _scratch(bufs, "d", (b, n), np.float64)
            np.subtract(ys[None, hi_], ys[i0:i1, None], out=d[:, hi_])
            np.subtract(ys[i0:i1, None], ys[None, lo_], out=d[:, lo_])
            d[:, i0:i1] = np.abs(ys[i0:i1, None] - ys[None, i0:i1])
            ri = r[i0:i1, None]
            num = _scratch(bufs, "num", (b, n), np.float64)
            den = _scratch(bufs, "den", (b, n), np.float64)
            np.subtract(1.0, d, out=num)  # (1 - d)^r = exp(r log(1 - d)), likewise (1 + d)^r
            np.log(num, out=num)
            num *= ri
            np.exp(num, out=num)
            np.add(1.0, d, out=den)
            np.log(den, out=den)
            den *= ri
            np.exp(den, out=den)
            den -= num  # Y = (1 + d)^r - (1 - d)^r
            np.subtract(1.0, num, out=num)  # 1 - (1 - d)^r
            rr, cc = _ranges(ys, i0, i1, _SMALL_D)
            if rr.size:  # both differences keep their relative precision for small d
                flat = rr * n + cc
                rs = r[i0 + rr]
                ds = d.reshape(-1)[flat]
                lm1 = np.expm1(rs * np.log1p(-ds))
                num.reshape(-1)[flat] = -lm1
                den.reshape(-1)[flat] = np.expm1(rs * np.log1p(ds)) - lm1
            np.divide(num, den, out=num)  # rho
            a += num
            bb_ += num
            op = den
            if q != 1.0:
                for target, ych in ((a, ys[i0:i1, None]), (bb_, ys[None, :])):
                    e = np.abs(ych - mu) + d
                    psi = (1 - q) * (
                        t * np.expm1(ri * np.log1p(-0.5 * e))
                        + (1 - t) * np.expm1(ri * np.log1p(0.5 * e))
                    )
                    target += psi / op
            rr, cc = _ranges(ys, i0, i1, same_tol)
            flat = rr * n + cc
            flat = flat[d.reshape(-1)[flat] <= same_tol]
            a.reshape(-1)[flat] = 0.0  # same position: no offers (and rho = 0/0 at d = 0)
            bb_.reshape(-1)[flat] = 0.0
            new[i0:i1] = _choose(a, bb_, d, ys[i0:i1], ys, params, codes[i0:i1], bufs)

        sub = self.rows

        def pass_b(s0: int, s1: int, bufs: Scratch) -> None:
            # the column block G[:, s0:s1], transposed tile by tile (numpy's strided transpose
            # of a tall block is an order of magnitude slower than in-cache tiles)
            gt = _scratch(bufs, "GT", (s1 - s0, n), np.float64)
            for j0 in range(0, n, _TILE):
                j1 = min(n, j0 + _TILE)
                np.copyto(gt[:, j0:j1], g[j0:j1, s0:s1].T)
            for i0 in range(s0, s1, sub):
                i1 = min(s1, i0 + sub)
                rows_b(i0, i1, gt[i0 - s0 : i1 - s0], bufs)

        self._run(pass_b, self.super_rows)
        return new, codes
