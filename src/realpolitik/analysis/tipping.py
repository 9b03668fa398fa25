"""Tipping points of an alignment: the least change of one relation, or of one actor's size,
that changes the predicted (globally optimal) two-sided configuration (DESIGN.md).

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
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from realpolitik.models.alignment.landscape import (
    EXHAUSTIVE_MAX,
    Configuration,
    check_inputs,
    global_split,
    pair_minima,
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
