"""The midpoint index of the O(N^2) method: m_ij = #{k : 2 y_k < y_i + y_j} for sorted y, the
number of voters nearer y_i than y_j when y_i < y_j (docs/models.md, "The fast form")."""

from __future__ import annotations

import math

import numpy as np

from realpolitik.models.bargaining.eum.params import F64, I64

#: Below this many voters a binary search per pair is faster than building the table.
TABLE_FROM = 90


class Midpoints:
    """m_ij in O(1) per pair.

    Positions are shifted to start at 0 and scaled by a power of two c (exact), so the bucket
    index floor(c (y_i + y_j)) is a monotone function of y_i + y_j. Where no voter falls in the
    query's bucket the count is the bucket's tabulated count (exact); elsewhere (a few percent
    of queries unless positions cluster) one comparison or a binary search. With fewer than
    :data:`TABLE_FROM` voters every query is a binary search (same counts, no table).
    """

    def __init__(self, ys: F64, table: bool | None = None):
        """``table``: build the table (None: from :data:`TABLE_FROM` voters on)."""
        n = ys.size
        shifted = ys - ys[0]
        span = 2.0 * float(shifted[-1])
        target = min(max(32 * n, 1024), 1 << 22)  # table of about 32 N buckets: about L2 size
        # c = 2^k with c * span <= target (frexp: span = f 2^e, 0.5 <= f < 1; no overflow)
        c = math.ldexp(1.0, min(target.bit_length() - 1 - math.frexp(span)[1], 1000))
        self.scaled: F64 = shifted * c
        self.doubled: F64 = self.scaled + self.scaled  # 2 c y_k, the voters' side of the test
        self.tabulated = n >= TABLE_FROM if table is None else table
        if not self.tabulated:
            return
        buckets = self.doubled.astype(np.int64)
        n_buckets = int(buckets[-1]) + 1
        ids = np.arange(n_buckets + 1)
        self.first = np.searchsorted(buckets, ids, side="left")  # voters below each bucket
        self.occupancy = np.searchsorted(buckets, ids, side="right") - self.first
        # the count for a bucket without voters; -1 - bucket id for one holding voters
        self.table: I64 = np.where(self.occupancy > 0, -1 - ids, self.first).astype(np.int64)
        # the voters' common value in a bucket where they all coincide, else NaN
        low = self.doubled[np.minimum(self.first, n - 1)]
        high = self.doubled[np.maximum(self.first + self.occupancy - 1, 0)]
        self.common = np.where((self.occupancy > 0) & (low == high), low, np.nan)

    def counts(self, i0: int, i1: int, sums: F64, out: I64, buckets: I64) -> I64:
        """m for the rows i0:i1 into ``out``; ``sums`` and ``buckets``: scratch of its shape."""
        np.add(self.scaled[i0:i1, None], self.scaled[None, :], out=sums)
        if not self.tabulated:
            out[...] = self.doubled.searchsorted(sums, side="left")
            return out
        np.copyto(buckets, sums, casting="unsafe")
        np.take(self.table, buckets, out=out, mode="clip")
        if out.min() < 0:
            flat = out.reshape(-1)
            occupied = np.flatnonzero(flat < 0)
            bucket = -1 - flat[occupied]
            query = sums.reshape(-1)[occupied]
            common = self.common[bucket]
            single = ~np.isnan(common)  # all voters of the bucket at one value: one comparison
            flat[occupied] = self.first[bucket] + self.occupancy[bucket] * (common < query)
            several = occupied[~single]
            if several.size:
                flat[several] = np.searchsorted(self.doubled, query[~single], side="left")
        return out
