"""The round's maths on full N x N matrices: the win probabilities P_ij, the expected utilities
EU_ij and EU_ji, the security levels and the offers, as the specification states them.

:class:`MatrixEngine` takes the function that finds P; with :func:`direct_probabilities` (every
P_ij a sum over every voter, O(N^3) per round) it is ``method="direct"``, the reference.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from realpolitik.models.bargaining.eum.blocks import Scratch
from realpolitik.models.bargaining.eum.offers import choose_offers
from realpolitik.models.bargaining.eum.params import F64, EUMParams
from realpolitik.models.bargaining.eum.utility import expected_utility, utility_gaps

#: P from (sorted positions y, weights w, exponents r, the distance within which a voter stands
#: on a candidate or None, ``EUMParams.probability``).
Probabilities = Callable[[F64, F64, F64, "float | None", str], F64]


def win_probabilities(votes: F64, pair_total: F64, total: float | F64, probability: str) -> F64:
    """P_ij from the votes for i over j, N_ij = sum_k max(v_k(i, j), 0): divided by the global
    denominator ``total`` = sum_(k, a, b) |v_k(a, b)| (``"scholz"``; one per run, shaped to
    broadcast against the leading axes), or by ``pair_total`` D_ij = sum_k |v_k(i, j)| =
    N_ij + N_ji (``"pairwise"``); 0 where it is 0."""
    with np.errstate(invalid="ignore", divide="ignore"):
        if probability == "scholz":
            return np.asarray(np.where(np.asarray(total) > 0, votes / total, 0.0), dtype=float)
        return np.where(pair_total > 0, votes / pair_total, 0.0)


def direct_probabilities(
    ys: F64, ws: F64, r: F64, hold_within: float | None, probability: str
) -> F64:
    """P_ij with v_k(i, j) = w_k (|y_k - y_j|^r_k - |y_k - y_i|^r_k) summed voter by voter:
    O(N^2) memory, O(N^3) time. A voter within ``hold_within`` of a candidate stands on it
    (with r < 1, d^r is not Lipschitz at 0: rounding noise would otherwise count)."""
    n = ys.size
    dist = np.abs(ys[:, None] - ys[None, :])
    if hold_within is not None:
        dist[dist <= hold_within] = 0.0
    votes = np.zeros((n, n))
    pair_total = np.zeros((n, n))
    total = 0.0
    for k in range(n):
        z = dist[k] ** r[k]
        v = ws[k] * (z[None, :] - z[:, None])  # v[a, b] = v_k(a, b), > 0 if k prefers a
        votes += np.maximum(v, 0.0)
        abs_v = np.abs(v)
        pair_total += abs_v
        total += float(abs_v.sum())
    return win_probabilities(votes, pair_total, total, probability)


class MatrixEngine:
    """One round's security levels and offers from the full matrices P, EU_ij and EU_ji.

    Leading axes of ys, ws, ss and r are independent runs (``batched.py``); ``mu`` is then one
    value per run, shaped to broadcast against (runs, N, N)."""

    def __init__(self, probabilities: Probabilities):
        self.probabilities = probabilities

    def security(self, ys: F64, ws: F64, ss: F64, mu: float | F64, params: EUMParams) -> F64:
        """S_i = sum_(j != i) EU_j(j challenges i), every exponent 1 (sorted order). The risk
        step takes distances as they are."""
        ones = np.ones(ys.shape)
        p = self.probabilities(ys, ws, ones, None, params.probability)
        d = np.abs(ys[..., :, None] - ys[..., None, :])
        # eu[j, i] = EU_j(j challenges i), evaluated by j with exponent 1
        eu = expected_utility(1.0, p, ss[..., None, :], d, ys[..., :, None], mu, params)
        diagonal = np.arange(ys.shape[-1])
        eu[..., diagonal, diagonal] = 0.0
        return np.asarray(eu.sum(axis=-2), dtype=float)

    def offers(
        self, ys: F64, ws: F64, ss: F64, r: F64, mu: float | F64, params: EUMParams
    ) -> tuple[F64, NDArray[np.int8]]:
        """New positions and relationship codes (sorted order) with exponents r: every
        utility of i's offers is evaluated by i with r_i."""
        n = ys.shape[-1]
        p = self.probabilities(ys, ws, r, params.same_position_tol, params.probability)
        d = np.abs(ys[..., :, None] - ys[..., None, :])
        r_i = r[..., :, None]
        gaps = utility_gaps(r_i, d)
        eu_ij = expected_utility(r_i, p, ss[..., None, :], d, ys[..., :, None], mu, params, gaps)
        eu_ji = expected_utility(
            r_i, np.swapaxes(p, -1, -2), ss[..., :, None], d, ys[..., None, :], mu, params, gaps
        )
        same = d <= params.same_position_tol
        scale = gaps[1]  # U_s - U_f
        eu_ij = np.where(same, 0.0, eu_ij / scale)
        eu_ji = np.where(same, 0.0, eu_ji / scale)
        codes = np.zeros(d.shape, np.int8)
        # every run's rows i as one block of rows; each row reads its own run's positions
        columns = ys if ys.ndim == 1 else np.repeat(ys.reshape(-1, n), n, axis=0)
        new = choose_offers(
            eu_ij.reshape(-1, n),
            eu_ji.reshape(-1, n),
            d.reshape(-1, n),
            ys.reshape(-1),
            columns,
            params,
            codes.reshape(-1, n),
            Scratch(),
        )
        return new.reshape(ys.shape), codes


DIRECT = MatrixEngine(direct_probabilities)
