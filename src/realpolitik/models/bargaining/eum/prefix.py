"""The O(N^2) method in plain NumPy (docs/models.md, "The fast form"): the statement that the
tuned kernel in ``fast.py`` is tested against (tests/test_eum_kernel.py).

With actors sorted by position, the voters k who prefer i to j (y_i < y_j) are those below the
midpoint, k < m_ij = #{k : 2 y_k < y_i + y_j}. With M[a, k] = w_k |y_a - y_k|^r_k and its row
prefix sums C[a, m] = sum_(k < m) M[a, k], let G[a, b] = C[a, m_ab]; then the votes for i over j
are N_ij = G[j, i] - G[i, j] for i < j, and N_ij = N_ji + C[j, N] - C[i, N] for i > j.
"""

from __future__ import annotations

import numpy as np

from realpolitik.models.bargaining.eum.direct import MatrixEngine, win_probabilities
from realpolitik.models.bargaining.eum.params import F64


def prefix_sums_at_midpoints(
    ys: F64, ws: F64, r: F64, hold_within: float | None
) -> tuple[F64, F64]:
    """(G, C[:, N]): G[a, b] = sum_(k < m_ab) w_k |y_k - y_a|^r_k and the row totals, for
    sorted ys (a voter within ``hold_within`` of a candidate stands on it). O(N^2) memory."""
    dist = np.abs(ys[:, None] - ys[None, :])
    if hold_within is not None:
        dist[dist <= hold_within] = 0.0
    m_row = ws[None, :] * dist ** r[None, :]  # M[a, k]
    c = np.concatenate((np.zeros((ys.size, 1)), np.cumsum(m_row, axis=1)), axis=1)
    shifted = ys - ys[0]  # the midpoint test on the same numbers as the tuned kernel's
    mid = np.searchsorted(2.0 * shifted, shifted[:, None] + shifted[None, :], side="left")
    return np.take_along_axis(c, mid, axis=1), c[:, -1]


def prefix_sum_votes(ys: F64, ws: F64, r: F64, hold_within: float | None) -> F64:
    """N_ij = sum_k max(v_k(i, j), 0) in O(N^2) from G (module docstring)."""
    g, total = prefix_sums_at_midpoints(ys, ws, r, hold_within)
    n = ys.size
    before = np.arange(n)[:, None] < np.arange(n)[None, :]  # i < j in the sorted order
    votes = np.where(before, g.T - g, g - g.T + total[None, :] - total[:, None])
    np.fill_diagonal(votes, 0.0)
    return np.asarray(votes, dtype=float)


def prefix_sum_probabilities(
    ys: F64, ws: F64, r: F64, hold_within: float | None, probability: str
) -> F64:
    """P_ij from :func:`prefix_sum_votes`; D_ij = N_ij + N_ji and D = sum_ij D_ij."""
    votes = prefix_sum_votes(ys, ws, r, hold_within)
    pair_total = votes + votes.T
    return win_probabilities(votes, pair_total, float(pair_total.sum()), probability)


#: The round on full matrices with the O(N^2) probabilities (a test reference, not a method).
PREFIX = MatrixEngine(prefix_sum_probabilities)
