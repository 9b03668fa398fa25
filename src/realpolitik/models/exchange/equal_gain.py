"""The equal-gain step, decide's ``check_nbs`` test and move validity, written once.

Every function here takes its numbers either as Python floats (one candidate exchange) or as
NumPy arrays (many at once, element by element), with the few operations that differ between
the two passed in as ``Ops`` (``SCALAR`` or ``VECTOR``). Both take the same floating-point
steps, so they give the same bits.

Notation (Stokman & Van Oosten 1994, eqs. 1-4; decide ``EqualGainExchange``): a candidate's side
0 ("I") supplies issue q and demands p, side 1 ("J") supplies p and demands q. dp is the shift
of p's outcome; side 0 moves ``move_p[0] * dp`` on q and side 1 ``move_p[1] * dp`` on p, in the
directions d_0, d_1 toward the other side's position; each gains ``gain_p * dp``.
"""

from __future__ import annotations

import math
import operator
import struct
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

SCALE = 100.0
"""Internal scale: every issue is normalised to [0, 100] as decide does (``Issue.normalize``)."""
MIN_MOVE = 1e-10  # decide: a move of at most 1e-10 is no move (``is_move_valid``)
MIN_GAIN = 1e-10  # decide: an exchange with a gain below 1e-10 is dropped
EDGE = 1e-9  # float slack for "stays on [0, 100]" and the cut-back test (decide: Decimal)
_MOVE_MAX = SCALE + EDGE  # a side's moves within one exchange sum to at most 100
_MID = SCALE / 2
_HALF_WIDTH = _MID + EDGE  # a position stays within this distance of the scale's middle
_TIE_BITS = 12  # gains equal in their leading 40 mantissa bits tie (relative 1e-12)
_TIE_HALF = 1 << (_TIE_BITS - 1)
_BITS = struct.Struct("<d").pack  # a float's bits, read back as a signed 64-bit integer (as
_INT64 = struct.Struct("<q").unpack  # ``gain.view(np.int64)`` in ``rank``)

Num = Any
"""A float (one candidate) or a float64 array (many candidates)."""
Flag = Any
"""A bool or a bool array."""


def rank(gain: NDArray[np.float64]) -> NDArray[np.int64]:
    """Sort key of gains >= 0: minus the gain rounded to its leading 40 mantissa bits (decide
    sorts exact decimals; gains that agree to about 12 significant digits tie here)."""
    return -((gain.view(np.int64) + _TIE_HALF) >> _TIE_BITS)


def rank_one(gain: float) -> int:
    """``rank`` of one gain (a Python float)."""
    return -((_INT64(_BITS(gain))[0] + _TIE_HALF) >> _TIE_BITS)


class Ops(NamedTuple):
    """The operations that are spelt differently on floats and on arrays."""

    copysign: Callable[[Num, Num], Num]
    where: Callable[[Flag, Num, Num], Num]
    any: Callable[[Flag], bool | int]
    """true (non-zero) when any flag is (``np.count_nonzero``: a fraction of ``ndarray.any``'s
    cost on small arrays)"""
    not_: Callable[[Flag], Flag]
    rank: Callable[[Num], Any]


def _pick(flag: bool, a: float, b: float) -> float:
    return a if flag else b


SCALAR = Ops(math.copysign, _pick, bool, operator.not_, rank_one)
VECTOR = Ops(np.copysign, np.where, np.count_nonzero, np.logical_not, rank)


def equal_gain(
    copysign: Callable[[Num, Num], Num],
    dp: Num,
    d0: Num,
    d1: Num,
    move_p0: Num,
    move_p1: Num,
    gain_p0: Num,
    gain_p1: Num,
    total0: Num,
    total1: Num,
    last0: Num,
    last1: Num,
) -> tuple[Num, Num, Num, Num, Flag]:
    """The moves (m_0 on q, m_1 on p) and gains (g_0, g_1) for a shift dp of p's outcome, and
    whether both moves are valid.

    With r = (s_Ip + s_Jp) / (s_Iq + s_Jq) (decide ``by_exchange_ratio``), side 0 must shift q
    by dq = r dp, a move of dq W_q / (c_Iq s_Iq); side 1 moves dp W_p / (c_Jp s_Jp). The gains
    g_0 = dp s_Ip - dq s_Iq and g_1 = dq s_Jq - dp s_Jp are equal (Stokman & Van Oosten 1994).
    A move m is valid (decide ``is_move_valid``) when |m| > 1e-10 and, with the side's earlier
    moves in this exchange (their sum ``total``, the last one ``last``; 0: none), the moves sum
    to <= 100 and keep one direction. d_0, d_1 give the directions of the moves; move_p0,
    move_p1, gain_p0, gain_p1 are each side's move and gain per unit dp. move_p and dp are >= 0,
    so |m_0| = move_p0 dp.
    """
    u0, u1 = move_p0 * dp, move_p1 * dp  # |m_0|, |m_1| (move_p, dp >= 0)
    m0 = copysign(u0, d0)
    m1 = copysign(u1, d1)
    valid = (
        (u0 > MIN_MOVE)
        & (u1 > MIN_MOVE)
        & (total0 + m0 <= _MOVE_MAX)
        & (total1 + m1 <= _MOVE_MAX)
        & (last0 * m0 >= 0.0)
        & (last1 * m1 >= 0.0)
    )
    return m0, m1, gain_p0 * dp, gain_p1 * dp, valid


def on_scale(x: Num, m: Num) -> Flag:
    """A move from x by m ends on [0, 100]."""
    return abs(x + m - _MID) <= _HALF_WIDTH


def crosses(a: Num, b: Num) -> Flag:
    """decide ``check_nbs``'s test: the target lies strictly between the outcome before
    (target - a) and after (target - b) a move. Distances within float noise of zero count as
    zero, as in decide's exact arithmetic: an outcome that already sits at the target does not
    pass it."""
    return ((a < -EDGE) | (b < -EDGE)) & ((a > EDGE) | (b > EDGE))


def cut_back(target: Num, start: Num, own_p: Num) -> Num:
    """decide ``check_nbs``'s cut-back: the shift of p that makes the outcome of the side's
    supply issue stop at the target (the other side's position), from the outcome ``start``
    (a shift of the side's own issue is ``own_p`` shifts of p)."""
    return abs(target - start) * own_p
