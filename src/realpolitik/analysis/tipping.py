"""Tipping points of an alignment: the least change of one relation, or of one actor's size,
that changes the predicted (globally optimal) two-sided configuration (docs/design.md).

Relation. Every split X has energy E_X(p) = E_X + s_i s_j (p - p_ij) d_ij(X) as p_ij moves to p
(Axelrod & Bennett 1993, eq. 2): splits that keep i and j together do not move, splits that
part them all shift by the same slope s_i s_j. So only two splits can ever be optimal as p_ij
varies: X_together (the best split with i and j together) and X_apart (the best with them
apart), and the global minimum switches exactly once, at

    p* = p_ij + (E(X_together) - E(X_apart)) / (s_i s_j),

rising through p* if i and j are apart now, falling through it if they are together. The exact
solver gives both constrained minima, so p* is exact; :func:`bisect_relation` finds the same
point by bisection on the exact solver (the check in the tests, and the method for sizes).

Size. E_X is linear in one actor's size s_k for every X, so the set of s_k at which the current
split stays optimal is an interval around s_k (a minimum of linear functions); its ends are
found by bisection on the exact solver (:func:`size_tipping`).

Alternatives (:func:`alternatives`). What single change moves a focal actor f off its partner
c's side? Split the configurations into A (f and c apart) and T (together). For one parameter x
(a relation p_ab, or a factor phi on one size s_k) every split's energy is a line in x, so
min_A(x) and min_T(x) are lower envelopes of lines and f leaves c exactly where
D(x) = min_A(x) - min_T(x) first turns negative, a root of a piecewise-linear function found
exactly from the envelopes' lines. For a relation each envelope has at most two lines (the
closed form above, with the best splits given (f, c) apart/together and (a, b) apart/together);
for a size the lines are E_X(phi) = E_X|_{s_k=0} + phi (E_X - E_X|_{s_k=0}) and each envelope
is traced exactly by Eisner & Severance's method (1976: intersect the lines optimal at two ends,
ask the exact solver at the crossing, recurse while it finds a lower line).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import combinations, pairwise

import numpy as np
import numpy.typing as npt

from realpolitik.models.alignment.landscape import (
    EXHAUSTIVE_MAX,
    Configuration,
    canonical,
    check_inputs,
    global_split,
    pair_minima,
    split_energies,
)

LabelArray = npt.NDArray[np.int8]


def same_partition(a: npt.ArrayLike, b: npt.ArrayLike) -> bool:
    """True when two labellings group the actors identically (coalition names do not matter)."""
    x, y = np.asarray(a), np.asarray(b)
    return bool(np.array_equal(x[:, None] == x[None, :], y[:, None] == y[None, :]))


def switchers(before: npt.ArrayLike, after: npt.ArrayLike, focus: int | None = None) -> tuple[
        int, ...]:
    """Actors who change sides between two two-sided splits: the smaller of the two equivalent
    sets (a split and its mirror are one configuration); on a tie, the set with ``focus``."""
    x, y = np.asarray(before), np.asarray(after)
    moved = x != y
    stay = ~moved
    if moved.sum() < stay.sum():
        pick = moved
    elif stay.sum() < moved.sum():
        pick = stay
    else:
        pick = moved if focus is None or moved[focus] else stay
    return tuple(int(k) for k in np.flatnonzero(pick))


@dataclass(frozen=True)
class RelationTipping:
    """Where the predicted split changes as p_ij moves (indices into the actors)."""

    i: int
    j: int
    value: float
    threshold: float | None
    """p* (may lie outside [-1, 1]); None if s_i s_j = 0, so the relation cannot matter."""
    to: float | None
    """p* when it lies within the bounds, else None: no admissible value changes the split."""
    direction: str | None
    """"rise" or "fall": which way p_ij must move."""
    before: LabelArray
    after: LabelArray
    """The predicted split beyond p* (whether or not p* is admissible)."""
    switchers: tuple[int, ...]


def relation_tipping(
    sizes: npt.ArrayLike,
    propensities: npt.ArrayLike,
    i: int,
    j: int,
    *,
    before: npt.ArrayLike | None = None,
    bounds: tuple[float, float] = (-1.0, 1.0),
    exhaustive_max: int = EXHAUSTIVE_MAX,
) -> RelationTipping:
    """Exact tipping point of relation p_ij (module docstring). ``before`` is the current
    predicted split (default: the exact global minimum)."""
    s, p = check_inputs(sizes, propensities)
    if i == j:
        raise ValueError("a tipping relation needs two different actors")
    v = float(p[i, j])
    cur = (np.asarray(before, dtype=np.int8) if before is not None
           else global_split(s, p, exhaustive_max=exhaustive_max).labels)
    tog, apt = pair_minima(s, p, i, j, exhaustive_max=exhaustive_max)
    q = float(s[i] * s[j])
    apart_now = bool(cur[i] != cur[j])
    after = tog.labels if apart_now else apt.labels
    if q <= 0:
        return RelationTipping(i, j, v, None, None, None, cur, cur, ())
    threshold = v + (tog.energy - apt.energy) / q
    threshold = max(threshold, v) if apart_now else min(threshold, v)
    lo, hi = bounds
    ok = lo <= threshold <= hi
    return RelationTipping(i, j, v, float(threshold), float(threshold) if ok else None,
                           "rise" if apart_now else "fall", cur, after,
                           switchers(cur, after, focus=i))


def _bisect(pred: Callable[[float], bool], inside: float, outside: float, tol: float) -> float:
    """The boundary between ``inside`` (pred true) and ``outside`` (pred false)."""
    a, b = inside, outside
    while abs(b - a) > tol:
        mid = 0.5 * (a + b)
        if pred(mid):
            a = mid
        else:
            b = mid
    return 0.5 * (a + b)


def bisect_relation(sizes: npt.ArrayLike, propensities: npt.ArrayLike, i: int, j: int, *,
                    bounds: tuple[float, float] = (-1.0, 1.0), tol: float = 1e-9,
                    exhaustive_max: int = EXHAUSTIVE_MAX) -> float | None:
    """The value of p_ij nearest its current value at which the exact global minimum changes,
    by bisection on the exact solver; None if no value within ``bounds`` changes it."""
    s, p = check_inputs(sizes, propensities)
    v = float(p[i, j])
    cur = global_split(s, p, exhaustive_max=exhaustive_max).labels

    def stays(x: float) -> bool:
        q = p.copy()
        q[i, j] = q[j, i] = x
        return same_partition(global_split(s, q, exhaustive_max=exhaustive_max).labels, cur)

    found = [_bisect(stays, v, end, tol) for end in bounds if not stays(end)]
    return min(found, key=lambda x: abs(x - v)) if found else None


@dataclass(frozen=True)
class SizeTipping:
    """The nearest size of actor k at which the predicted split changes."""

    k: int
    value: float
    to: float | None
    before: LabelArray
    after: LabelArray | None
    switchers: tuple[int, ...]


def size_tipping(sizes: npt.ArrayLike, propensities: npt.ArrayLike, k: int, *,
                 upper: float | None = None, tol: float | None = None,
                 exhaustive_max: int = EXHAUSTIVE_MAX) -> SizeTipping:
    """The least change of s_k (within [0, ``upper``], default the total of all sizes) that
    changes the exact global minimum, by bisection on the exact solver (module docstring)."""
    s, p = check_inputs(sizes, propensities)
    v = float(s[k])
    hi = float(upper if upper is not None else max(s.sum(), v))
    eps = float(tol if tol is not None else 1e-9 * max(s.sum(), 1e-300))
    cur = global_split(s, p, exhaustive_max=exhaustive_max).labels

    def at(x: float) -> Configuration:
        t = s.copy()
        t[k] = x
        return global_split(t, p, exhaustive_max=exhaustive_max)

    def stays(x: float) -> bool:
        return same_partition(at(x).labels, cur)

    found = [_bisect(stays, v, end, eps) for end in (0.0, hi) if not stays(end)]
    if not found:
        return SizeTipping(k, v, None, cur, None, ())
    to = min(found, key=lambda x: abs(x - v))
    beyond = to + (eps if to > v else -eps)
    after = at(min(max(beyond, 0.0), hi)).labels
    return SizeTipping(k, v, to, cur, after, switchers(cur, after, focus=k))


# --------------------------------------------------------------------------------------------
# alternatives: the least single change that moves an actor off its partner's side
# --------------------------------------------------------------------------------------------

RELATION_BOUNDS = (-1.0, 1.0)
"""Feasible range of a relation (propensity)."""
MAX_FACTOR = 10.0
"""Sizes are scaled by a factor in (0, MAX_FACTOR]."""
MAX_ALTERNATIVES = 10


@dataclass(frozen=True)
class Alternative:
    """One single change after which the exact global minimum parts the focal actor from its
    partner (indices into the actors)."""

    kind: str
    """"relation" or "size"."""
    actors: tuple[int, ...]
    """(a, b) for a relation p_ab, (k,) for the size s_k."""
    value: float
    """The current p_ab, or the current s_k."""
    to: float
    """The threshold: p_ab at which the focal actor leaves, or the size phi * s_k."""
    change: float
    """to - value for a relation; the factor phi for a size."""
    after: LabelArray
    """The predicted split just beyond the threshold."""
    switchers: tuple[int, ...]

    @property
    def magnitude(self) -> float:
        """|to - from| for a relation, |log phi| for a size: the order of the list."""
        return abs(self.change) if self.kind == "relation" else abs(math.log(self.change))


@dataclass(frozen=True)
class _Line:
    """E(x) = a + b x for the split with this code."""

    a: float
    b: float
    code: int

    def at(self, x: float) -> float:
        return self.a + self.b * x


def _d(apart: list[_Line], together: list[_Line], x: float) -> float:
    return min(ln.at(x) for ln in apart) - min(ln.at(x) for ln in together)


def _crossing(apart: list[_Line], together: list[_Line], x0: float, lo: float, hi: float,
              tol: float, log_scale: bool = False) -> tuple[float, _Line] | None:
    """The x nearest x0 (by |x - x0|, or |log x - log x0|) within [lo, hi] beyond which
    D(x) = min(apart lines) - min(together lines) < 0, and the apart line optimal just beyond
    it. D is linear between the crossings of any two lines, so its roots are exact."""
    if not apart or not together:
        return None
    lines = apart + together
    pts = {lo, hi, x0}
    for l1, l2 in combinations(lines, 2):
        if l1.b != l2.b:
            x = (l2.a - l1.a) / (l1.b - l2.b)
            if lo < x < hi:
                pts.add(x)
    found: list[tuple[float, _Line]] = []
    for sign in (1.0, -1.0):
        seq = sorted((x for x in pts if (x - x0) * sign >= 0), key=lambda x: abs(x - x0))
        for u, v in pairwise(seq):
            du, dv = _d(apart, together, u), _d(apart, together, v)
            if dv < -tol:
                root = u if du <= 0 else u + (v - u) * du / (du - dv)
                best = min(ln.at(root) for ln in apart)
                after = min((ln for ln in apart if ln.at(root) <= best + tol),
                            key=lambda ln: (sign * ln.b, ln.code))
                found.append((root, after))
                break
    if not found:
        return None
    if log_scale:
        return min(found, key=lambda f: abs(math.log(f[0] / x0)) if f[0] > 0 else math.inf)
    return min(found, key=lambda f: abs(f[0] - x0))


def _envelope(oracle: Callable[[float], int], line: Callable[[int], _Line], lo: float,
              hi: float, tol: float) -> list[_Line]:
    """Lines containing the lower envelope of a family of lines on [lo, hi], given an exact
    oracle for the lowest line at any x (Eisner & Severance 1976)."""
    seen: dict[int, _Line] = {}

    def get(x: float) -> _Line:
        c = oracle(x)
        if c not in seen:
            seen[c] = line(c)
        return seen[c]

    stack = [(get(lo), get(hi))]
    for _ in range(10_000):
        if not stack:
            break
        l1, l2 = stack.pop()
        if l1.code == l2.code or l1.b <= l2.b:
            continue
        x = (l2.a - l1.a) / (l1.b - l2.b)
        if not lo < x < hi:
            continue
        mid = get(x)
        if mid.at(x) < l1.at(x) - tol:
            stack += [(l1, mid), (mid, l2)]
    return list(seen.values())


class _Splits:
    """Every two-sided split of a small landscape (code: bit i = actor i on side 1; the last
    actor on side 0), its energy from the Gray-code walk and its side bits."""

    def __init__(self, s: npt.NDArray[np.float64], p: npt.NDArray[np.float64]) -> None:
        self.s, self.p = s, p
        n = s.size
        self.n = n
        self.w = np.outer(s, s) * p
        self.e = split_energies(self.w)
        codes = np.arange(self.e.size, dtype=np.int64)
        self.bits = np.zeros((codes.size, n), dtype=np.int8)
        for j in range(n - 1):
            self.bits[:, j] = (codes >> j) & 1
        self._sets: dict[tuple[int, int, bool], npt.NDArray[np.int64]] = {}

    def labels(self, code: int) -> LabelArray:
        return canonical(self.bits[code])

    def energy(self, code: int, w: npt.NDArray[np.float64] | None = None) -> float:
        """E = sum_{i<j} W_ij d_ij of one split, computed directly (no walk round-off)."""
        b = self.bits[code]
        apart = b[:, None] != b[None, :]
        return 0.5 * float(np.where(apart, self.w if w is None else w, 0.0).sum())

    def star_energies(self, k: int) -> npt.NDArray[np.float64]:
        """g_X = sum_j W_kj d_kj(X), the energy of k's pairs, for every split: sum_j W_kj b_j
        by doubling over the bits (O(2^(N-1))), then complemented where b_k = 1."""
        h = np.zeros(self.e.size)
        for j in range(self.n - 1):
            np.add(h[: 1 << j], self.w[k, j], out=h[1 << j: 2 << j])
        return np.where(self.bits[:, k] == 1, self.w[k].sum() - h, h)

    def split_set(self, f: int, c: int, apart: bool) -> npt.NDArray[np.int64]:
        """Codes of the splits with f and c apart (or together), lowest energy first."""
        key = (f, c, apart)
        if key not in self._sets:
            codes = np.flatnonzero((self.bits[:, f] != self.bits[:, c]) == apart)
            self._sets[key] = codes[np.argsort(self.e[codes], kind="stable")]
        return self._sets[key]

    def first_codes(self, order: npt.NDArray[np.int64], pairs: npt.NDArray[np.intp],
                    impossible: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
        """For each pair (a, b): the first code in ``order`` with a and b together (column 0)
        and apart (column 1), -1 if none: the constrained minima, all pairs at once. Entries
        marked ``impossible`` (no split in ``order`` has them) are not searched for."""
        res = np.where(impossible, -2, -1).astype(np.int64)
        start, block = 0, 64
        while start < order.size:
            open_ = np.flatnonzero((res < 0).any(axis=1))
            if open_.size == 0:
                break
            idx = order[start:start + block]
            b = self.bits[idx]
            d = b[:, pairs[open_, 0]] != b[:, pairs[open_, 1]]
            for col, hit in ((0, ~d), (1, d)):
                todo = (res[open_, col] < 0) & hit.any(axis=0)
                res[open_[todo], col] = idx[np.argmax(hit, axis=0)[todo]]
            start += block
            block *= 2
        return np.maximum(res, -1)


def _relation_alternatives(sp: _Splits, f: int, c: int, cur: LabelArray, tol: float,
                           bounds: tuple[float, float]) -> Iterator[Alternative]:
    """Relations involving f, then relations among the others (module docstring)."""
    n = sp.n
    pairs = [(f, j) for j in range(n) if j != f]
    pairs += [(a, b) for a, b in combinations(range(n), 2) if f not in (a, b)]
    arr = np.asarray(pairs, dtype=np.intp)
    is_fc = np.array([{a, b} == {f, c} for a, b in pairs])
    # with f and c apart, (f, c) cannot be together, and vice versa
    first_apart = sp.first_codes(sp.split_set(f, c, True), arr,
                                 np.stack([is_fc, np.zeros_like(is_fc)], axis=1))
    first_tog = sp.first_codes(sp.split_set(f, c, False), arr,
                               np.stack([np.zeros_like(is_fc), is_fc], axis=1))
    lo, hi = bounds
    for q_idx, (a, b) in enumerate(pairs):
        v = float(sp.p[a, b])
        q = float(sp.s[a] * sp.s[b])
        if q <= 0:
            continue

        def lines(codes: npt.NDArray[np.int64], a: int = a, b: int = b, v: float = v,
                  q: float = q) -> list[_Line]:
            out = []
            for code in codes:
                if code < 0:
                    continue
                d = float(sp.bits[code, a] != sp.bits[code, b])
                out.append(_Line(sp.energy(int(code)) - q * v * d, q * d, int(code)))
            return out

        hit = _crossing(lines(first_apart[q_idx]), lines(first_tog[q_idx]), v, lo, hi, tol)
        if hit is not None:
            root, ln = hit
            after = sp.labels(ln.code)
            yield Alternative("relation", (a, b), v, root, root - v, after,
                              switchers(cur, after, focus=f))


def _size_envelope(codes: npt.NDArray[np.int64], e_set: npt.NDArray[np.float64],
                   g_set: npt.NDArray[np.float64], line: Callable[[int], _Line], hi: float,
                   tol: float) -> list[_Line]:
    """The lower envelope over phi in [0, hi] of the lines E_X(phi) = e_X + (phi - 1) g_X of
    the splits ``codes``. First pruned to the splits below the tent min(L_0, L_hi) at its peak
    x (L_0, L_hi the lines optimal at the ends): a line below the envelope anywhere is below
    the tent there, hence (being linear, and above the tent at both ends) at x."""
    if codes.size == 0:
        return []

    def oracle(phi: float) -> int:
        return int(codes[int(np.argmin(e_set + (phi - 1.0) * g_set))])

    l_lo, l_hi = line(oracle(0.0)), line(oracle(hi))
    if l_lo.b > l_hi.b:
        x = (l_hi.a - l_lo.a) / (l_lo.b - l_hi.b)
        if 0.0 < x < hi:
            keep = e_set + (x - 1.0) * g_set <= l_lo.at(x) + tol
            codes, e_set, g_set = codes[keep], e_set[keep], g_set[keep]
    return _envelope(oracle, line, 0.0, hi, tol)


def _size_alternatives(sp: _Splits, f: int, c: int, cur: LabelArray, tol: float,
                       max_factor: float) -> Iterator[Alternative]:
    """Each actor's size scaled by phi in (0, max_factor] (module docstring)."""
    sets = [(codes, sp.e[codes]) for codes in (sp.split_set(f, c, True),
                                               sp.split_set(f, c, False))]
    for k in range(sp.n):
        g = sp.star_energies(k)
        w0 = sp.w.copy()  # the weights with s_k = 0
        w0[k, :] = w0[:, k] = 0.0

        def line(code: int, w0: npt.NDArray[np.float64] = w0) -> _Line:
            a = sp.energy(code, w0)
            return _Line(a, sp.energy(code) - a, code)

        env = [_size_envelope(codes, e_set, g[codes], line, max_factor, tol)
               for codes, e_set in sets]
        hit = _crossing(env[0], env[1], 1.0, 0.0, max_factor, tol, log_scale=True)
        if hit is not None and hit[0] > 0:
            phi, ln = hit
            after = sp.labels(ln.code)
            yield Alternative("size", (k,), float(sp.s[k]), phi * float(sp.s[k]), phi, after,
                              switchers(cur, after, focus=f))


def relation_bounds(propensities: npt.ArrayLike,
                    bounds: tuple[float, float] = RELATION_BOUNDS) -> tuple[float, float]:
    """``bounds`` widened to include every current propensity (inputs on another scale, e.g. a
    1-5 matrix centred at 3, keep their own range)."""
    p = np.asarray(propensities, dtype=float)
    return min(bounds[0], float(p.min())), max(bounds[1], float(p.max()))


def alternatives(sizes: npt.ArrayLike, propensities: npt.ArrayLike, focal: int, partner: int,
                 *, before: npt.ArrayLike | None = None,
                 bounds: tuple[float, float] = RELATION_BOUNDS, max_factor: float = MAX_FACTOR,
                 limit: int | None = MAX_ALTERNATIVES,
                 exhaustive_max: int = EXHAUSTIVE_MAX) -> tuple[Alternative, ...] | None:
    """The least single changes that part ``focal`` from ``partner`` in the exact global
    minimum: over every relation involving ``focal``, every relation among the other actors
    (within ``bounds``) and every actor's size (times a factor in (0, ``max_factor``]); only
    those that exist within range, smallest first (|to - from|, |log factor|), at most
    ``limit``. ``bounds`` are widened to include every current value (:func:`relation_bounds`).
    Exact (module docstring), by enumeration of every split: None (not searched) beyond
    ``exhaustive_max`` actors."""
    s, p = check_inputs(sizes, propensities)
    if focal == partner:
        raise ValueError("focal and partner must differ")
    if s.size > exhaustive_max:
        return None
    sp = _Splits(s, p)
    cur = (np.asarray(before, dtype=np.int8) if before is not None
           else sp.labels(int(np.argmin(sp.e))))
    if cur[focal] != cur[partner]:
        raise ValueError("the focal actor is not on its partner's side now")
    scale = float(np.abs(sp.w).sum()) or 1.0
    found = [*_relation_alternatives(sp, focal, partner, cur, 1e-12 * scale,
                                     relation_bounds(p, bounds)),
             *_size_alternatives(sp, focal, partner, cur, 1e-12 * scale * max_factor,
                                 max_factor)]
    found.sort(key=lambda alt: (alt.magnitude, alt.kind, alt.actors))
    return tuple(found if limit is None else found[:limit])
