"""The O(N^2) method of ``prefix.py`` tuned for memory, cache and threads (``method="fast"``).

Work is done in row blocks of about 2^17 elements, optionally in threads (``blocks.py``); each
block reads shared inputs and writes its own rows of the outputs. Besides the blocks only G
(N x N float64), the midpoint indices (N x N uint16) and the relationship codes (N x N int8) are
kept, about 11 N^2 bytes. docs/models.md derives every step; tests/test_eum_kernel.py checks
G, the security levels and the offers against ``prefix.py``, tests/test_eum.py whole runs
against ``direct.py``.

Per round: the risk step (all exponents 1) in closed form from 1-d prefix sums at the midpoints
(:meth:`FastEngine.security`); pass A, the rows of M, their prefix sums C and G (:meth:`_pass_a`);
pass B, from G and its transpose the probabilities, the expected utilities and the offers
(:meth:`_pass_b`).
"""

from __future__ import annotations

import os
from functools import partial
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from realpolitik.models.bargaining.eum.blocks import Scratch, near_pairs, run_blocks
from realpolitik.models.bargaining.eum.midpoints import Midpoints
from realpolitik.models.bargaining.eum.offers import choose_offers
from realpolitik.models.bargaining.eum.params import F64, EUMParams

_CHUNK = 8  # chunk width of the blocked prefix sum
_BLOCK_ELEMENTS = 1 << 17  # elements per row block (about 1 MB of float64)
_SMALL_D = 1e-2  # below this distance (units of R) utilities use expm1/log1p
_TILE = 256  # tile of the blocked transpose in pass B


class _RiskSums(NamedTuple):
    """Read-only inputs of the risk step's row blocks: prefix sums over the sorted voters."""

    ys: F64
    midpoints: Midpoints
    w_prefix: F64  # Wc[m] = sum_(k < m) w_k
    wy_prefix_2: F64  # 2 WYc[m] = 2 sum_(k < m) w_k y_k
    above_const: F64  # the j > i terms of N1_ij not depending on j
    below_const: F64  # the j < i terms (then - y_j sum w)
    w_total: float
    tot1: F64  # sum_k w_k |y_k - y_a|
    pairwise: bool


class _RiskRows(NamedTuple):
    """Outputs of the risk step, one entry per row i."""

    votes: F64  # sum_j N1_ij
    weighted: F64  # sum_j d_ij N1_ij ("scholz") or sum_j d_ij P1_ji ("pairwise")


class _Voters(NamedTuple):
    """The voters in pass A's stored order (padding: weight 0, exponent 1)."""

    y: F64
    w: F64
    r: F64


class _RowTotals(NamedTuple):
    """Outputs of pass A, one entry per row a: C[a, N], sum_(b < a) G[a, b], sum_(b > a)."""

    total: F64
    below: F64
    above: F64


class _OfferInputs(NamedTuple):
    """Read-only inputs of pass B."""

    ys: F64
    ss: F64
    r: F64
    total: F64  # C[a, N]
    salience_share: F64  # s_j / D ("scholz")
    mu: float
    params: EUMParams


class FastEngine:
    """O(N^2) per round; see the module docstring and docs/models.md for the derivation."""

    def __init__(self, n: int, threads: int | None):
        self.n = n
        self.g = np.empty((n, n))  # G[a, b] = sum_(k < m_ab) w_k |y_k - y_a|^r_k
        self.codes = np.zeros((n, n), np.int8)
        self.rows = max(1, _BLOCK_ELEMENTS // n)
        self.super_rows = max(self.rows, min(n, _TILE))
        cpus = os.cpu_count() or 1
        self.threads = max(1, threads if threads is not None else min(cpus, 8))
        self.buffers = [Scratch() for _ in range(self.threads)]  # one per thread
        self.n_chunks = -(-n // _CHUNK)
        self.padded = self.n_chunks * _CHUNK
        # Layout of a row of M in pass A: voter k at column pos(k) = (k % CH) n_chunks + k // CH,
        # so that prefix sums within chunks of CH voters run along contiguous runs of n_chunks.
        kk = np.arange(self.padded)
        self.pos = (kk % _CHUNK) * self.n_chunks + kk // _CHUNK
        self.voter = np.empty(self.padded, dtype=np.int64)
        self.voter[self.pos] = kk  # voter at each column (>= n: padding)
        self.width = self.padded + 1  # a row of C: [0, inclusive prefix sums in stored order]
        self.c_index = np.concatenate(([0], 1 + self.pos[:n]))  # C[a, m] = row[c_index[m]]
        # c_index[m_ij] of the current round: found in security(), reused in offers()
        dtype = np.uint16 if self.width < (1 << 16) else np.uint32
        self.mid_index = np.empty((n, n), dtype=dtype)
        self.mid_index_for: F64 | None = None

    def _run(self, task: partial[None], step: int) -> None:
        run_blocks(task, self.n, step, self.buffers)

    # -- the risk step: all exponents 1

    def security(self, ys: F64, ws: F64, ss: F64, mu: float, params: EUMParams) -> F64:
        """S_i with r = 1 in closed form: for voters k left of both candidates i < j,
        v_k(i, j) = w_k (y_j - y_i), between y_i and the midpoint w_k (y_i + y_j - 2 y_k), so
        the votes for i over j are 1-d prefix sums of w and w y cut at the midpoint index."""
        n = self.n
        w_prefix = np.concatenate(([0.0], np.cumsum(ws)))
        wy_prefix = np.concatenate(([0.0], np.cumsum(ws * ys)))
        w_total, wy_total = w_prefix[-1], wy_prefix[-1]
        y_prefix = np.concatenate(([0.0], np.cumsum(ys)))
        after = np.arange(1, n + 1)
        # tot1_a = sum_k w_k |y_k - y_a|; sumd_i = sum_j |y_i - y_j|
        tot1 = ys * w_prefix[1:] - wy_prefix[1:] + (wy_total - wy_prefix[1:])
        tot1 = tot1 - ys * (w_total - w_prefix[1:])
        sumd = ys * after - y_prefix[1:] + (y_prefix[-1] - y_prefix[1:]) - ys * (n - after)
        # N1_ij = (y_i + y_j) Wc[m] - 2 WYc[m] + const: m clipped to >= i + 1 for j > i
        # (voters 0..i all prefer i) and to <= i for j < i (voters i.. all prefer i).
        sums = _RiskSums(
            ys=ys,
            midpoints=Midpoints(ys),
            w_prefix=w_prefix,
            wy_prefix_2=2.0 * wy_prefix,
            above_const=2.0 * (wy_prefix[1:] - ys * w_prefix[1:]),
            below_const=ys * w_total - 2.0 * ys * w_prefix[:-1] + 2.0 * wy_prefix[:-1],
            w_total=float(w_total),
            tot1=tot1,
            pairwise=params.probability == "pairwise",
        )
        out = _RiskRows(votes=np.zeros(n), weighted=np.zeros(n))
        self._run(partial(self._risk_rows, sums=sums, out=out), self.rows)
        self.mid_index_for = ys
        if sums.pairwise:
            sum_dp = out.weighted
        else:
            # sum_j d_ij N1_ji = sum_j d_ij N1_ij - sum_j d_ij tot1_j + tot1_i sumd_i
            t_prefix = np.concatenate(([0.0], np.cumsum(tot1)))
            ty_prefix = np.concatenate(([0.0], np.cumsum(tot1 * ys)))
            d_tot = ys * t_prefix[1:] - ty_prefix[1:] + (ty_prefix[-1] - ty_prefix[1:])
            d_tot -= ys * (t_prefix[-1] - t_prefix[1:])
            sum_dn = out.weighted - d_tot + tot1 * sumd
            sum_dp = sum_dn / (2.0 * float(out.votes.sum()))  # D1 = 2 sum_(a != b) N1_ab
        security = 2.0 * (1.0 - 2.0 * ss) * sumd + 4.0 * ss * sum_dp
        if params.q != 1.0:
            dev = np.abs(ys - mu)
            security -= (1 - params.q) * (2 * params.t - 1) * (dev.sum() - dev + sumd)
        return np.asarray(security, dtype=float)

    def _risk_rows(self, i0: int, i1: int, bufs: Scratch, sums: _RiskSums, out: _RiskRows) -> None:
        """Rows i0:i1 of the risk step: N1_ij, then its row sums into ``out``; stores the
        midpoint indices of the rows for pass A."""
        n, ys = self.n, sums.ys
        rows = i1 - i0
        row_ids = np.arange(i0, i1)[:, None]
        work = bufs.array("t", (rows, n), np.float64)
        mid = bufs.array("m", (rows, n), np.int64)
        buckets = bufs.array("b", (rows, n), np.int64)
        sums.midpoints.counts(i0, i1, work, mid, buckets)
        np.take(self.c_index, mid, out=buckets, mode="clip")
        self.mid_index[i0:i1] = buckets
        np.minimum(mid[:, :i0], row_ids, out=mid[:, :i0])
        np.maximum(mid[:, i1:], row_ids + 1, out=mid[:, i1:])
        above = np.arange(i0, i1)[None, :] > row_ids  # within the diagonal block: j > i
        diag_mid = mid[:, i0:i1]
        diag_mid[...] = np.where(
            above, np.maximum(diag_mid, row_ids + 1), np.minimum(diag_mid, row_ids)
        )
        pair_sum = bufs.array("s", (rows, n), np.float64)
        np.add(ys[i0:i1, None], ys[None, :], out=pair_sum)
        votes = bufs.array("n1", (rows, n), np.float64)  # N1_ij
        np.take(sums.w_prefix, mid, out=votes, mode="clip")
        np.multiply(votes, pair_sum, out=votes)
        np.take(sums.wy_prefix_2, mid, out=work, mode="clip")
        votes -= work
        votes[:, i1:] += sums.above_const[i0:i1, None]
        votes[:, :i0] += sums.below_const[i0:i1, None]
        votes[:, :i0] -= ys[None, :i0] * sums.w_total
        diag = votes[:, i0:i1]
        diag += np.where(
            above,
            sums.above_const[i0:i1, None],
            sums.below_const[i0:i1, None] - ys[None, i0:i1] * sums.w_total,
        )
        np.fill_diagonal(diag, 0.0)
        out.votes[i0:i1] = votes.sum(axis=1)
        dist = work
        np.subtract(ys[None, i1:], ys[i0:i1, None], out=dist[:, i1:])
        np.subtract(ys[i0:i1, None], ys[None, :i1], out=dist[:, :i1])
        np.abs(dist[:, i0:i1], out=dist[:, i0:i1])
        if sums.pairwise:
            p_ji = pair_sum  # N1_ji = N1_ij - tot1_j + tot1_i; P1_ji = N1_ji / (N1_ij + N1_ji)
            np.subtract(votes, sums.tot1[None, :], out=p_ji)
            p_ji += sums.tot1[i0:i1, None]
            votes += p_ji
            np.divide(p_ji, votes, out=p_ji)
            p_ji[votes <= 0] = 0.0
            out.weighted[i0:i1] = np.einsum("ij,ij->i", dist, p_ji)
        else:  # sum_j d_ij N1_ij; the tot1 terms of N1_ji are added in O(N) by the caller
            out.weighted[i0:i1] = np.einsum("ij,ij->i", dist, votes)

    # -- the offers: exponents r

    def offers(
        self, ys: F64, ws: F64, ss: F64, r: F64, mu: float, params: EUMParams
    ) -> tuple[F64, NDArray[np.int8]]:
        """New positions and relationship codes (sorted order): pass A, D, pass B."""
        n = self.n
        midpoints = None if self.mid_index_for is ys else Midpoints(ys)
        real = np.minimum(self.voter, n - 1)
        padding = self.voter >= n
        voters = _Voters(
            y=ys[real], w=np.where(padding, 0.0, ws[real]), r=np.where(padding, 1.0, r[real])
        )
        totals = _RowTotals(total=np.zeros(n), below=np.zeros(n), above=np.zeros(n))
        task = partial(
            self._pass_a, ys=ys, voters=voters, same_tol=params.same_position_tol,
            midpoints=midpoints, out=totals,
        )  # fmt: skip
        self._run(task, self.rows)
        self.mid_index_for = None
        # D = sum_(a != b) (N_ab + N_ba) = 2 sum_(a != b) N_ab, with N_ab = G_ba - G_ab (a < b)
        # and N_ab = N_ba + tot_b - tot_a (a > b).
        idx = np.arange(n)
        tri_tot = float(np.dot(totals.total, n - 1 - idx) - np.dot(totals.total, idx))
        total = 2.0 * (2.0 * (float(totals.below.sum()) - float(totals.above.sum())) + tri_tot)
        if params.probability == "scholz" and not total > 0:
            total = np.inf  # no voter prefers anything: every P is 0
        inputs = _OfferInputs(
            ys=ys, ss=ss, r=r, total=totals.total, salience_share=ss / total, mu=mu, params=params
        )
        new = np.empty(n)
        self._run(partial(self._pass_b, inputs=inputs, new=new), self.super_rows)
        return new, self.codes

    def _pass_a(
        self,
        i0: int,
        i1: int,
        bufs: Scratch,
        ys: F64,
        voters: _Voters,
        same_tol: float,
        midpoints: Midpoints | None,
        out: _RowTotals,
    ) -> None:
        """Rows i0:i1 of M[a, k] = w_k |y_a - y_k|^r_k, their prefix sums C over k, and
        G[a, b] = C[a, m_ab] into ``self.g``; the row totals into ``out``."""
        n, width, n_chunks = self.n, self.width, self.n_chunks
        rows = i1 - i0
        c_rows = bufs.array("C", (rows, width), np.float64)
        c_rows[:, 0] = 0.0
        m_rows = c_rows[:, 1:]
        np.subtract(ys[i0:i1, None], voters.y[None, :], out=m_rows)
        np.abs(m_rows, out=m_rows)
        near_row, near_col = near_pairs(ys, i0, i1, same_tol)
        near = near_row * width + 1 + self.pos[near_col]
        flat_c = c_rows.reshape(-1)
        near = near[flat_c[near] <= same_tol]
        np.log(m_rows, out=m_rows)  # d^r = exp(r log d): a third faster than np.power
        m_rows *= voters.r[None, :]
        np.exp(m_rows, out=m_rows)
        m_rows *= voters.w[None, :]
        flat_c[near] = 0.0  # a voter within same_position_tol of a candidate stands on it
        # inclusive prefix sums in stored order: within chunks (CH contiguous adds of n_chunks),
        # then the chunk totals' prefix sums as offsets (BLAS-free: no oversubscription)
        chunked = m_rows.view()
        chunked.shape = (rows, _CHUNK, n_chunks)
        chunk_offsets = bufs.array("offsets", (rows, n_chunks), np.float64)
        np.sum(chunked, axis=1, out=chunk_offsets)  # chunk totals
        np.cumsum(chunk_offsets[:, :-1], axis=1, out=chunk_offsets[:, 1:])  # exclusive sums
        chunk_offsets[:, 0] = 0.0
        chunked[:, 0, :] += chunk_offsets
        for k in range(1, _CHUNK):
            np.add(chunked[:, k - 1, :], chunked[:, k, :], out=chunked[:, k, :])
        at_mid = bufs.array("m", (rows, n), np.int64)  # flat index of C[a, m_ab]
        row_starts = (np.arange(rows, dtype=np.int64) * width)[:, None]
        if midpoints is None:
            np.add(self.mid_index[i0:i1], row_starts, out=at_mid)
        else:
            sums = bufs.array("t", (rows, n), np.float64)
            mid = bufs.array("b", (rows, n), np.int64)
            midpoints.counts(i0, i1, sums, mid, at_mid)
            np.take(self.c_index, mid, out=at_mid, mode="clip")
            at_mid += row_starts
        g_rows = bufs.array("g", (rows, n), np.float64)
        np.take(flat_c, at_mid, out=g_rows, mode="clip")
        self.g[i0:i1] = g_rows
        out.total[i0:i1] = c_rows[:, self.c_index[n]]
        diag = g_rows[:, i0:i1]
        below = g_rows[:, :i0].sum(axis=1) + np.tril(diag, -1).sum(axis=1)
        out.below[i0:i1] = below
        out.above[i0:i1] = g_rows.sum(axis=1) - below - np.diagonal(diag)

    def _pass_b(self, s0: int, s1: int, bufs: Scratch, inputs: _OfferInputs, new: F64) -> None:
        """Rows s0:s1: the column block G[:, s0:s1] transposed tile by tile (numpy's strided
        transpose of a tall block is an order of magnitude slower than in-cache tiles), then
        the offers of each row block."""
        n = self.n
        g_t = bufs.array("GT", (s1 - s0, n), np.float64)
        for j0 in range(0, n, _TILE):
            j1 = min(n, j0 + _TILE)
            np.copyto(g_t[:, j0:j1], self.g[j0:j1, s0:s1].T)
        for i0 in range(s0, s1, self.rows):
            i1 = min(s1, i0 + self.rows)
            self._offer_rows(i0, i1, g_t[i0 - s0 : i1 - s0], bufs, inputs, new)

    def _offer_rows(
        self, i0: int, i1: int, g_t: F64, bufs: Scratch, inputs: _OfferInputs, new: F64
    ) -> None:
        """Rows i0:i1 of pass B (``g_t``: the rows i0:i1 of G transposed): EU_ij and EU_ji
        divided by U_s - U_f, then the offers (``offers.py``) into ``new`` and the codes."""
        n, ys, params = self.n, inputs.ys, inputs.params
        rows = i1 - i0
        eu_ij = bufs.array("eu_ij", (rows, n), np.float64)
        eu_ji = bufs.array("eu_ji", (rows, n), np.float64)
        np.subtract(g_t, self.g[i0:i1], out=eu_ij)  # delta = G_ji - G_ij
        if params.probability == "scholz":
            self._failure_terms_scholz(i0, i1, eu_ij, eu_ji, inputs)
        else:
            self._failure_terms_pairwise(i0, i1, eu_ij, eu_ji, inputs, bufs)
        d = bufs.array("d", (rows, n), np.float64)
        np.subtract(ys[None, i1:], ys[i0:i1, None], out=d[:, i1:])
        np.subtract(ys[i0:i1, None], ys[None, :i0], out=d[:, :i0])
        d[:, i0:i1] = np.abs(ys[i0:i1, None] - ys[None, i0:i1])
        rho, spread = self._success_share(i0, i1, d, inputs.r, ys, bufs)
        eu_ij += rho
        eu_ji += rho
        if params.q != 1.0:
            r_i = inputs.r[i0:i1, None]
            for target, y_challenger in ((eu_ij, ys[i0:i1, None]), (eu_ji, ys[None, :])):
                # -(1 - Q) [T (U_b - U_sq) + (1 - T) (U_w - U_sq)] / (U_s - U_f)
                e = np.abs(y_challenger - inputs.mu) + d
                psi = (1 - params.q) * (
                    params.t * np.expm1(r_i * np.log1p(-0.5 * e))
                    + (1 - params.t) * np.expm1(r_i * np.log1p(0.5 * e))
                )
                target += psi / spread
        same_tol = params.same_position_tol
        near_row, near_col = near_pairs(ys, i0, i1, same_tol)
        flat = near_row * n + near_col
        flat = flat[d.reshape(-1)[flat] <= same_tol]
        eu_ij.reshape(-1)[flat] = 0.0  # same position: no offers (and rho = 0/0 at d = 0)
        eu_ji.reshape(-1)[flat] = 0.0
        codes = self.codes[i0:i1]
        new[i0:i1] = choose_offers(eu_ij, eu_ji, d, ys[i0:i1], ys, params, codes, bufs)

    def _failure_terms_scholz(
        self, i0: int, i1: int, eu_ij: F64, eu_ji: F64, inputs: _OfferInputs
    ) -> None:
        """From delta = G_ji - G_ij in ``eu_ij``: -s_j (1 - P_ij) into ``eu_ij`` and
        -s_i (1 - P_ji) into ``eu_ji``, with P = N / D (the global denominator).

        j > i: N_ij = delta, N_ji = delta - (tot_j - tot_i);
        j < i: N_ij = tot_j - tot_i - delta, N_ji = -delta.
        """
        n, ss, tot, share = self.n, inputs.ss, inputs.total, inputs.salience_share
        below, above = slice(0, i0), slice(i1, n)  # columns j < i, j > i (outside the diagonal)
        tot_i = tot[i0:i1, None]
        s_i = ss[i0:i1, None]
        share_i = share[i0:i1, None]
        nij_diag, nji_diag = _diagonal_block_n(i0, i1, eu_ij, tot)
        np.subtract(eu_ij[:, above], tot[None, above], out=eu_ji[:, above])
        eu_ji[:, above] *= share_i
        eu_ji[:, above] += share_i * tot_i - s_i
        np.multiply(eu_ij[:, below], -share_i, out=eu_ji[:, below])
        eu_ji[:, below] -= s_i
        eu_ij[:, above] *= share[None, above]
        eu_ij[:, above] -= ss[None, above]
        np.subtract(tot[None, below], eu_ij[:, below], out=eu_ij[:, below])
        eu_ij[:, below] -= tot_i
        eu_ij[:, below] *= share[None, below]
        eu_ij[:, below] -= ss[None, below]
        eu_ij[:, i0:i1] = nij_diag * share[None, i0:i1] - ss[None, i0:i1]
        eu_ji[:, i0:i1] = nji_diag * share_i - s_i

    def _failure_terms_pairwise(
        self, i0: int, i1: int, eu_ij: F64, eu_ji: F64, inputs: _OfferInputs, bufs: Scratch
    ) -> None:
        """As :meth:`_failure_terms_scholz` with P_ij = N_ij / (N_ij + N_ji) (0 where 0)."""
        n, ss, tot = self.n, inputs.ss, inputs.total
        below, above = slice(0, i0), slice(i1, n)
        tot_i = tot[i0:i1, None]
        nij_diag, nji_diag = _diagonal_block_n(i0, i1, eu_ij, tot)
        nij, nji = eu_ij, eu_ji
        np.subtract(tot[None, below], eu_ij[:, below], out=nij[:, below])
        nij[:, below] -= tot_i
        np.subtract(nij[:, below], tot[None, below], out=nji[:, below])  # = -delta
        nji[:, below] += tot_i
        np.subtract(nij[:, above], tot[None, above], out=nji[:, above])
        nji[:, above] += tot_i
        nij[:, i0:i1] = nij_diag
        nji[:, i0:i1] = nji_diag
        pair_total = bufs.array("pair", nij.shape, np.float64)
        np.add(nij, nji, out=pair_total)
        np.divide(nij, pair_total, out=nij)
        np.divide(nji, pair_total, out=nji)
        undecided = pair_total <= 0
        nij[undecided] = 0.0
        nji[undecided] = 0.0
        nij -= 1.0
        nij *= ss[None, :]
        nji -= 1.0
        nji *= ss[i0:i1, None]

    @staticmethod
    def _success_share(i0: int, i1: int, d: F64, r: F64, ys: F64, bufs: Scratch) -> tuple[F64, F64]:
        """rho = (U_s - U_sq) / (U_s - U_f) = (1 - (1 - d)^r_i) / ((1 + d)^r_i - (1 - d)^r_i)
        and the denominator (1 + d)^r_i - (1 - d)^r_i = (U_s - U_f) / (4 0.5^r_i), both with
        expm1/log1p below d = 0.01 so that they keep their relative precision."""
        r_i = r[i0:i1, None]
        rho = bufs.array("rho", d.shape, np.float64)
        spread = bufs.array("spread", d.shape, np.float64)
        np.subtract(1.0, d, out=rho)  # (1 - d)^r = exp(r log(1 - d)), likewise (1 + d)^r
        np.log(rho, out=rho)
        rho *= r_i
        np.exp(rho, out=rho)
        np.add(1.0, d, out=spread)
        np.log(spread, out=spread)
        spread *= r_i
        np.exp(spread, out=spread)
        spread -= rho  # (1 + d)^r - (1 - d)^r
        np.subtract(1.0, rho, out=rho)  # 1 - (1 - d)^r
        near_row, near_col = near_pairs(ys, i0, i1, _SMALL_D)
        if near_row.size:
            flat = near_row * d.shape[1] + near_col
            r_near = r[i0 + near_row]
            d_near = d.reshape(-1)[flat]
            success = np.expm1(r_near * np.log1p(-d_near))
            rho.reshape(-1)[flat] = -success
            spread.reshape(-1)[flat] = np.expm1(r_near * np.log1p(d_near)) - success
        np.divide(rho, spread, out=rho)
        return rho, spread


def _diagonal_block_n(i0: int, i1: int, eu_ij: F64, tot: F64) -> tuple[F64, F64]:
    """N_ij and N_ji inside the diagonal block of rows i0..i1 (both failure-term forms): with
    delta the prefix-sum term in ``eu_ij``, j > i: N_ij = delta; j <= i: N_ij = tot_j - tot_i -
    delta; and N_ji = N_ij - (tot_j - tot_i)."""
    above_diag = np.arange(i0, i1)[None, :] > np.arange(i0, i1)[:, None]
    delta_diag = eu_ij[:, i0:i1]
    dtot_diag = tot[None, i0:i1] - tot[i0:i1, None]
    nij_diag = np.where(above_diag, delta_diag, dtot_diag - delta_diag)
    return nij_diag, nij_diag - dtot_diag
