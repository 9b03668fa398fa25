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

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from realpolitik.models.bargaining.eum.blocks import Scratch, scratch
from realpolitik.models.bargaining.eum.params import F64, I64, EUMParams, Relationship

_NO_KEY = 4.0  # subtracted from the keys of the offers that count (every key lies in [0, 1])


def _first_min(
    key: F64, mask: NDArray[np.bool_], tol: float, bufs: Scratch
) -> tuple[NDArray[np.bool_], I64]:
    """Per row, among the columns where ``mask`` holds: whether there is one, and the first
    column whose key is within ``tol`` of the smallest (columns are sorted by position, so ties
    go to the lowest position). Keys lie in [0, 1]."""
    masked = scratch(bufs, "first_min_key", key.shape, np.float64)
    np.copyto(masked, mask)  # key - 4 where masked: the masked keys lie in [-4, -3]
    masked *= -_NO_KEY
    masked += key
    smallest = masked.min(axis=1)
    has = smallest < 0.0
    near_smallest = scratch(bufs, "first_min_flags", key.shape, np.bool_)
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
    ij_gains = np.greater(eu_ij, thr, out=scratch(bufs, "ij_gains", shape, np.bool_))
    ji_gains = np.greater(eu_ji, thr, out=scratch(bufs, "ji_gains", shape, np.bool_))
    ij_loses = np.less(eu_ij, -thr, out=scratch(bufs, "ij_loses", shape, np.bool_))
    ji_loses = np.less(eu_ji, -thr, out=scratch(bufs, "ji_loses", shape, np.bool_))
    work = scratch(bufs, "work", shape, np.float64)
    # EU_ji > |EU_ij| when EU_ij < 0 < EU_ji; EU_ij > |EU_ji| when EU_ji < 0 < EU_ij
    gain_exceeds_loss = np.greater(
        np.add(eu_ij, eu_ji, out=work), thr, out=scratch(bufs, "exceeds", shape, np.bool_)
    )
    lost_conflict = np.greater(
        np.subtract(eu_ji, eu_ij, out=work), thr, out=scratch(bufs, "lost", shape, np.bool_)
    )
    lost_conflict &= ij_gains  # EU_ji > EU_ij > 0
    i_yields = np.logical_and(ij_loses, ji_gains, out=ij_loses)  # EU_ij < 0 < EU_ji
    j_yields = np.logical_and(ij_gains, ji_loses, out=ji_loses)  # EU_ji < 0 < EU_ij
    conflict = np.logical_and(ij_gains, ji_gains, out=ji_gains)
    loss_outweighs = np.logical_not(
        gain_exceeds_loss, out=scratch(bufs, "outweighs", shape, np.bool_)
    )
    i_compromises = np.logical_and(
        i_yields, gain_exceeds_loss, out=scratch(bufs, "i_comp", shape, np.bool_)
    )
    j_compromises = np.logical_and(j_yields, gain_exceeds_loss, out=ij_gains)
    j_capitulates = np.logical_and(j_yields, loss_outweighs, out=j_yields)
    i_capitulates = np.logical_and(i_yields, loss_outweighs, out=loss_outweighs)
    _write_codes(
        codes,
        (
            (conflict, Relationship.CONFLICT),
            (i_compromises, Relationship.COMPROMISE),
            (i_capitulates, Relationship.CAPITULATION),
            (j_compromises, Relationship.COMPROMISE_BY_OTHER),
            (j_capitulates, Relationship.CAPITULATION_BY_OTHER),
        ),
        bufs,
    )

    new = yi.copy()
    at = _positions_at(ys)
    # 1. a lost confrontation: move to the nearest such j
    has_lost, j_lost = _first_min(d, lost_conflict, tol, bufs)
    new[has_lost] = at(has_lost, j_lost)
    undecided = ~has_lost
    if not (undecided.any() and (i_yields[undecided]).any()):
        return new
    # 2. a compromise: move part of the way, to the best-ranked offer
    if (i_compromises[undecided]).any():
        key = _compromise_key(eu_ij, eu_ji, d, yi, ys, params, work, bufs)
        has_comp, j_comp = _first_min(key, i_compromises, tol, bufs)
        take = undecided & has_comp
        rows = np.flatnonzero(take)
        jj = j_comp[take]
        share = -eu_ij[rows, jj] / eu_ji[rows, jj]  # |EU_ij| / EU_ji
        new[take] = yi[take] + (at(take, j_comp) - yi[take]) * share
        undecided &= ~has_comp
    # 3. a capitulation: move to the nearest such j
    if undecided.any():
        has_cap, j_cap = _first_min(d, i_capitulates, tol, bufs)
        take = undecided & has_cap
        new[take] = at(take, j_cap)
    return new


def _positions_at(ys: F64) -> Callable[[NDArray[np.bool_], I64], F64]:
    """(rows, columns) -> the positions of the chosen column j of each selected row: ys[j], or
    ys[row, j] when every row has its own positions."""
    if ys.ndim == 1:
        return lambda rows, cols: ys[cols[rows]]
    return lambda rows, cols: ys[np.flatnonzero(rows), cols[rows]]


def _write_codes(
    codes: NDArray[np.int8],
    cases: tuple[tuple[NDArray[np.bool_], Relationship], ...],
    bufs: Scratch,
) -> None:
    """codes = sum over the cases of [case] x its code: the cases exclude each other, and where
    none holds the code is 0, STALEMATE. (Arithmetic on the masks' bytes: masked assignment,
    ``np.copyto(..., where=)``, is about 50 times slower.)"""
    total = codes.view(np.uint8)
    term = scratch(bufs, "code_term", codes.shape, np.uint8)
    for k, (holds, code) in enumerate(cases):
        np.multiply(holds.view(np.uint8), int(code), out=total if k == 0 else term)
        if k:
            total += term


def _compromise_key(
    eu_ij: F64, eu_ji: F64, d: F64, yi: F64, ys: F64, params: EUMParams, work: F64, bufs: Scratch
) -> F64:
    """The rank of each compromise offer (``EUMParams.compromise_rank``), bounded to [0, 1]:
    ``"scholz"`` (|EU_ij| y_i + |EU_ji| y_j) / (|EU_ij| + |EU_ji|), ``"move"`` the move
    |EU_ij / EU_ji| d (EU_ij < 0 < EU_ji where it counts)."""
    key = scratch(bufs, "key", eu_ij.shape, np.float64)
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
