"""Exact structural balance: the frustration index of a signed graph.

A signed graph is *balanced* when its nodes split into two sides with every positive edge inside
a side and every negative edge across (Harary 1953; Cartwright & Harary 1956). The frustration
(line) index is the least total weight of edges whose removal, or sign change, makes it balanced
(Harary 1959; Zaslavsky 1987). For a split x in {0, 1}^n an edge is *frustrated* when it is
positive across the split or negative inside a side; the index is the minimum over all splits of
the frustrated weight.

Exact computation (docs/design.md; the binary linear program of Aref, Mason & Wilson 2018/2020,
"Computing the line index of balance using integer programming optimisation"):

    minimise   sum_e w_e f_e
    positive e=(i, j):  f_e >= x_i - x_j,  f_e >= x_j - x_i
    negative e=(i, j):  f_e >= x_i + x_j - 1,  f_e >= 1 - x_i - x_j
    x_i in {0, 1},  0 <= f_e <= 1,  one node fixed (the two sides are interchangeable)

solved with scipy's HiGHS branch and cut. At an integral x every f_e sits at its lower bound, so
only x needs to be integral. Every triangle with an odd number of negative edges has at least
one frustrated edge in any split, so f_ab + f_bc + f_ac >= 1 is valid; adding these cuts (as
Aref, Mason & Wilson 2020 do) makes the 51 COW networks about four times faster to solve. Before
the solve the graph is reduced without loss of exactness: connected components are solved one by
one (the index is additive over components) and nodes of degree one are peeled off repeatedly (a
pendant edge can always be satisfied by putting the leaf on the right side), so only the 2-core
of each component reaches the solver.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse.csgraph import connected_components

IntArray = npt.NDArray[np.intp]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

EXHAUSTIVE_MAX_NODES = 16
"""Components up to this many nodes are solved by plain enumeration (exact, faster than a MILP)."""


@dataclass(frozen=True)
class SignedGraph:
    """An undirected signed graph on nodes 0..n-1.

    ``edges`` is an (m, 2) array of node indices, ``signs`` is +1/-1 per edge and ``weights`` are
    positive (1 by default). Parallel edges are allowed (each counts); self-loops are not.
    """

    n: int
    edges: IntArray
    signs: npt.NDArray[np.int8]
    weights: FloatArray = field(default_factory=lambda: np.zeros(0))

    def __post_init__(self) -> None:
        e = np.asarray(self.edges, dtype=np.intp).reshape(-1, 2)
        s = np.asarray(self.signs).reshape(-1)
        w = (
            np.ones(e.shape[0])
            if np.asarray(self.weights).size == 0 and e.shape[0] > 0
            else np.asarray(self.weights, dtype=float).reshape(-1)
        )
        if self.n < 0:
            raise ValueError("the number of nodes must be >= 0")
        if s.shape[0] != e.shape[0] or w.shape[0] != e.shape[0]:
            raise ValueError("edges, signs and weights must have one row per edge")
        if e.size and (e.min() < 0 or e.max() >= self.n):
            raise ValueError(f"edge endpoints must lie in 0..{self.n - 1}")
        if np.any(e[:, 0] == e[:, 1]):
            k = int(np.flatnonzero(e[:, 0] == e[:, 1])[0])
            raise ValueError(f"edge {k} is a self-loop on node {int(e[k, 0])}")
        if not np.all(np.isin(s, (-1, 1))):
            raise ValueError("edge signs must be +1 or -1")
        if not np.all(np.isfinite(w)) or np.any(w <= 0):
            raise ValueError("edge weights must be finite and > 0")
        object.__setattr__(self, "edges", e)
        object.__setattr__(self, "signs", s.astype(np.int8))
        object.__setattr__(self, "weights", w)

    @property
    def m(self) -> int:
        return int(self.edges.shape[0])

    @classmethod
    def from_weights(cls, w: npt.ArrayLike) -> SignedGraph:
        """The signed graph of a symmetric weight matrix: one edge per nonzero w_ij, i < j."""
        a = np.asarray(w, dtype=float)
        i, j = np.nonzero(np.triu(a, 1))
        v = a[i, j]
        return cls(a.shape[0], np.column_stack([i, j]), np.sign(v).astype(np.int8), np.abs(v))


@dataclass(frozen=True)
class BalanceResult:
    """The frustration index, an optimal split and the edges it frustrates."""

    frustration: float
    sides: npt.NDArray[np.int8]
    frustrated: BoolArray
    optimal: bool = True
    """False only when a time limit stopped the solver before it proved optimality."""


def frustrated_edges(graph: SignedGraph, sides: npt.ArrayLike) -> BoolArray:
    """Edges a split leaves unbalanced: positive across the split or negative within a side."""
    x = np.asarray(sides).astype(np.int8).reshape(-1)
    if x.shape[0] != graph.n:
        raise ValueError("sides must give one side per node")
    across = x[graph.edges[:, 0]] != x[graph.edges[:, 1]]
    return np.where(graph.signs > 0, across, ~across)


def frustration_of(graph: SignedGraph, sides: npt.ArrayLike) -> float:
    """Total weight of the edges a split frustrates."""
    return float(graph.weights[frustrated_edges(graph, sides)].sum())


def _peel_leaves(n: int, e: IntArray) -> tuple[BoolArray, list[tuple[int, int]]]:
    """The 2-core: remove degree-1 nodes repeatedly. Returns the kept-edge mask and the peel
    order as (leaf, edge index) pairs (a loop over nodes, each peeled once)."""
    deg = np.bincount(e.ravel(), minlength=n)
    keep = np.ones(e.shape[0], dtype=bool)
    incident: list[list[int]] = [[] for _ in range(n)]
    for k, (a, b) in enumerate(e.tolist()):
        incident[a].append(k)
        incident[b].append(k)
    stack = [int(v) for v in np.flatnonzero(deg == 1)]
    order: list[tuple[int, int]] = []
    while stack:
        v = stack.pop()
        if deg[v] != 1:
            continue
        k = next(k for k in incident[v] if keep[k])
        keep[k] = False
        order.append((v, k))
        deg[v] = 0
        u = int(e[k, 0] if e[k, 1] == v else e[k, 1])
        deg[u] -= 1
        if deg[u] == 1:
            stack.append(u)
    return keep, order


def _enumerate(n: int, e: IntArray, s: npt.NDArray[np.int8], w: FloatArray,
               same: list[tuple[int, int]], apart: list[tuple[int, int]]) -> tuple[float, IntArray]:
    """Exact minimum by enumerating all 2^(n-1) splits (node n-1 fixed on side 0)."""
    codes = np.arange(1 << max(n - 1, 0), dtype=np.int64)
    x = ((codes[:, None] >> np.arange(n - 1)) & 1).astype(np.int8)
    x = np.hstack([x, np.zeros((x.shape[0], 1), dtype=np.int8)])
    across = x[:, e[:, 0]] != x[:, e[:, 1]]
    frus = np.where(s > 0, across, ~across).astype(float) @ w
    ok = np.ones(x.shape[0], dtype=bool)
    for a, b in same:
        ok &= x[:, a] == x[:, b]
    for a, b in apart:
        ok &= x[:, a] != x[:, b]
    if not ok.any():
        raise ValueError("the same/apart constraints cannot all hold")
    frus = np.where(ok, frus, np.inf)
    best = int(np.argmin(frus))
    return float(frus[best]), x[best].astype(np.intp)


def unbalanced_triangles(n: int, e: IntArray, s: npt.NDArray[np.int8]) -> IntArray:
    """Edge indices (T, 3) of every triangle with an odd number of negative edges, vectorised:
    each edge (a, b), a < b, is extended by the neighbours c > b of b, and kept when (a, c) is
    an edge too (looked up in the sorted edge keys)."""
    a0, b0 = np.minimum(e[:, 0], e[:, 1]), np.maximum(e[:, 0], e[:, 1])
    key = a0.astype(np.int64) * n + b0
    order = np.argsort(key, kind="stable")
    skey = key[order]
    first = np.concatenate([[True], skey[1:] != skey[:-1]])
    ukey, uidx = skey[first], order[first]  # one edge per node pair
    ua, ub = ukey // n, ukey % n
    start = np.searchsorted(ua, np.arange(n + 1))  # edges out of each node, by a
    cnt = (start[1:] - start[:-1])[ub]  # wedges a-b-c with c > b, per edge (a, b)
    if cnt.sum() == 0:
        return np.zeros((0, 3), dtype=np.intp)
    rep = np.repeat(np.arange(ukey.size), cnt)
    offs = np.arange(rep.size) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    bc = start[ub[rep]] + offs  # the edge (b, c)
    ac_key = ua[rep] * n + ub[bc]
    pos = np.searchsorted(ukey, ac_key)
    pos = np.minimum(pos, ukey.size - 1)
    hit = ukey[pos] == ac_key
    tri = np.column_stack([uidx[rep[hit]], uidx[bc[hit]], uidx[pos[hit]]])
    odd = np.prod(s[tri].astype(np.int64), axis=1) < 0
    return tri[odd]


MAX_TRIANGLE_CUTS = 200_000
"""Valid inequalities added to the binary program: f_ab + f_bc + f_ac >= 1 on every unbalanced
triangle (Aref, Mason & Wilson 2020), when there are at most this many."""


MIN_SLICE = 0.01
"""Seconds HiGHS gets for a component once the graph's time is spent (its first heuristics
usually find a split; otherwise all on one side, a flagged bound)."""


def _milp(n: int, e: IntArray, s: npt.NDArray[np.int8], w: FloatArray,
          same: list[tuple[int, int]], apart: list[tuple[int, int]],
          time_limit: float | None) -> tuple[float, IntArray, bool]:
    """The binary program of the module docstring, solved by HiGHS."""
    m = e.shape[0]
    u, v = e[:, 0], e[:, 1]
    pos = s > 0
    ar = np.arange(m)
    # row r: f_e + a*x_u + b*x_v >= lb
    rows = np.concatenate([ar, ar, ar, m + ar, m + ar, m + ar])
    cols = np.concatenate([u, v, n + ar, u, v, n + ar])
    data = np.concatenate([
        -np.ones(m), np.where(pos, 1.0, -1.0), np.ones(m),
        np.ones(m), np.where(pos, -1.0, 1.0), np.ones(m),
    ])
    lb = np.concatenate([np.where(pos, 0.0, -1.0), np.where(pos, 0.0, 1.0)])
    a_rows: list[sparse.csr_array] = [sparse.csr_array((data, (rows, cols)), shape=(2 * m, n + m))]
    lbs, ubs = [lb], [np.full(2 * m, np.inf)]
    tri = unbalanced_triangles(n, e, s)
    if 0 < tri.shape[0] <= MAX_TRIANGLE_CUTS:
        k = np.arange(tri.shape[0])
        a_rows.append(sparse.csr_array(
            (np.ones(3 * k.size), (np.repeat(k, 3), n + tri.ravel())), shape=(k.size, n + m)))
        lbs.append(np.ones(k.size))
        ubs.append(np.full(k.size, np.inf))
    for pairs, rhs, coef in ((same, 0.0, -1.0), (apart, 1.0, 1.0)):
        if pairs:
            p = np.asarray(pairs, dtype=np.intp)
            k = np.arange(p.shape[0])
            a_rows.append(sparse.csr_array(
                (np.concatenate([np.ones(k.size), np.full(k.size, coef)]),
                 (np.concatenate([k, k]), np.concatenate([p[:, 0], p[:, 1]]))),
                shape=(k.size, n + m)))
            lbs.append(np.full(k.size, rhs))
            ubs.append(np.full(k.size, rhs))
    a_mat = sparse.vstack(a_rows).tocsr()
    lo, hi = np.zeros(n + m), np.ones(n + m)
    deg = np.bincount(e.ravel(), minlength=n)
    constrained = {a for pr in same + apart for a in pr}
    if not constrained:
        hi[int(np.argmax(deg))] = 0.0  # symmetry: the best-connected node on side 0
    options: dict[str, float | bool] = {"mip_rel_gap": 0.0}
    if time_limit is not None:
        options["time_limit"] = float(time_limit)
    res = milp(
        np.concatenate([np.zeros(n), w]),
        constraints=LinearConstraint(a_mat, np.concatenate(lbs), np.concatenate(ubs)),
        integrality=np.concatenate([np.ones(n), np.zeros(m)]),
        bounds=Bounds(lo, hi),
        options=options,
    )
    if res.x is None:
        if res.status == 2:
            raise ValueError("the same/apart constraints cannot all hold")
        if not (same or apart):
            # stopped (time limit) before any split: everyone on one side is a valid split,
            # an upper bound flagged as not optimal
            x0 = np.zeros(n, dtype=np.intp)
            across0 = np.zeros(e.shape[0], dtype=bool)
            return float(w[np.where(pos, across0, ~across0)].sum()), x0, False
        raise TimeoutError(f"the solver stopped before finding a split that keeps the "
                           f"same/apart constraints ({res.message})")
    x = np.round(res.x[:n]).astype(np.intp)
    across = x[u] != x[v]
    value = float(w[np.where(pos, across, ~across)].sum())
    return value, x, bool(res.status == 0)


def frustration_index(
    graph: SignedGraph,
    *,
    same: tuple[tuple[int, int], ...] = (),
    apart: tuple[tuple[int, int], ...] = (),
    method: Literal["auto", "milp", "enumerate"] = "auto",
    time_limit: float | None = None,
) -> BalanceResult:
    """Exact frustration index (the binary program in the module docstring).

    ``same``/``apart`` force pairs of nodes onto one side / opposite sides (used for constrained
    landscape minima and tipping points). ``method="auto"`` enumerates components of at most
    :data:`EXHAUSTIVE_MAX_NODES` nodes and hands larger ones to HiGHS; ``time_limit`` (seconds
    for the whole graph: each component solved by HiGHS gets what is left, at least
    :data:`MIN_SLICE`) makes the answer a bound flagged ``optimal=False`` if it is reached.
    """
    if time_limit is not None and not (np.isfinite(time_limit) and time_limit > 0):
        raise ValueError(f"time_limit must be a positive number of seconds, got {time_limit}")
    n, e, s, w = graph.n, graph.edges, graph.signs, graph.weights
    sides = np.zeros(n, dtype=np.int8)
    if graph.m == 0:
        if apart:
            a, b = apart[0]
            sides[b] = 1
        return BalanceResult(0.0, sides, np.zeros(0, dtype=bool))
    constrained = bool(same or apart)
    if constrained:
        # Constraints may tie components together: solve the graph whole.
        keep = np.ones(graph.m, dtype=bool)
        order: list[tuple[int, int]] = []
        labels = np.zeros(n, dtype=np.intp)
        ncomp = 1
    else:
        keep, order = _peel_leaves(n, e)
        core = e[keep]
        adj = sparse.coo_array((np.ones(core.shape[0]), (core[:, 0], core[:, 1])), shape=(n, n))
        ncomp, labels = connected_components(adj, directed=False)
    optimal = True
    x_all = np.zeros(n, dtype=np.intp)
    deadline = None if time_limit is None else time.monotonic() + time_limit
    for c in range(ncomp):
        nodes = np.flatnonzero(labels == c)
        sel = keep & (labels[e[:, 0]] == c) if not constrained else keep
        if not sel.any() and not constrained:
            continue
        local = np.full(n, -1, dtype=np.intp)
        local[nodes] = np.arange(nodes.size)
        le = local[e[sel]]
        ls, lw = s[sel], w[sel]
        lsame = [(int(local[a]), int(local[b])) for a, b in same]
        lapart = [(int(local[a]), int(local[b])) for a, b in apart]
        small = nodes.size <= EXHAUSTIVE_MAX_NODES
        if method == "enumerate" or (method == "auto" and small):
            _, xc = _enumerate(nodes.size, le, ls, lw, lsame, lapart)
        else:
            left = None if deadline is None else max(deadline - time.monotonic(), MIN_SLICE)
            _, xc, ok = _milp(nodes.size, le, ls, lw, lsame, lapart, left)
            optimal &= ok
        x_all[nodes] = xc
    # Put peeled leaves back, last peeled first, each on the side that satisfies its edge.
    for v, k in reversed(order):
        u = int(e[k, 0] if e[k, 1] == v else e[k, 1])
        x_all[v] = x_all[u] if s[k] > 0 else 1 - x_all[u]
    sides = x_all.astype(np.int8)
    frus = frustrated_edges(graph, sides)
    return BalanceResult(float(w[frus].sum()), sides, frus, optimal)


def is_balanced(graph: SignedGraph) -> bool:
    """True when some split frustrates no edge (Harary 1953)."""
    return frustration_index(graph).frustration == 0.0
