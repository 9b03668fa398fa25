"""Landscape theory of aggregation (Axelrod & Bennett 1993, Brit. J. Pol. Sci. 23(2): 211-233).

Actors i = 1..N have sizes s_i >= 0 and symmetric propensities p_ij (+ affinity, - enmity). A
configuration X puts every actor in a coalition; d_ij(X) = 1 when i and j are in different ones.

* energy (A&B eq. 2, our sign convention: lower = better fit)
  E(X) = sum_{i<j} s_i s_j p_ij d_ij(X)
* frustration of actor i (A&B eq. 1)  F_i(X) = sum_{j != i} s_j p_ij d_ij(X)

Moving actor i alone changes the energy by s_i times the change of F_i, so an actor that lowers
its own frustration never raises the energy, and the stable configurations (A&B: no actor can
lower its frustration by switching) are the local minima of E under one-actor moves. The
prediction is the global minimum; every local minimum is reported with its *basin*: the share
of starting configurations whose steepest descent ends in it.

Descent rule (deterministic): from a configuration, make the single-actor move that lowers E the
most; ties (within a relative tolerance of 1e-12) go to the lowest actor index, then the lowest
coalition label; stop when no move lowers E by more than the tolerance.

Two coalitions: configurations are the 2^(N-1) splits (actor N-1 stays on side 0; a split and
its mirror image are one configuration). :func:`split_energies` visits them in Gray-code order,
one actor flipping per step, and updates the local fields h = W sigma (sigma = +-1, W_ij =
s_i s_j p_ij) in O(N) per step; the walk is vectorised in blocks (a cumulative sum of the
one-flip updates) so numpy does the stepping. The same fields give every one-actor move's
energy change, sigma_i h_i, hence the local minima and each split's steepest-descent successor;
basins follow by pointer jumping. Beyond :data:`EXHAUSTIVE_MAX` actors the global minimum comes
from the exact binary program of :mod:`realpolitik.models.alignment.balance` (scipy HiGHS) and
the other local minima from sampled descents (their basins are then sampled shares).

k > 2 coalitions (Florian & Galam 2000, Eur. Phys. J. B 16: 189-194): every partition into at
most k coalitions, enumerated as restricted-growth strings for small N, sampled otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from realpolitik.models.alignment.balance import SignedGraph, frustration_index

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]
LabelArray = npt.NDArray[np.int8]

EXHAUSTIVE_MAX = 22
"""Two-coalition landscapes up to this many actors are searched exhaustively (2^21 splits)."""
EXHAUSTIVE_MAX_CONFIGS = 1 << 20
"""k > 2: full enumeration when k^(N-1) is at most this."""
REL_TOL = 1e-12
_BLOCK_BITS = 15
_BLOCK = 1 << _BLOCK_BITS


@dataclass(frozen=True)
class Configuration:
    """A stable configuration: coalition labels (canonical: numbered in order of first
    appearance, so actor 0 is in coalition 0), its energy and its basin share."""

    labels: LabelArray
    energy: float
    basin: float

    def coalitions(self) -> list[list[int]]:
        """Actor indices per coalition, coalition 0 first; empty coalitions are dropped."""
        k = int(self.labels.max()) + 1
        return [np.flatnonzero(self.labels == c).tolist() for c in range(k)]


@dataclass(frozen=True)
class LandscapeResult:
    """All local minima, lowest energy first (the global minimum is ``minima[0]``)."""

    minima: tuple[Configuration, ...]
    k: int
    method: str
    """"exhaustive" (every configuration visited) or "milp+sampled"."""
    starts: int
    """Starting configurations behind the basin shares (all of them when exhaustive)."""
    exact: bool
    """True when the global minimum is proven optimal."""

    @property
    def best(self) -> Configuration:
        return self.minima[0]

    @property
    def gap(self) -> float | None:
        """Energy gap between the global minimum and the runner-up stable configuration."""
        return self.minima[1].energy - self.minima[0].energy if len(self.minima) > 1 else None


# --------------------------------------------------------------------------------------------
# inputs, energy and frustration
# --------------------------------------------------------------------------------------------


def check_inputs(sizes: npt.ArrayLike,
                 propensities: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Validate sizes (N,) >= 0 and a symmetric (N, N) propensity matrix; zero its diagonal."""
    s = np.asarray(sizes, dtype=float)
    p = np.array(propensities, dtype=float)
    if s.ndim != 1 or s.size == 0:
        raise ValueError("sizes must be a non-empty 1-d array")
    if p.shape != (s.size, s.size):
        raise ValueError(f"propensities must be a {s.size} x {s.size} matrix, got {p.shape}")
    if not (np.all(np.isfinite(s)) and np.all(np.isfinite(p))):
        raise ValueError("sizes and propensities must be finite")
    if np.any(s < 0):
        raise ValueError("sizes must be >= 0")
    if not np.allclose(p, p.T, rtol=0, atol=1e-12):
        raise ValueError("propensities must be symmetric")
    np.fill_diagonal(p, 0.0)
    return s, p


def weight_matrix(sizes: npt.ArrayLike, propensities: npt.ArrayLike) -> FloatArray:
    """W_ij = s_i s_j p_ij (zero diagonal): E(X) = sum_{i<j} W_ij d_ij(X)."""
    s, p = check_inputs(sizes, propensities)
    return np.outer(s, s) * p


def _tol(w: FloatArray) -> float:
    return REL_TOL * max(float(np.abs(w).sum()), 1e-300)


def canonical(labels: npt.ArrayLike) -> LabelArray:
    """Renumber coalitions in order of first appearance (rows of a 2-d array independently)."""
    lab = np.atleast_2d(np.asarray(labels, dtype=np.int64))
    k = int(lab.max()) + 1 if lab.size else 1
    n = lab.shape[1]
    first = np.stack([np.where((lab == c).any(1), np.argmax(lab == c, axis=1), n)
                      for c in range(k)], axis=1)
    order = np.argsort(first, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(k)[None, :].repeat(lab.shape[0], 0), axis=1)
    out = np.take_along_axis(rank, lab, axis=1).astype(np.int8)
    return out if np.ndim(labels) == 2 else out[0]


def energy(sizes: npt.ArrayLike, propensities: npt.ArrayLike, labels: npt.ArrayLike) -> FloatArray:
    """E(X) = sum_{i<j} s_i s_j p_ij d_ij(X) (Axelrod & Bennett 1993, eq. 2) for one labelling
    (N,) or many (M, N)."""
    w = weight_matrix(sizes, propensities)
    e = _pair_energy(w, np.atleast_2d(np.asarray(labels)))
    return e if np.ndim(labels) == 2 else e[0]


def frustration(sizes: npt.ArrayLike, propensities: npt.ArrayLike,
                labels: npt.ArrayLike) -> FloatArray:
    """F_i(X) = sum_{j != i} s_j p_ij d_ij(X) (Axelrod & Bennett 1993, eq. 1), (N,) or (M, N),
    summed over the pairs split by X only (exactly 0 for an actor with no opponent)."""
    s, p = check_inputs(sizes, propensities)
    lab = np.atleast_2d(np.asarray(labels, dtype=np.int64))
    g = p * s[None, :]
    apart = lab[:, :, None] != lab[:, None, :]
    f = np.einsum("mij,ij->mi", apart, g)
    return f if np.ndim(labels) == 2 else f[0]


# --------------------------------------------------------------------------------------------
# two coalitions: the vectorised Gray-code walk
# --------------------------------------------------------------------------------------------


def _ctz(t: npt.NDArray[np.int64]) -> IntArray:
    """Number of trailing zero bits of each t >= 1: the bit a Gray-code step flips."""
    low = (t & -t).astype(np.float64)
    return (np.frexp(low)[1] - 1).astype(np.intp)


def _gray_blocks(w: FloatArray, block_bits: int = _BLOCK_BITS) -> Iterator[
        tuple[npt.NDArray[np.int64], FloatArray, FloatArray]]:
    """Walk the 2^(N-1) splits in Gray-code order, one block of 2^L splits at a time.

    Yields (codes, sigma, h) per block: the splits' codes (bit i = actor i on side 1), their
    +-1 side vectors (N columns; actor N-1 always +1) and local fields h = W sigma. A split is a
    low part (actors 0..L-1) and a high part (the rest). The low parts follow one Gray-code walk,
    the same in every block: their fields W[:, low] sigma_low are accumulated once as a cumulative
    sum of the one-flip updates 2 sigma_b' W[:, b] (sigma_b' the flipped actor's new side). The
    high parts follow a second Gray-code walk, one actor per block, whose field is updated in
    O(N). Every split's field is then one vectorised addition. The arrays yielded are reused.
    """
    n_act = w.shape[0]
    n = n_act - 1
    low = min(n, block_bits)
    size = 1 << low
    u = np.arange(size, dtype=np.int64)
    low_codes = u ^ (u >> 1)
    sigma = np.ones((size, n_act))
    sigma[:, :low] = 1.0 - 2.0 * ((low_codes[:, None] >> np.arange(low, dtype=np.int64)) & 1)
    f_low = np.empty((size, n_act))
    f_low[0] = w[:, :low].sum(axis=1)
    if size > 1:
        b = _ctz(u[1:])
        f_low[1:] = f_low[0] + np.cumsum((2.0 * sigma[u[1:], b])[:, None] * w[b], axis=0)
    sig_high = np.ones(n_act - low)
    c = w[:, low:].sum(axis=1)
    h = np.empty_like(f_low)
    for th in range(1 << (n - low)):
        if th:
            bh = int(_ctz(np.array([th], dtype=np.int64))[0])
            sig_high[bh] = -sig_high[bh]
            c += 2.0 * sig_high[bh] * w[:, low + bh]
            sigma[:, low + bh] = sig_high[bh]
        np.add(f_low, c, out=h)
        yield ((th ^ (th >> 1)) << low) | low_codes, sigma, h


def split_energies(w: npt.ArrayLike) -> FloatArray:
    """Energy of every two-sided split, indexed by code (bit i = actor i on side 1; actor N-1 on
    side 0), from the Gray-code walk: E = (sum_{i<j} W_ij - sum_{i<j} W_ij sigma_i sigma_j) / 2."""
    wm = np.asarray(w, dtype=float)
    half_total = 0.25 * wm.sum()
    out = np.empty(1 << (wm.shape[0] - 1))
    for codes, sigma, h in _gray_blocks(wm):
        out[codes] = half_total - 0.25 * np.einsum("mi,mi->m", sigma, h)
    return out


def _codes_to_labels(codes: npt.ArrayLike, n_act: int) -> LabelArray:
    c = np.asarray(codes, dtype=np.int64).reshape(-1)
    lab = np.zeros((c.size, n_act), dtype=np.int8)
    lab[:, : n_act - 1] = (c[:, None] >> np.arange(n_act - 1, dtype=np.int64)) & 1
    return canonical(lab)


def _basins(succ: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Local minima (fixed points of ``succ``) and how many configurations descend to each, by
    pointer jumping (log2 of the longest descent iterations)."""
    root = succ
    for _ in range(80):
        nxt = root[root]
        if np.array_equal(nxt, root):
            break
        root = nxt
    else:  # pragma: no cover - descents strictly lower the energy, so they cannot cycle
        raise RuntimeError("steepest descent did not converge")
    minima = np.flatnonzero(succ == np.arange(succ.size))
    counts = np.bincount(root, minlength=succ.size)[minima]
    return minima, counts


def _exhaustive_two(w: FloatArray) -> LandscapeResult:
    n_act = w.shape[0]
    if n_act == 1:
        return LandscapeResult((Configuration(np.zeros(1, np.int8), 0.0, 1.0),), 2,
                               "exhaustive", 1, True)
    n = n_act - 1
    size = 1 << n
    tol = _tol(w)
    succ = np.empty(size, dtype=np.int64)
    full = np.int64(size - 1)
    bitval = np.concatenate([np.int64(1) << np.arange(n, dtype=np.int64), [full]])
    for codes, sigma, h in _gray_blocks(w):
        delta = sigma * h  # energy change of flipping each actor
        best = delta.min(axis=1)
        arg = np.argmax(delta <= (best + tol)[:, None], axis=1)  # lowest index among the best
        move = best < -tol
        succ[codes] = np.where(move, codes ^ bitval[arg], codes)
    minima, counts = _basins(succ)
    labels = _codes_to_labels(minima, n_act)
    exact_e = _pair_energy(w, labels)  # recomputed directly: no walk round-off in the report
    configs = [Configuration(labels[q], float(exact_e[q]), float(counts[q]) / size)
               for q in range(minima.size)]
    return LandscapeResult(_sorted(configs), 2, "exhaustive", size, True)


def _pair_energy(w: FloatArray, labels: npt.ArrayLike) -> FloatArray:
    """sum_{i<j} W_ij [l_i != l_j] for each row of labels, summed over the split pairs only (so
    an all-together configuration has energy exactly 0)."""
    lab = np.atleast_2d(np.asarray(labels))
    iu, ju = np.triu_indices(w.shape[0], 1)
    return np.where(lab[:, iu] != lab[:, ju], w[iu, ju], 0.0).sum(axis=1)


def _sorted(configs: list[Configuration]) -> tuple[Configuration, ...]:
    return tuple(sorted(configs, key=lambda c: (round(c.energy, 12), -c.basin, c.labels.tolist())))


# --------------------------------------------------------------------------------------------
# k coalitions: restricted-growth enumeration and vectorised descent
# --------------------------------------------------------------------------------------------


def _same_fields(g: FloatArray, lab: npt.NDArray[np.int64], k: int) -> FloatArray:
    """B[m, i, c] = sum_j g_ij [l_j = c]: moving i from a to b changes E by s_i (B_ia - B_ib)."""
    onehot = (lab[:, :, None] == np.arange(k)).astype(float)
    return np.einsum("ij,mjc->mic", g, onehot)


def _best_moves(s: FloatArray, g: FloatArray, lab: npt.NDArray[np.int64], k: int,
                tol: float) -> tuple[BoolArray, IntArray, IntArray]:
    """Steepest single-actor move of each row: (moves?, actor, target coalition)."""
    b = _same_fields(g, lab, k)
    own = np.take_along_axis(b, lab[:, :, None], axis=2)
    delta = s[None, :, None] * (own - b)  # (M, N, k); zero for staying put
    flat = delta.reshape(delta.shape[0], -1)
    best = flat.min(axis=1)
    arg = np.argmax(flat <= (best + tol)[:, None], axis=1)
    return best < -tol, arg // k, arg % k



def descend(sizes: npt.ArrayLike, propensities: npt.ArrayLike, labels: npt.ArrayLike,
            k: int | None = None) -> LabelArray:
    """Steepest descent (the module's rule) from each row of ``labels`` (M, N), vectorised over
    rows; returns the canonical local minima reached. The fields B[m, i, c] are built once and
    updated in O(N) per move (moving j from a to b shifts column g[:, j] from B[.., a] to
    B[.., b])."""
    s, p = check_inputs(sizes, propensities)
    lab = np.atleast_2d(np.asarray(labels, dtype=np.int64)).copy()
    kk = int(k if k is not None else max(2, int(lab.max()) + 1))
    n_act = lab.shape[1]
    w = np.outer(s, s) * p
    g = p * s[None, :]
    gt = np.ascontiguousarray(g.T)
    tol = _tol(w)
    fields = np.stack([(lab == c).astype(float) @ gt for c in range(kk)], axis=2)
    cols = np.arange(n_act)
    active = np.arange(lab.shape[0])
    for _ in range(100 * n_act * kk + 100):
        if active.size == 0:
            break
        b = fields[active]
        own = np.take_along_axis(b, lab[active][:, :, None], axis=2)
        flat = (s[None, :, None] * (own - b)).reshape(active.size, -1)
        best = flat.min(axis=1)
        arg = np.argmax(flat <= (best + tol)[:, None], axis=1)
        move = best < -tol
        rows = active[move]
        actor, target = arg[move] // kk, arg[move] % kk
        source = lab[rows, actor]
        col = gt[actor]  # (R, N): g[:, j] for each moving actor j
        fields[rows[:, None], cols[None, :], source[:, None]] -= col
        fields[rows[:, None], cols[None, :], target[:, None]] += col
        lab[rows, actor] = target
        active = rows
    else:  # pragma: no cover
        raise RuntimeError("steepest descent did not converge")
    return canonical(lab)


def _rgs(n_act: int, k: int) -> npt.NDArray[np.int64]:
    """All restricted-growth strings of length N with at most k values (actor 0 in 0), in
    increasing base-k code order."""
    rows = np.zeros((1, 1), dtype=np.int64)
    for _ in range(1, n_act):
        mx = rows.max(axis=1)
        parts = [np.hstack([rows[mx + 1 >= c], np.full(((mx + 1 >= c).sum(), 1), c)])
                 for c in range(k)]
        rows = np.vstack(parts)
    return rows[np.lexsort(rows.T[::-1])]


def _code(lab: npt.NDArray[np.int64], k: int) -> npt.NDArray[np.int64]:
    place = np.int64(k) ** np.arange(lab.shape[1] - 1, -1, -1, dtype=np.int64)
    return np.asarray(lab @ place, dtype=np.int64)


def _exhaustive_k(s: FloatArray, p: FloatArray, k: int) -> LandscapeResult:
    n_act = s.size
    w = np.outer(s, s) * p
    g = p * s[None, :]
    tol = _tol(w)
    confs = _rgs(n_act, k)
    codes = _code(confs, k)
    size = confs.shape[0]
    succ = np.arange(size, dtype=np.int64)
    for lo in range(0, size, _BLOCK):
        lab = confs[lo: lo + _BLOCK]
        moves, actor, target = _best_moves(s, g, lab, k, tol)
        rows = np.flatnonzero(moves)
        new = lab[rows].copy()
        new[np.arange(rows.size), actor[rows]] = target[rows]
        idx = np.searchsorted(codes, _code(canonical(new).astype(np.int64), k))
        succ[lo + rows] = idx
    minima, counts = _basins(succ)
    energies = _pair_energy(w, confs[minima])
    configs = [Configuration(confs[c].astype(np.int8), float(energies[q]), float(counts[q]) / size)
               for q, c in enumerate(minima)]
    return LandscapeResult(_sorted(configs), k, "exhaustive", size, True)


# --------------------------------------------------------------------------------------------
# large N: exact global minimum by MILP, other minima by sampled descents
# --------------------------------------------------------------------------------------------


def exact_split(w: npt.ArrayLike, *, same: tuple[tuple[int, int], ...] = (),
                apart: tuple[tuple[int, int], ...] = (),
                time_limit: float | None = None) -> tuple[LabelArray, float, bool]:
    """Global minimum two-sided split of E = sum_{i<j} W_ij d_ij, optionally with pairs forced
    together/apart. E(X) equals the frustration of X in the signed graph of W (weights |W_ij|)
    minus sum of |W_ij| over negative pairs, so the exact frustration index solves it."""
    wm = np.asarray(w, dtype=float)
    graph = SignedGraph.from_weights(wm)
    res = frustration_index(graph, same=same, apart=apart, time_limit=time_limit)
    lab = canonical(res.sides.astype(np.int64))
    return lab, float(_pair_energy(wm, lab)[0]), res.optimal


def _sampled(s: FloatArray, p: FloatArray, k: int, starts: int,
             rng: np.random.Generator, time_limit: float | None) -> LandscapeResult:
    n_act = s.size
    start = rng.integers(0, k, size=(starts, n_act))
    ends = descend(s, p, start, k)
    uniq, counts = np.unique(ends, axis=0, return_counts=True)
    energies = _pair_energy(np.outer(s, s) * p, uniq)
    configs = [Configuration(uniq[q].astype(np.int8), float(energies[q]), float(counts[q]) / starts)
               for q in range(uniq.shape[0])]
    exact = False
    if k == 2:
        lab, e, exact = exact_split(np.outer(s, s) * p, time_limit=time_limit)
        if not any(np.array_equal(c.labels, lab) for c in configs):
            configs.append(Configuration(lab, e, 0.0))
    return LandscapeResult(_sorted(configs), k, "milp+sampled" if k == 2 else "sampled",
                           starts, exact)


def stable_configurations(
    sizes: npt.ArrayLike,
    propensities: npt.ArrayLike,
    *,
    k: int = 2,
    exhaustive_max: int = EXHAUSTIVE_MAX,
    starts: int = 4096,
    seed: int | np.random.Generator | None = 0,
    time_limit: float | None = None,
) -> LandscapeResult:
    """Every stable configuration of the landscape with its energy and basin share.

    Exhaustive (exact basins) for k = 2 and N <= ``exhaustive_max``, and for k > 2 when
    k^(N-1) <= :data:`EXHAUSTIVE_MAX_CONFIGS`; otherwise ``starts`` random configurations are
    descended (seeded) and, for k = 2, the global minimum is proven by the exact binary program.
    """
    s, p = check_inputs(sizes, propensities)
    if k < 2:
        raise ValueError("k must be >= 2")
    n_act = s.size
    if k == 2 and n_act <= exhaustive_max:
        return _exhaustive_two(np.outer(s, s) * p)
    if k > 2 and float(k) ** (n_act - 1) <= EXHAUSTIVE_MAX_CONFIGS:
        return _exhaustive_k(s, p, k)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    return _sampled(s, p, k, starts, rng, time_limit)


def pair_minima(sizes: npt.ArrayLike, propensities: npt.ArrayLike, i: int, j: int, *,
                exhaustive_max: int = EXHAUSTIVE_MAX) -> tuple[Configuration, Configuration]:
    """The lowest-energy two-sided split with i and j together, and the lowest with them apart
    (basin fields are 0: these need not be stable). Used for exact tipping points: E of every
    split is linear in p_ij, with slope s_i s_j when i and j are apart and 0 when together."""
    s, p = check_inputs(sizes, propensities)
    if i == j:
        raise ValueError("i and j must differ")
    w = np.outer(s, s) * p
    n_act = s.size
    if n_act <= exhaustive_max:
        e = split_energies(w)
        codes = np.arange(e.size, dtype=np.int64)

        def bit(a: int) -> npt.NDArray[np.int64]:
            return (codes >> a) & 1 if a < n_act - 1 else np.zeros_like(codes)

        apart = bit(i) != bit(j)
        e_tog = np.where(apart, np.inf, e)
        e_apt = np.where(apart, e, np.inf)
        ct, ca = int(np.argmin(e_tog)), int(np.argmin(e_apt))
        lt, la = _codes_to_labels([ct, ca], n_act)
        et, ea = _pair_energy(w, np.stack([lt, la]))
        return Configuration(lt, float(et), 0.0), Configuration(la, float(ea), 0.0)
    lt, et, _ = exact_split(w, same=((i, j),))
    la, ea, _ = exact_split(w, apart=((i, j),))
    return Configuration(lt, et, 0.0), Configuration(la, ea, 0.0)


def global_split(sizes: npt.ArrayLike, propensities: npt.ArrayLike, *,
                 exhaustive_max: int = EXHAUSTIVE_MAX) -> Configuration:
    """The lowest-energy two-sided split (exact): enumeration for small N, else the MILP."""
    s, p = check_inputs(sizes, propensities)
    w = np.outer(s, s) * p
    if s.size <= exhaustive_max:
        e = split_energies(w) if s.size > 1 else np.zeros(1)
        lab = _codes_to_labels([int(np.argmin(e))], s.size)[0]
        return Configuration(lab, float(_pair_energy(w, lab)[0]), 0.0)
    lab, e_min, _ = exact_split(w)
    return Configuration(lab, e_min, 0.0)
