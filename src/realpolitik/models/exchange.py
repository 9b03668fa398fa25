"""The exchange model of issue linkage, equal-gain version (Stokman & Van Oosten 1994).

Actors trade positions across issues: on a pair of issues (p, q), two actors on opposite sides of
both issues' outcomes, who value the issues differently, each move on the issue they care less
about toward the other's position, so that both gain equally. The outcome of an issue is the
capability-and-salience-weighted mean of the positions, Stokman's "Nash bargaining solution" (NBS)

    O_k = sum_i c_ik s_ik x_ik / W_k,   W_k = sum_i c_ik s_ik          (decide, Eq. O_d)

so a move of actor i by dx on issue k shifts O_k by dx c_ik s_ik / W_k, and i's utility of an
outcome change is its salience times the change (Stokman & Van Oosten 1994, eqs. 1-4).

This module follows the procedure of decide (`decide-exchange-model`, GPL-3, the equal-gain model
of Stokman's group; module ``decide.model.equalgain``) closely enough to reproduce its results on
the same inputs. One round:

1. Outcomes O_k from the round's start positions; actor i is *left* of issue k when x_ik <= O_k.
2. Candidate exchanges: for every pair of issues (p, q) in input order, every actor left on
   neither issue with every actor left on both, then every actor left on p only with every actor
   left on q only (decide's groups A-D and B-C). The actor with the larger ratio s_p / s_q
   *demands* p and *supplies* q (it moves on q); the other supplies p.
3. Equal gain: if J supplying p moves all the way to I's position on p, the outcome of p shifts
   by dp = |x_Ip - x_Jp| c_Jp s_Jp / W_p; I must then shift q by
   dq = dp (s_Ip + s_Jp) / (s_Iq + s_Jq), which makes both gains equal:
   g = dp s_Ip - dq s_Iq = dq s_Jq - dp s_Jp. If I's move for that dq would pass J's position,
   I moves fully instead and dp follows from dq. An outcome shift that would carry an issue's
   outcome past the demanding actor's own position is cut back so that the outcome stops there
   (decide's ``check_nbs``).
4. A move is valid when it is non-negligible, stays on [0, 100] (positions are normalised to
   decide's 0-100 scale internally), and keeps one direction with the actor's earlier moves in
   the same exchange, whose sum stays <= 100.
5. The valid exchange with the highest gain is realised first (ties: a fair coin between the
   first two in decide's stably sorted list; the loser goes to the end of the list, or the
   second stays listed twice). Exchanges sharing an actor and an issue with it are recomputed
   from the new positions (decide's ``recalculate``), others keep their values, invalid ones
   are dropped; repeat until no exchange is left.
6. The realised moves give the *voting positions* y; the round's outcome is the NBS of the voting
   positions. Each moved actor's next start position is
   x' = (1 - (1 - s) a - b) x + ((1 - s) a + b) y with a = 0.4 and b = 0.1 (decide's
   ``new_start_position``).

Implementation: each round's candidate exchanges and their first equal-gain computation are
vectorised over all issue pairs and actor pairs at once (rows of NumPy arrays). A realised
exchange then affects only the candidates that share an actor and an issue with it. On decide's
example files these are few (a median of 9 to 25, at most about 150), and they are updated and
recomputed one by one on Python floats held in plain lists, which costs far less than NumPy
calls on arrays that small. In a round with many candidates (``_ARRAY_ROWS``, 3000: some 25
actors by 10 issues and up) they number in the hundreds, and the same updates and
computation run on NumPy arrays, all affected rows at once. The scalar and vectorised paths take
the same floating-point steps, so they give bit-identical numbers. Everything random goes
through the generator the caller seeds.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from itertools import pairwise
from math import copysign
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
_Index = tuple[IntArray, list[int]]  # places by key, see _inverted

SCALE = 100.0
"""Internal scale: every issue is normalised to [0, 100] as decide does (``Issue.normalize``)."""
_MIN_MOVE = 1e-10  # decide: a move of at most 1e-10 is no move (``is_move_valid``)
_MIN_GAIN = 1e-10  # decide: an exchange with a gain below 1e-10 is dropped
_EDGE = 1e-9  # float slack for "stays on [0, 100]" (decide computes in Decimal)
_LEFT = 1e-9  # float slack for "x <= outcome"
_TIE_BITS = 12  # gains equal in their leading 40 mantissa bits tie (relative 1e-12)
_TIE_HALF = 1 << (_TIE_BITS - 1)


@dataclass(frozen=True)
class ExchangeParams:
    """Parameters of the equal-gain exchange model (defaults: decide's)."""

    rounds: int = 10
    salience_weight: float = 0.4
    """a in the next start position (decide ``SALIENCE_WEIGHT``)."""
    fixed_weight: float = 0.1
    """b in the next start position (decide ``FIXED_WEIGHT``)."""

    def __post_init__(self) -> None:
        if self.rounds < 0:
            raise ValueError("rounds must be >= 0")
        if not 0 <= self.salience_weight + self.fixed_weight <= 1:
            raise ValueError("salience_weight + fixed_weight must lie in [0, 1]")


@dataclass(frozen=True)
class ExchangeLog:
    """Every realised exchange, one row each (columns as arrays).

    Actor ``i`` moves on issue ``issue_i`` (the issue it supplies, i.e. the one it values less)
    from ``start_i`` to ``end_i`` (its voting position, on the issue's own scale); ``move_i`` is
    ``end_i - start_i``. ``gain_i`` is i's expected gain, s_i,demand * |shift of the demanded
    issue's outcome| - s_i,supply * |shift of the supplied issue's outcome|, with outcome shifts
    in points of the 0-100 normalised scale. Likewise for ``j``, which supplies ``issue_j``.
    """

    round: IntArray
    actor_i: IntArray
    actor_j: IntArray
    issue_i: IntArray
    issue_j: IntArray
    start_i: FloatArray
    start_j: FloatArray
    end_i: FloatArray
    end_j: FloatArray
    gain_i: FloatArray
    gain_j: FloatArray

    @property
    def move_i(self) -> FloatArray:
        return self.end_i - self.start_i

    @property
    def move_j(self) -> FloatArray:
        return self.end_j - self.start_j

    def __len__(self) -> int:
        return int(self.round.size)

    def records(self) -> list[dict[str, Any]]:
        """The rows as plain dicts (indices, not names)."""
        cols = {k: getattr(self, k).tolist() for k in _LOG_FIELDS}
        return [{k: cols[k][n] for k in _LOG_FIELDS} for n in range(len(self))]


_LOG_FIELDS = (
    "round", "actor_i", "actor_j", "issue_i", "issue_j",
    "start_i", "start_j", "end_i", "end_j", "gain_i", "gain_j",
)  # fmt: skip


@dataclass(frozen=True)
class ExchangeResult:
    """The equal-gain model's trajectory over ``rounds`` rounds (N actors, K issues).

    ``compromise[0]`` is the NBS of the initial positions, ``compromise[r]`` the NBS of the
    voting positions after round r. ``positions[0]`` are the initial positions,
    ``positions[r]`` the voting positions after round r; ``start_positions[r]`` the positions
    each round r + 1 starts from (``start_positions[0]`` = initial). All on the issues' own
    scales; NaN where an actor has no stance.
    """

    compromise: FloatArray
    positions: FloatArray
    start_positions: FloatArray
    exchanges: ExchangeLog
    ties: int = 0
    """How many times a tie between equal gains was broken at random."""
    params: ExchangeParams = field(default_factory=ExchangeParams)

    @property
    def rounds(self) -> int:
        return int(self.compromise.shape[0] - 1)


def nbs(positions: ArrayLike, salience: ArrayLike, power: ArrayLike) -> FloatArray:
    """Per-issue outcome O_k = sum_i c_ik s_ik x_ik / sum_i c_ik s_ik (NaN entries ignored;
    NaN when an issue has no weight). Arrays are N x K."""
    x = np.asarray(positions, dtype=float)
    w = np.asarray(power, dtype=float) * np.asarray(salience, dtype=float)
    w = np.where(np.isnan(x) | np.isnan(w), 0.0, w)
    tot = w.sum(axis=0)
    num = (w * np.nan_to_num(x)).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(tot > 0, num / np.where(tot > 0, tot, 1.0), np.nan)


def equal_gain_exchange(
    positions: ArrayLike,
    salience: ArrayLike,
    power: ArrayLike,
    lower: ArrayLike | None = None,
    upper: ArrayLike | None = None,
    *,
    rounds: int | None = None,
    seed: int | np.random.SeedSequence | np.random.Generator | None = None,
    params: ExchangeParams | None = None,
) -> ExchangeResult:
    """Run the equal-gain exchange model (Stokman & Van Oosten 1994; decide's EqualGainModel).

    ``positions``, ``salience`` (in [0, 1]) and ``power`` (>= 0) are N x K arrays (actors x
    issues), NaN where an actor takes no part in an issue; ``lower``/``upper`` are each issue's
    scale (default 0 and 100). Actors with zero power or salience on an issue count for its
    outcome with weight 0 and never trade on it. ``seed`` seeds the generator that breaks ties.
    """
    p = params or ExchangeParams()
    if rounds is not None:
        p = ExchangeParams(rounds, p.salience_weight, p.fixed_weight)
    x = np.array(positions, dtype=float, ndmin=2)
    s = np.array(salience, dtype=float, ndmin=2)
    c = np.array(power, dtype=float, ndmin=2)
    if not (x.shape == s.shape == c.shape) or x.ndim != 2:
        raise ValueError("positions, salience and power must be N x K arrays of one shape")
    n, k = x.shape
    lo = np.zeros(k) if lower is None else np.asarray(lower, dtype=float).reshape(k)
    hi = np.full(k, SCALE) if upper is None else np.asarray(upper, dtype=float).reshape(k)
    if np.any(~(hi > lo)):
        raise ValueError("every issue needs upper > lower")
    present = ~(np.isnan(x) | np.isnan(s) | np.isnan(c))
    if np.any(s[present] < 0) or np.any(s[present] > 1) or np.any(c[present] < 0):
        raise ValueError("salience must lie in [0, 1] and power must be >= 0")
    if not (np.isfinite(x[present]).all() and np.isfinite(c[present]).all()):
        raise ValueError("positions and power must be finite")
    span = (hi - lo) / SCALE
    z = np.where(present, (x - lo) / span, np.nan)
    if np.any(z[present] < -_EDGE) or np.any(z[present] > SCALE + _EDGE):
        raise ValueError("a position lies outside its issue's scale")
    z = np.clip(z, 0.0, SCALE)
    s = np.where(present, s, 0.0)
    c = np.where(present, c, 0.0)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)

    model = _Model(z, s, c, present, p, rng)
    comp = [model.outcome(z)]
    voting = [z]
    starts = [z]
    logs: list[dict[str, Any]] = []
    cur = z
    for r in range(p.rounds):
        vote, nxt, round_log = model.round(cur, r + 1)
        comp.append(model.outcome(vote))
        voting.append(vote)
        starts.append(nxt)
        logs.append(round_log)
        cur = nxt

    def denorm(a: FloatArray) -> FloatArray:
        return np.where(present, a * span + lo, np.nan)

    return ExchangeResult(
        compromise=np.stack(comp) * span + lo,
        positions=denorm(np.stack(voting)),
        start_positions=denorm(np.stack(starts)),
        exchanges=_merge_logs(logs, span, lo),
        ties=model.ties,
        params=p,
    )


def _merge_logs(logs: list[dict[str, Any]], span: FloatArray, lo: FloatArray) -> ExchangeLog:
    def cat(key: str, dtype: type) -> Any:
        parts: list[Any] = [np.asarray(lg[key], dtype=dtype) for lg in logs]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)

    qi, qj = cat("issue_i", np.int64), cat("issue_j", np.int64)
    return ExchangeLog(
        round=cat("round", np.int64),
        actor_i=cat("actor_i", np.int64),
        actor_j=cat("actor_j", np.int64),
        issue_i=qi,
        issue_j=qj,
        start_i=cat("start_i", float) * span[qi] + lo[qi],
        start_j=cat("start_j", float) * span[qj] + lo[qj],
        end_i=cat("end_i", float) * span[qi] + lo[qi],
        end_j=cat("end_j", float) * span[qj] + lo[qj],
        gain_i=cat("gain_i", float),
        gain_j=cat("gain_j", float),
    )


# Per-exchange values. Row r is a candidate exchange: its side 0 ("I") supplies issue q (moves on
# it) and demands p, its side 1 ("J") supplies p and demands q. A value per side sits at the
# *place* side * E + r of a flat array of length 2E (E rows), or of a list in the scalar path
# (such lists have names in capitals). "Shift" = change of an outcome.
_MID = SCALE / 2
_MOVE_MAX = SCALE + _EDGE  # a side's moves within one exchange sum to at most 100
_HALF_WIDTH = _MID + _EDGE  # a position stays within this distance of the scale's middle
_DOUBLE = struct.Struct("<d").pack  # a float's bits (as for ``_rank``)
_ARRAY_ROWS = 3000  # a round with this many candidates recomputes on arrays (measured break-even)


class _Model:
    """Fixed inputs of a run (weights, denominators) and the round procedure."""

    def __init__(
        self,
        z: FloatArray,
        s: FloatArray,
        c: FloatArray,
        present: NDArray[np.bool_],
        params: ExchangeParams,
        rng: np.random.Generator,
    ) -> None:
        self.s, self.c, self.present, self.p, self.rng = s, c, present, params, rng
        self.cs = c * s
        self.n, self.k = z.shape
        self.w = self.cs.sum(axis=0)
        self.weighed = self.w > 0  # issues with an outcome
        self.w_or_1 = np.where(self.weighed, self.w, 1.0)
        self.trades = self.present & (self.cs > 0)  # who can trade on which issue
        self.ties = 0
        self.pair_p, self.pair_q = np.triu_indices(self.k, 1)  # decide's combinations() order

    def outcome(self, z: FloatArray) -> FloatArray:
        """The NBS of positions z (NaN: no stance), NaN on an issue without weight."""
        num = (self.cs * np.where(np.isnan(z), 0.0, z)).sum(axis=0)
        return np.where(self.weighed, num / self.w_or_1, np.nan)

    def round(self, z: FloatArray, number: int) -> tuple[FloatArray, FloatArray, dict[str, Any]]:
        """One round from start positions z: (voting positions, next start positions, log)."""
        zz = np.where(np.isnan(z), 0.0, z)
        st = _Round(self, zz)
        realized = st.run()
        vote = zz.copy()
        nxt = zz.copy()
        log: dict[str, Any] = {key: [] for key in _LOG_FIELDS}
        if realized:
            r = np.asarray(realized, dtype=np.int64)
            places = np.stack((r, r + st.e), axis=1).ravel()  # per exchange: side 0, then 1
            actors = st.act[places]
            issues = st.sup[places]
            # an exchange listed twice is recomputed after its realisation (as in decide): the
            # voting position is where its final state moves
            ys = np.clip(st.moved_to(places), 0.0, SCALE)
            # the last realised exchange of an actor on an issue sets its position
            cell = actors * self.k + issues
            _, first_rev = np.unique(cell[::-1], return_index=True)
            last = cell.size - 1 - first_rev
            a, q, yl = actors[last], issues[last], ys[last]
            vote[a, q] = yl
            keep = 1.0 - (1.0 - self.s[a, q]) * self.p.salience_weight - self.p.fixed_weight
            nxt[a, q] = keep * zz[a, q] + (1.0 - keep) * yl
            snap = np.array(st.snapshots)
            log = {
                "round": np.full(r.size, number),
                "actor_i": st.act[r],
                "actor_j": st.act[r + st.e],
                "issue_i": st.sup[r],
                "issue_j": st.sup[r + st.e],
                "start_i": snap[:, 0],
                "start_j": snap[:, 1],
                "end_i": snap[:, 2],
                "end_j": snap[:, 3],
                "gain_i": snap[:, 4],
                "gain_j": snap[:, 5],
            }
        vote = np.where(self.present, vote, np.nan)
        nxt = np.where(self.present, nxt, np.nan)
        return vote, nxt, log


class _Round:
    """The candidate exchanges of one round and decide's realisation loop over them.

    The candidates and their first equal-gain computation are vectorised over all rows
    (``_calculate_rows``). The rows a realisation affects are then updated and recomputed
    either one by one on Python floats held in lists (``_realize_lists``, ``_calculate``) or,
    in a round with many candidates, all at once on NumPy arrays (``_realize_arrays``,
    ``_calculate_rows``); see the module docstring. The sort that picks the next exchange is
    the same for both.
    """

    def __init__(self, m: _Model, z: FloatArray) -> None:
        self.m = m
        n, k = self.n, self.k = m.n, m.k
        w, cs, s = m.w, m.cs, m.s
        out = np.where(m.weighed, (cs * z).sum(axis=0) / m.w_or_1, np.nan)
        left = z <= out + _LEFT  # N x K
        # groups on each issue pair (p, q): bit 0 = left on p, bit 1 = left on q
        pp, qq = m.pair_p, m.pair_q
        ok = m.trades[:, pp] & m.trades[:, qq]  # N x pairs
        grp = left[:, pp].astype(np.int8) + 2 * left[:, qq].astype(np.int8)
        # candidates (pair, kind, i, j): kind 0 = group A (0) with D (3), 1 = B (1) with C (2)
        gi = np.stack([grp == 0, grp == 1]) & ok  # kinds x N x pairs
        gj = np.stack([grp == 3, grp == 2]) & ok
        cand = gi.transpose(2, 0, 1)[:, :, :, None] & gj.transpose(2, 0, 1)[:, :, None, :]
        at = np.flatnonzero(cand)  # row-major: decide's creation order
        pair, i, j = at // (2 * n * n), at // n % n, at % n
        p, q = pp[pair], qq[pair]
        # i demands p (supplies q) unless s_ip / s_iq < s_jp / s_jq (then j demands p)
        sf = s.ravel()
        lhs, rhs = sf[i * k + p] * sf[j * k + q], sf[j * k + p] * sf[i * k + q]
        swap = lhs < rhs - 1e-12 * np.maximum(lhs, rhs)
        ai = np.where(swap, j, i)
        aj = np.where(swap, i, j)
        e = self.e = ai.size
        # static per place (side * e + row)
        act = self.act = np.concatenate((ai, aj))  # the side's actor
        sup = self.sup = np.concatenate((q, p))  # the issue it supplies
        dem = np.concatenate((p, q))  # the issue it demands
        oth = np.concatenate((aj, ai))  # the other side's actor
        own = act * k + sup  # cell (actor, supply issue)
        zf = z.ravel()
        self.tgt = zf[oth * k + sup]  # where the side moves to: the other's position there
        invk = self.invk = cs.ravel()[own] / w[sup]  # shift per unit move, c s / W
        ssup, sdem = sf[own], sf[act * k + dem]
        self.nb = out[sup]  # the supply issue's outcome at the start of the round
        x0 = self.x0 = zf[own]  # start position on the supply issue
        # r = (s_Ip + s_Jp) / (s_Iq + s_Jq): the shift of q per unit shift of p that makes the
        # gains equal (decide ``by_exchange_ratio``)
        ratio = (sdem[:e] + ssup[e:]) / (ssup[:e] + sdem[e:])
        # each side's move per unit shift of p: [r K_0, K_1] with K = W / (c s)
        self.move_p = np.concatenate((ratio * (1.0 / invk[:e]), 1.0 / invk[e:]))
        # each side's gain per unit shift of p: [s_Ip - r s_Iq, r s_Jq - s_Jp]
        self.gain_p = np.concatenate((sdem[:e] - ratio * ssup[:e], ratio * sdem[e:] - ssup[e:]))
        # shift of p per unit shift of the side's own supply issue: [1 / r, 1]
        self.own_p = np.concatenate((1.0 / ratio, np.ones(e)))
        # shift of p per unit move of the side: [c s / W / r, c s / W]
        self.p_move = np.concatenate((invk[:e] / ratio, invk[e:]))
        # target - outcome + (c s / W) x0: the static part of check_nbs
        self.a0 = self.tgt - self.nb + invk * x0
        # dynamic per place: current position, move, gain; earlier moves of the side in this
        # exchange (their sum, and the last one: they share its sign; 0: none); shift of the
        # supply issue's outcome by recorded moves of others (decide's "updates"), whether the
        # side's own actor has one recorded, and that shift less the own actor's part
        self.pos = x0.copy()
        self.move, self.side_gain = np.zeros(2 * e), np.zeros(2 * e)
        self.total, self.last = np.zeros(2 * e), np.zeros(2 * e)
        self.off, self.has, self.rel = np.zeros(2 * e), np.zeros(2 * e), np.zeros(2 * e)
        # per row: the sort key (minus the gain, rounded), "valid", "listed and valid"
        self.rank = np.zeros(e, dtype=np.int64)
        self.valid_np = np.ones(e, dtype=bool)
        self.live_np = np.ones(e, dtype=bool)
        self._calculate_rows(None)  # decide's first calculation: all rows, no history yet
        self.twice: set[int] = set()  # rows that were listed twice (some may be no more)
        # decide's per-exchange "updates": the recorded position of an actor on the supply
        # issue of a place whose other side is a given actor, keyed (that actor * K + issue) *
        # N + actor (all listed places under such a key share their record, see _record)
        self.U: dict[int, float] = {}
        self.snapshots: list[tuple[float, ...]] = []
        # Which rows a realised exchange touches, by (actor, issue) key: places whose side
        # supplies the issue (with that actor), places whose *other* side has the actor and
        # demands the issue (their "updates" record the move).
        by_sup, by_dem = _inverted(own, n * k), _inverted(oth * k + sup, n * k)
        # decide's list: how often each row is in it; "valid" and "listed and valid" (as lists
        # or the arrays above)
        self.count: list[int] | IntArray
        self.valid: list[bool] | NDArray[np.bool_]
        self.live: list[bool] | NDArray[np.bool_]
        self.arrays = e >= _ARRAY_ROWS  # recompute on arrays, else on lists
        if self.arrays:
            self.count = np.ones(e, dtype=np.int64)
            self.valid, self.live = self.valid_np, self.live_np
            (sup_at, sup_from), (dem_at, dem_from) = by_sup, by_dem
            self._sup_np = [sup_at[b:f] for b, f in pairwise(sup_from)]
            self._dem_np = [dem_at[b:f] for b, f in pairwise(dem_from)]
        else:
            self._to_lists(out, by_sup, by_dem)

    def _to_lists(self, out: FloatArray, by_sup: _Index, by_dem: _Index) -> None:
        """The state as Python lists (names in capitals), for ``_realize_lists``."""
        e = self.e
        self.count = [1] * e
        self.valid = self.valid_np.tolist()
        self.live = list(self.valid)
        # static per place
        self.TGT: list[float] = self.tgt.tolist()
        self.INVK: list[float] = self.invk.tolist()
        self.OUT: list[float] = out.tolist()  # per issue
        self.X0: list[float] = self.x0.tolist()
        self.MOVE_P: list[float] = self.move_p.tolist()
        self.GAIN_P: list[float] = self.gain_p.tolist()
        self.CAP: list[float] = self.p_move[:e].tolist()  # (p_move of side 1 is invk)
        self.R_INV: list[float] = self.own_p[:e].tolist()  # (own_p of side 1 is 1)
        self.A0: list[float] = self.a0.tolist()
        self.ACT: list[int] = self.act.tolist()
        self.SUP: list[int] = self.sup.tolist()
        # dynamic per place (see __init__)
        self.X = list(self.X0)
        self.M: list[float] = self.move.tolist()
        self.G: list[float] = self.side_gain.tolist()
        zero = [0.0] * (2 * e)
        self.SUM, self.LAST, self.OFF = list(zero), list(zero), list(zero)
        self.HAS, self.REL = list(zero), zero
        # per row: the part of the equal-gain computation before check_nbs (d_0, d_1, m_0,
        # m_1, g_0, g_1, sort key), None until computed (see _calculate)
        self.pre: list[tuple[float, float, float, float, float, float, int] | None] = [None] * e
        (sup_at, sup_from), (dem_at, dem_from) = by_sup, by_dem
        sup_flat, dem_flat = sup_at.tolist(), dem_at.tolist()
        self._sup = [sup_flat[b:f] for b, f in pairwise(sup_from)]
        self._dem = [dem_flat[b:f] for b, f in pairwise(dem_from)]

    def moved_to(self, places: IntArray) -> FloatArray:
        """Where the sides at these places move to (current position + move, unclipped)."""
        if self.arrays:
            return self.pos[places] + self.move[places]
        X, M = self.X, self.M
        return np.array([X[g] + M[g] for g in places.tolist()])

    # -- decide's ModelLoop: realise the highest gain, recompute, repeat ------------------
    def run(self) -> list[int]:
        """Realise exchanges until none is left; returns the realised rows in order and keeps
        a snapshot of each (``self.snapshots``: x_i, x_j, y_i, y_j, g_i, g_j)."""
        realized: list[int] = []
        e = self.e
        if e == 0:
            return realized
        order = np.arange(e)  # decide lists every candidate, valid or not
        count, live, valid, valid_np = self.count, self.live, self.valid, self.valid_np
        realize = self._realize_arrays if self.arrays else self._realize_lists
        pos, move, gains = (
            (self.pos, self.move, self.side_gain) if self.arrays else (self.X, self.M, self.G)
        )  # (NumPy's float64 is a float)
        rng = self.m.rng
        while order.size:
            # decide sorts by gain (stable, highest first) in exact decimal arithmetic; gains
            # that agree to about 12 significant digits count as equal here (``self.rank``)
            rank = self.rank[order]
            sort = rank.argsort(kind="stable")
            order = order[sort]
            top = order.item(0)
            rest = order[1:]
            count[top] -= 1
            if rest.size and rank.item(sort.item(0)) == rank.item(sort.item(1)):
                nxt = order.item(1)
                self.m.ties += 1
                if rng.random() >= 0.5:  # decide: the first goes to the end of the list
                    rest = np.append(rest[1:], top)
                    count[top] += 1
                    count[nxt] -= 1
                    live[nxt] = count[nxt] > 0 and valid[nxt]
                    top = nxt
                else:  # decide appends the second once more (it is then listed twice)
                    rest = np.append(rest, nxt)
                    count[nxt] += 1
                    self.twice.add(nxt)
            live[top] = count[top] > 0 and valid[top]
            if not valid[top]:
                order = rest
                continue
            x0, x1 = pos[top], pos[top + e]
            y0 = min(max(x0 + move[top], 0.0), SCALE)
            y1 = min(max(x1 + move[top + e], 0.0), SCALE)
            self.snapshots.append((x0, x1, y0, y1, gains[top], gains[top + e]))
            realized.append(top)
            realize(top, y0, y1)
            order = rest[valid_np[rest]]
        return realized

    def _record(self, key: int, y: float, start: float) -> tuple[float, float]:
        """decide ``update_updates``: a realised move of an actor (from ``start`` to y) is
        recorded for the exchanges it affects; of two recorded moves the one that went less far
        stays. Every listed place under one key has had the same updates (a place stays listed
        from the start of the round until it drops out), so they share one record. Returns the
        new record and the one before it (``start`` if none)."""
        old = self.U.get(key)
        if old is None:
            new, was = y, start
        else:
            new = (y if y < old else old) if start <= old else (y if y > old else old)
            was = old
        self.U[key] = new
        return new, was

    def _realize_lists(self, r: int, y0: float, y1: float) -> None:
        """decide ``remove_invalid_exchanges``/``recalculate``: update the listed exchanges that
        share an actor and an issue with the realised exchange r and recompute them, once per
        time an exchange is listed (a tie can list an exchange twice; a listed copy of r itself
        is recomputed from r's new positions, as decide does).

        The affected places are found by (actor, issue) key; a row that is no longer listed
        and valid never is again, so its places are dropped from the key's list for good.
        ``_realize_arrays`` is the same on arrays."""
        e, k, n = self.e, self.k, self.n
        f = r + e
        ACT, live = self.ACT, self.live
        a0, a1 = ACT[r], ACT[f]
        q, p = self.SUP[r], self.SUP[f]
        sup, dem = self._sup, self._dem
        # places whose side has the actor and supply issue of r's side 0 / 1: the side starts
        # from where r's side moved to; its earlier move stays on record (decide pushes onto
        # the side's ``moves``)
        sup[a0 * k + q] = s0 = [g for g in sup[a0 * k + q] if live[g % e]]
        sup[a1 * k + p] = s1 = [g for g in sup[a1 * k + p] if live[g % e]]
        # places whose other side has the actor and demand issue of r's side 1 / 0: the move
        # of r's side 0 / 1 is recorded in the place's "updates" (decide compares demand
        # issues)
        dem[a1 * k + q] = d0 = [g for g in dem[a1 * k + q] if live[g % e]]
        dem[a0 * k + p] = d1 = [g for g in dem[a0 * k + p] if live[g % e]]
        rows = {g % e for g in s0 + s1 + d0 + d1}
        if not rows:
            return
        count = self.count
        multi = rows & self.twice
        copies = max([count[x] for x in multi]) if multi else 1
        X, M, SUM, LAST, pre = self.X, self.M, self.SUM, self.LAST, self.pre
        OFF, HAS, REL = self.OFF, self.HAS, self.REL
        # the mover's start position and weight c s / W on the issue it moved on
        x00, x01, w0, w1 = self.X0[r], self.X0[f], self.INVK[r], self.INVK[f]
        copy = 1
        while True:
            for places, y in ((s0, y0), (s1, y1)):
                for g in places:
                    last = LAST[g] = M[g]
                    SUM[g] += last
                    X[g] = y
                    pre[g % e] = None
            for places, actor, y, start, wgt, key in (
                (d0, a0, y0, x00, w0, (a1 * k + q) * n + a0),
                (d1, a1, y1, x01, w1, (a0 * k + p) * n + a1),
            ):
                if not places:
                    continue
                new, was = self._record(key, y, start)
                shift = wgt * (new - was)
                own = wgt * (new - start)
                for g in places:
                    OFF[g] += shift
                    REL[g] += shift
                    if ACT[g] == actor:
                        HAS[g] = 1.0
                        REL[g] = OFF[g] - own
            self._calculate(rows)
            if copy == copies:
                return
            copy += 1  # the rows listed (at least) this often, if still valid, once more
            s0, s1, d0, d1 = (
                [g for g in places if count[g % e] >= copy and live[g % e]]
                for places in (s0, s1, d0, d1)
            )
            rows = {g % e for g in s0 + s1 + d0 + d1}
            if not rows:
                return

    def _realize_arrays(self, r: int, y0: float, y1: float) -> None:
        """``_realize_lists`` on arrays: the same updates, in the same order, each for a whole
        set of places at once (for rounds where a realisation affects hundreds of rows)."""
        e, k, n = self.e, self.k, self.n
        f = r + e
        act, live, count = self.act, self.live_np, self.count
        a0, a1 = act.item(r), act.item(f)
        q, p = self.sup.item(r), self.sup.item(f)
        sup, dem = self._sup_np, self._dem_np
        keys = ((sup, a0 * k + q), (sup, a1 * k + p), (dem, a1 * k + q), (dem, a0 * k + p))
        for index, key in keys:  # drop places no longer listed and valid, for good
            places = index[key]
            index[key] = places[live[places % e]]
        s0, s1, d0, d1 = (index[key] for index, key in keys)
        rows = np.concatenate((s0, s1, d0, d1)) % e  # (a row may come twice: no matter)
        if not rows.size:
            return
        copies = int(count[rows].max()) if self.twice else 1
        pos, move, total, last = self.pos, self.move, self.total, self.last
        off, has, rel = self.off, self.has, self.rel
        x00, x01 = self.x0.item(r), self.x0.item(f)
        w0, w1 = self.invk.item(r), self.invk.item(f)
        copy = 1
        while True:
            for places, y in ((s0, y0), (s1, y1)):
                moved = move[places]
                last[places] = moved
                total[places] += moved
                pos[places] = y
            for places, actor, y, start, wgt, key in (
                (d0, a0, y0, x00, w0, (a1 * k + q) * n + a0),
                (d1, a1, y1, x01, w1, (a0 * k + p) * n + a1),
            ):
                if not places.size:
                    continue
                new, was = self._record(key, y, start)
                shift = wgt * (new - was)
                off[places] += shift
                rel[places] += shift
                mine = places[act[places] == actor]
                has[mine] = 1.0
                rel[mine] = off[mine] - wgt * (new - start)
            self._calculate_rows(rows)
            if copy == copies:
                return
            copy += 1
            s0, s1, d0, d1 = (
                places[(count[places % e] >= copy) & live[places % e]]
                for places in (s0, s1, d0, d1)
            )
            rows = np.concatenate((s0, s1, d0, d1)) % e
            if not rows.size:
                return

    # -- the equal-gain computation (decide EqualGainExchange.calculate) -------------------
    # ``_calculate`` (one row at a time, on Python floats) and ``_calculate_rows`` (many rows
    # at once, on arrays) are twins: the same steps with the same floating-point operations in
    # the same order, so they give the same bits. A change to one must be made to the other.
    def _calculate(self, rows: set[int]) -> None:
        """Recompute rows after a realisation, one by one, with each row's history (earlier
        moves, recorded moves of others). The part before check_nbs only depends on the row's
        positions and earlier moves: it is kept (``self.pre``) until those change."""
        e = self.e
        X, M, G, PRE, SUM, LAST = self.X, self.M, self.G, self.pre, self.SUM, self.LAST
        TGT, CAP, MOVE_P, GAIN_P = self.TGT, self.CAP, self.MOVE_P, self.GAIN_P
        INVK, A0, REL, OUT, SUP, OFF, HAS, X0, R_INV = (
            self.INVK, self.A0, self.REL, self.OUT, self.SUP, self.OFF, self.HAS, self.X0,
            self.R_INV,
        )  # fmt: skip
        valid, live, valid_np, rank = self.valid, self.live, self.valid_np, self.rank
        for r in rows:
            f = r + e
            x0, x1 = X[r], X[f]
            pre = PRE[r]
            if pre is None:
                # side 1 moves fully to side 0's position on p (shift of p: |d_1| c s / W),
                # side 0 follows from equal gain, unless side 0 would pass side 1's position
                # on q (|d_0| c s / W / r): then side 0 moves fully
                d0, d1 = TGT[r] - x0, TGT[f] - x1
                t0, t1 = abs(d0) * CAP[r], abs(d1) * INVK[f]
                dp = t0 if t0 < t1 else t1
                m0, m1 = copysign(MOVE_P[r] * dp, d0), copysign(MOVE_P[f] * dp, d1)
                g0, g1 = GAIN_P[r] * dp, GAIN_P[f] * dp
                gain = abs(g0)
                sum0, sum1, last0, last1 = SUM[r], SUM[f], LAST[r], LAST[f]
                # decide ``is_move_valid``: |m| > 1e-10, the side's moves in this exchange
                # sum to <= 100 and keep one direction; and a gain >= 1e-10
                if not (
                    gain >= _MIN_GAIN
                    and (m0 > _MIN_MOVE or m0 < -_MIN_MOVE)
                    and (m1 > _MIN_MOVE or m1 < -_MIN_MOVE)
                    and sum0 + m0 <= _MOVE_MAX
                    and sum1 + m1 <= _MOVE_MAX
                    and last0 * m0 >= 0.0
                    and last1 * m1 >= 0.0
                ):  # it was valid before; now it leaves the list (its rank no longer matters)
                    M[r], M[f], G[r], G[f] = m0, m1, g0, g1
                    valid[r] = live[r] = valid_np[r] = False
                    continue
                key = _rank_one(gain)
                pre = PRE[r] = (d0, d1, m0, m1, g0, g1, key)
            d0, d1, m0, m1, g0, g1, key = pre
            cut = False
            # decide ``check_nbs``, side 0 then side 1 (the test is _crosses): cut back to
            # the shift that makes the outcome stop at the other side's position, counted
            # from ``adjusted_nbs_by_position`` (the actor's own recorded move first)
            for at, x, scale in ((r, x0, R_INV[r]), (f, x1, 1.0)):
                invk = INVK[at]
                a = A0[at] - REL[at] - invk * x
                b = a - invk * (m0 if at == r else m1)
                if (a < -_EDGE or b < -_EDGE) and (a > _EDGE or b > _EDGE):
                    start = OUT[SUP[at]] + OFF[at] + (1.0 - HAS[at]) * (invk * (x - X0[at]))
                    dp = abs(TGT[at] - start) * scale
                    m0, m1 = copysign(MOVE_P[r] * dp, d0), copysign(MOVE_P[f] * dp, d1)
                    g0, g1 = GAIN_P[r] * dp, GAIN_P[f] * dp
                    gain = abs(g1 if at == r else g0)  # the other side's gain
                    cut = True
            M[r], M[f], G[r], G[f] = m0, m1, g0, g1
            if cut:  # a cut-back move is checked again, now also for staying on the scale
                sum0, sum1, last0, last1 = SUM[r], SUM[f], LAST[r], LAST[f]
                if not (
                    (m0 > _MIN_MOVE or m0 < -_MIN_MOVE)
                    and (m1 > _MIN_MOVE or m1 < -_MIN_MOVE)
                    and sum0 + m0 <= _MOVE_MAX
                    and sum1 + m1 <= _MOVE_MAX
                    and last0 * m0 >= 0.0
                    and last1 * m1 >= 0.0
                    and abs(x0 + m0 - _MID) <= _HALF_WIDTH
                    and abs(x1 + m1 - _MID) <= _HALF_WIDTH
                ):
                    valid[r] = live[r] = valid_np[r] = False
                    continue
                key = _rank_one(gain)
            rank[r] = key

    def _calculate_rows(self, rows: IntArray | None) -> None:
        """``_calculate`` for an array of rows at once (without its cache, which only saves
        work): the recomputation in large rounds, and with ``rows=None`` the first calculation
        of all rows (their places then read and written in place)."""
        e = self.e
        n = e if rows is None else rows.size
        # the rows' places: sides 0, then sides 1
        pl = slice(None) if rows is None else np.concatenate((rows, rows + e))
        x, tgt, invk = self.pos[pl], self.tgt[pl], self.invk[pl]
        total, last = self.total[pl], self.last[pl]
        move_p, gain_p = self.move_p[pl], self.gain_p[pl]
        # side 1 moves fully to side 0's position on p, side 0 follows from equal gain, unless
        # side 0 would pass side 1's position on q: then side 0 moves fully (p_move = [CAP,
        # INVK])
        d = tgt - x
        t = np.abs(d) * self.p_move[pl]
        dp = np.minimum(t[:n], t[n:])
        dp2 = np.concatenate((dp, dp))
        m = np.copysign(move_p * dp2, d)
        g = gain_p * dp2
        gain = np.abs(g[:n])
        ok = _move_ok(m, total, last)
        valid = (gain >= _MIN_GAIN) & ok[:n] & ok[n:]
        # decide ``check_nbs``, side 0 then side 1 (own_p = [R_INV, 1])
        a = self.a0[pl] - self.rel[pl] - invk * x
        cut = np.zeros(2 * n, dtype=bool)
        for side in (0, 1):
            mine = slice(side * n, (side + 1) * n)
            c = np.flatnonzero(valid & _crosses(a[mine], a[mine] - invk[mine] * m[mine]))
            if not c.size:
                continue
            cc = c + side * n
            at = pl[cc] if isinstance(pl, np.ndarray) else cc
            moved = invk[cc] * (x[cc] - self.x0[at])
            start = self.nb[at] + self.off[at] + (1.0 - self.has[at]) * moved
            dpc = np.abs(tgt[cc] - start) * self.own_p[at]
            both = np.concatenate((c, c + n))
            dp2 = np.concatenate((dpc, dpc))
            m[both] = np.copysign(move_p[both] * dp2, d[both])
            g[both] = gain_p[both] * dp2
            gain[c] = np.abs(g[c + (1 - side) * n])  # the other side's gain
            cut[both] = True
        # a cut-back move is checked again, now also for staying on the scale
        ok = _move_ok(m, total, last) & (~cut | (np.abs(x + m - _MID) <= _HALF_WIDTH))
        valid &= ok[:n] & ok[n:]
        self.move[pl] = m
        self.side_gain[pl] = g
        # (the rank of an invalid row is read only by the first sort, before any realisation)
        self.rank[slice(None) if rows is None else rows] = _rank(gain)
        gone = np.flatnonzero(~valid) if rows is None else rows[~valid]
        self.valid_np[gone] = False
        self.live_np[gone] = False


def _move_ok(m: FloatArray, total: FloatArray, last: FloatArray) -> NDArray[np.bool_]:
    """decide ``is_move_valid`` per place: |m| > 1e-10, the side's moves in this exchange sum
    to <= 100 and keep one direction."""
    return (np.abs(m) > _MIN_MOVE) & (total + m <= _MOVE_MAX) & (last * m >= 0.0)


def _rank(gain: FloatArray) -> IntArray:
    """Sort key of gains >= 0: minus the gain rounded to its leading 40 mantissa bits."""
    return -((gain.view(np.int64) + _TIE_HALF) >> _TIE_BITS)


def _rank_one(gain: float) -> int:
    """``_rank`` of one gain (a Python float)."""
    return -((int.from_bytes(_DOUBLE(gain), "little") + _TIE_HALF) >> _TIE_BITS)


def _crosses(a0: FloatArray, a1: FloatArray) -> NDArray[np.bool_]:
    """The target lies strictly between the outcome before (target - a0) and after
    (target - a1). Distances within float noise of zero count as zero, as in decide's
    exact arithmetic: an outcome that already sits at the target does not pass it."""
    return (np.minimum(a0, a1) < -_EDGE) & (np.maximum(a0, a1) > _EDGE)


def _inverted(keys: IntArray, size: int) -> _Index:
    """For each key in range(size), the places (indices into ``keys``) that hold it: as
    ``order[starts[key]:starts[key + 1]]``."""
    small = size <= np.iinfo(np.int16).max  # (NumPy radix-sorts small integers)
    order = np.argsort(keys.astype(np.int16) if small else keys, kind="stable")
    return order, np.searchsorted(keys[order], np.arange(size + 1)).tolist()
