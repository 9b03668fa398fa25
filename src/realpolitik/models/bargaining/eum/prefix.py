"""The O(N^2) method in plain NumPy (docs/models.md, "The fast form"): the statement that the
tuned kernel in ``fast.py`` is tested against (tests/test_eum_kernel.py).

With actors sorted by position, the voters k who prefer i to j (y_i < y_j) are those below the
midpoint, k < m_ij = #{k : 2 y_k < y_i + y_j}. With M[a, k] = w_k |y_a - y_k|^r_k and its row
prefix sums C[a, m] = sum_(k < m) M[a, k], let G[a, b] = C[a, m_ab]; then the votes for i over j
are N_ij = G[j, i] - G[i, j] for i < j, and N_ij = N_ji + C[j, N] - C[i, N] for i > j.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from realpolitik.models.bargaining.eum.direct import MatrixEngine, win_probabilities
from realpolitik.models.bargaining.eum.params import F64


def midpoint_index(shifted: F64) -> NDArray[np.intp]:
    """m_ab = #{k : 2 y_k < y_a + y_b} for sorted positions shifted to start at 0, along the
    last axis (leading axes: independent runs, counted voter by voter)."""
    if shifted.ndim == 1:
        return np.searchsorted(2.0 * shifted, shifted[:, None] + shifted[None, :], side="left")
    pair = shifted[..., :, None] + shifted[..., None, :]
    mid = np.zeros(pair.shape, dtype=np.intp)
    for k in range(shifted.shape[-1]):
        mid += 2.0 * shifted[..., k, None, None] < pair
    return mid


def prefix_sums_at_midpoints(
    ys: F64, ws: F64, r: F64, hold_within: float | None
) -> tuple[F64, F64]:
    """(G, C[:, N]): G[a, b] = sum_(k < m_ab) w_k |y_k - y_a|^r_k and the row totals, for
    sorted ys (a voter within ``hold_within`` of a candidate stands on it). O(N^2) memory.
    Leading axes of ys, ws and r are independent runs."""
    dist = np.abs(ys[..., :, None] - ys[..., None, :])
    if hold_within is not None:
        dist[dist <= hold_within] = 0.0
    m_row = ws[..., None, :] * dist ** r[..., None, :]  # M[a, k]
    c = np.concatenate((np.zeros(ys.shape + (1,)), np.cumsum(m_row, axis=-1)), axis=-1)
    shifted = ys - ys[..., :1]  # the midpoint test on the same numbers as the tuned kernel's
    return np.take_along_axis(c, midpoint_index(shifted), axis=-1), c[..., -1]


def prefix_sum_votes(ys: F64, ws: F64, r: F64, hold_within: float | None) -> F64:
    """N_ij = sum_k max(v_k(i, j), 0) in O(N^2) from G (module docstring)."""
    g, total = prefix_sums_at_midpoints(ys, ws, r, hold_within)
    n = ys.shape[-1]
    before = np.arange(n)[:, None] < np.arange(n)[None, :]  # i < j in the sorted order
    g_t = np.swapaxes(g, -1, -2)
    votes = np.where(before, g_t - g, g - g_t + total[..., None, :] - total[..., :, None])
    diagonal = np.arange(n)
    votes[..., diagonal, diagonal] = 0.0
    return np.asarray(votes, dtype=float)


def prefix_sum_probabilities(
    ys: F64, ws: F64, r: F64, hold_within: float | None, probability: str
) -> F64:
    """P_ij from :func:`prefix_sum_votes`; D_ij = N_ij + N_ji and D = sum_ij D_ij."""
    votes = prefix_sum_votes(ys, ws, r, hold_within)
    pair_total = votes + np.swapaxes(votes, -1, -2)
    total = pair_total.sum(axis=(-2, -1), keepdims=True)
    return win_probabilities(votes, pair_total, total, probability)


#: The round on full matrices with the O(N^2) probabilities: the test reference of ``fast.py``,
#: and with leading batch axes the engine of ``batched.py`` (many small runs at once).
PREFIX = MatrixEngine(prefix_sum_probabilities)
