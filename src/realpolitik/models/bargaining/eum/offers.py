"""The offers table: how actor i reads each pair (i, j) and which offer it takes (SCS 2011,
section 3 and Fig. 1; docs/design.md "offers").

For each j, actor i compares EU_ij = EU_i(i challenges j) with EU_ji = EU_i(j challenges i):

    EU_ij > 0, EU_ji > 0                 conflict; if EU_ji > EU_ij, i expects to lose it and
                                         moves to x_j (a confrontation it loses)
    EU_ij < 0 < EU_ji, EU_ji > |EU_ij|   compromise: i moves |EU_ij / EU_ji| of the way to x_j
    EU_ij < 0 < EU_ji, EU_ji <= |EU_ij|  capitulation: i moves to x_j
    EU_ji < 0 < EU_ij                    the same with j conceding (i does not move)
    otherwise                            stalemate

Every actor takes one offer, in the order lost confrontation, compromise, capitulation: among
lost confrontations and capitulations the nearest j, among compromises the smallest key of
``EUMParams.compromise_rank``; ties go to the j at the lowest position.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from realpolitik.models.bargaining.eum.blocks import Scratch
from realpolitik.models.bargaining.eum.params import F64, I64, EUMParams, Relationship

_NO_KEY = 4.0  # subtracted from the keys of the offers that count (every key lies in [0, 1])


def _first_min(
    key: F64, mask: NDArray[np.bool_], tol: float, bufs: Scratch
) -> tuple[NDArray[np.bool_], I64]:
    """Per row, among the columns where ``mask`` holds: whether there is one, and the first
    column whose key is within ``tol`` of the smallest (columns are sorted by position, so ties
    go to the lowest position). Keys lie in [0, 1]."""
    masked = bufs.array("first_min_key", key.shape, np.float64)
    np.copyto(masked, mask)  # key - 4 where masked: the masked keys lie in [-4, -3]
    masked *= -_NO_KEY  # (a multiply straight from the bool mask is slower: it casts in buffers)
    masked += key
    smallest = masked.min(axis=1)
    has = smallest < 0.0
    near_smallest = bufs.array("first_min_flags", key.shape, np.bool_)
    np.less_equal(masked, (smallest + tol)[:, None], out=near_smallest)
    return has, np.argmax(near_smallest, axis=1)


def choose_offers(
    eu_ij: F64,
    eu_ji: F64,
    d: F64,
    yi: F64,
    ys: F64,
    params: EUMParams,
    codes: NDArray[np.int8],
    bufs: Scratch,
) -> F64:
    """The offers table for a block of rows i against every column j (module docstring).

    eu_ij = EU_i(i challenges j) and eu_ji = EU_i(j challenges i), both divided by the pair's
    utility scale U_s - U_f (> 0, evaluated with r_i) and set to 0 where i and j hold the same
    position; d = |y_i - y_j|; yi the rows' positions, ys all positions (sorted; or one row of
    them per row of the block, when the rows come from independent runs). Returns the
    rows' new positions and fills ``codes`` (:class:`Relationship`) for the rows; ``bufs`` are
    the calling thread's scratch buffers.
    """
    tol = params.tie_tol
    shape = eu_ij.shape
    # With q < 1 the T term makes EU unbounded as d -> 0: compare relative to their size.
    thr: float | F64 = tol * (1.0 + np.abs(eu_ij) + np.abs(eu_ji)) if params.q != 1.0 else tol
    ij_gains = np.greater(eu_ij, thr, out=bufs.array("ij_gains", shape, np.bool_))
    ji_gains = np.greater(eu_ji, thr, out=bufs.array("ji_gains", shape, np.bool_))
    ij_loses = np.less(eu_ij, -thr, out=bufs.array("ij_loses", shape, np.bool_))
    ji_loses = np.less(eu_ji, -thr, out=bufs.array("ji_loses", shape, np.bool_))
    work = bufs.array("work", shape, np.float64)
    # EU_ji > |EU_ij| when EU_ij < 0 < EU_ji; EU_ij > |EU_ji| when EU_ji < 0 < EU_ij
    gain_exceeds_loss = np.greater(
        np.add(eu_ij, eu_ji, out=work), thr, out=bufs.array("exceeds", shape, np.bool_)
    )
    lost_conflict = np.greater(
        np.subtract(eu_ji, eu_ij, out=work), thr, out=bufs.array("lost", shape, np.bool_)
    )
    lost_conflict &= ij_gains  # EU_ji > EU_ij > 0
    i_yields = np.logical_and(ij_loses, ji_gains, out=ij_loses)  # EU_ij < 0 < EU_ji
    j_yields = np.logical_and(ij_gains, ji_loses, out=ji_loses)  # EU_ji < 0 < EU_ij
    conflict = np.logical_and(ij_gains, ji_gains, out=ji_gains)  # EU_ij > 0, EU_ji > 0
    _write_codes(codes, conflict, i_yields, j_yields, gain_exceeds_loss, bufs)

    new = yi.copy()
    # 1. a lost confrontation: move to the nearest such j
    has_lost, j_lost = _first_min(d, lost_conflict, tol, bufs)
    new[has_lost] = _position_of(ys, has_lost, j_lost)
    undecided = ~has_lost
    if not (undecided.any() and (i_yields[undecided]).any()):
        return new
    # 2. a compromise: move part of the way, to the best-ranked offer
    i_compromises = np.logical_and(i_yields, gain_exceeds_loss, out=lost_conflict)
    if (i_compromises[undecided]).any():
        key = _compromise_key(eu_ij, eu_ji, d, yi, ys, params, work, bufs)
        has_comp, j_comp = _first_min(key, i_compromises, tol, bufs)
        take = undecided & has_comp
        rows = np.flatnonzero(take)
        jj = j_comp[take]
        share = -eu_ij[rows, jj] / eu_ji[rows, jj]  # |EU_ij| / EU_ji
        new[take] = yi[take] + (_position_of(ys, take, j_comp) - yi[take]) * share
        undecided &= ~has_comp
    # 3. a capitulation: move to the nearest such j
    if undecided.any():
        i_capitulates = np.logical_xor(i_yields, i_compromises, out=i_compromises)
        has_cap, j_cap = _first_min(d, i_capitulates, tol, bufs)
        take = undecided & has_cap
        new[take] = _position_of(ys, take, j_cap)
    return new


def _position_of(ys: F64, rows: NDArray[np.bool_], cols: I64) -> F64:
    """The positions of the chosen column j of each selected row: ys[j], or ys[row, j] when
    every row has its own positions."""
    if ys.ndim == 1:
        return ys[cols[rows]]
    return ys[np.flatnonzero(rows), cols[rows]]


# The codes of the cases in which one side yields step down by one from capitulation to
# compromise; _write_codes relies on it.
assert Relationship.CONFLICT == 1
assert Relationship.CAPITULATION - Relationship.COMPROMISE == 1
assert Relationship.CAPITULATION_BY_OTHER - Relationship.COMPROMISE_BY_OTHER == 1


def _write_codes(
    codes: NDArray[np.int8],
    conflict: NDArray[np.bool_],
    i_yields: NDArray[np.bool_],
    j_yields: NDArray[np.bool_],
    gain_exceeds_loss: NDArray[np.bool_],
    bufs: Scratch,
) -> None:
    """The cases of the offers table as :class:`Relationship` codes: CONFLICT where both gain;
    where i yields CAPITULATION, one less (COMPROMISE) where its gain exceeds its loss; where j
    yields the same, _BY_OTHER; STALEMATE (0) elsewhere. The cases exclude each other, so the
    codes are sums of the masks' bytes times their codes (masked assignment,
    ``np.copyto(..., where=)``, is about 50 times slower)."""
    total = codes.view(np.uint8)
    term = bufs.array("code_term", codes.shape, np.uint8)
    np.multiply(i_yields.view(np.uint8), int(Relationship.CAPITULATION), out=total)
    np.multiply(j_yields.view(np.uint8), int(Relationship.CAPITULATION_BY_OTHER), out=term)
    total += term
    total += conflict.view(np.uint8)  # x CONFLICT (= 1)
    yields = np.logical_or(i_yields, j_yields, out=term.view(np.bool_))
    yields &= gain_exceeds_loss  # the compromises: CAPITULATION(_BY_OTHER) - 1
    total -= yields.view(np.uint8)


def _compromise_key(
    eu_ij: F64, eu_ji: F64, d: F64, yi: F64, ys: F64, params: EUMParams, work: F64, bufs: Scratch
) -> F64:
    """The rank of each compromise offer (``EUMParams.compromise_rank``), bounded to [0, 1]:
    ``"scholz"`` (|EU_ij| y_i + |EU_ji| y_j) / (|EU_ij| + |EU_ji|), ``"move"`` the move
    |EU_ij / EU_ji| d (EU_ij < 0 < EU_ji where it counts)."""
    key = bufs.array("key", eu_ij.shape, np.float64)
    if params.compromise_rank == "scholz":
        np.multiply(eu_ji, ys if ys.ndim == 2 else ys[None, :], out=key)
        key -= np.multiply(eu_ij, yi[:, None], out=work)
        key /= np.subtract(eu_ji, eu_ij, out=work)
    else:
        np.divide(eu_ij, eu_ji, out=key)
        key *= d
        np.negative(key, out=key)
    np.fmax(key, 0.0, out=key)  # bound the values outside the compromises (NaN, inf)
    np.fmin(key, 1.0, out=key)
    return key
