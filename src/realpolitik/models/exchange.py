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
exchange then affects only the few candidates that share an actor and an issue with it (a
median of 9 to 25 on decide's example files, at most about 150); those are updated and
recomputed one by one on Python floats held in plain lists, which costs far less than NumPy
calls on arrays that small. Both
paths take the same floating-point steps, so they give bit-identical numbers. (On very large
inputs, some 30 actors by 15 issues and up, the affected sets grow to hundreds of rows and the
per-row Python cost starts to dominate.) Everything random goes through the generator the
caller seeds.
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
# *place* side * E + r of a flat list of length 2E (E rows; such lists have names in capitals).
# "Shift" = change of an outcome.
_MID = SCALE / 2
_MOVE_MAX = SCALE + _EDGE  # a side's moves within one exchange sum to at most 100
_HALF_WIDTH = _MID + _EDGE  # a position stays within this distance of the scale's middle
_DOUBLE = struct.Struct("<d").pack  # a float's bits (as for ``_rank``)


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
            X, M = st.X, st.M
            ys = np.clip([X[g] + M[g] for g in places.tolist()], 0.0, SCALE)
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
    (``_first_calculation``); the rows a realisation affects are updated and recomputed one by
    one (``_realize``, ``_calculate``, see the module docstring). The sort that picks the next
    exchange stays in NumPy.
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
        # per place (side * e + row)
        act = self.act = np.concatenate((ai, aj))  # the side's actor
        sup = self.sup = np.concatenate((q, p))  # the issue it supplies
        dem = np.concatenate((p, q))  # the issue it demands
        oth = np.concatenate((aj, ai))  # the other side's actor
        own = act * k + sup  # cell (actor, supply issue)
        zf = z.ravel()
        tgt = zf[oth * k + sup]  # where the side moves to: the other's position there
        invk = cs.ravel()[own] / w[sup]  # shift per unit move, c s / W
        ssup, sdem = sf[own], sf[act * k + dem]
        nb = out[sup]  # the supply issue's outcome at the start of the round
        x0 = zf[own]  # start position on the supply issue
        # r = (s_Ip + s_Jp) / (s_Iq + s_Jq): the shift of q per unit shift of p that makes the
        # gains equal (decide ``by_exchange_ratio``)
        ratio = (sdem[:e] + ssup[e:]) / (ssup[:e] + sdem[e:])
        # each side's move per unit shift of p: [r K_0, K_1] with K = W / (c s)
        move_p = np.concatenate((ratio * (1.0 / invk[:e]), 1.0 / invk[e:]))
        # each side's gain per unit shift of p: [s_Ip - r s_Iq, r s_Jq - s_Jp]
        gain_p = np.concatenate((sdem[:e] - ratio * ssup[:e], ratio * sdem[e:] - ssup[e:]))
        # shift of p per unit shift of the side's own supply issue: [1 / r, 1]
        own_p = np.concatenate((1.0 / ratio, np.ones(e)))
        # shift of p per unit move of the side: [c s / W / r, c s / W]
        p_move = np.concatenate((invk[:e] / ratio, invk[e:]))
        a0 = tgt - nb + invk * x0  # target - outcome + (c s / W) x0: static part of check_nbs
        mv, g, gain, valid = _first_calculation(
            tgt, x0, nb, invk, p_move, move_p, gain_p, own_p, a0
        )
        # decide's list: how often each row is in it, whether one is listed twice, the sort
        # key (minus the gain, rounded), and "listed and valid"
        self.count = [1] * e
        self.twice: set[int] = set()  # rows that were listed twice (some may be no more)
        self.rank = _rank(gain)
        self.valid_np = valid
        self.valid: list[bool] = valid.tolist()
        self.live = list(self.valid)
        # static per place
        self.TGT: list[float] = tgt.tolist()
        self.INVK: list[float] = invk.tolist()
        self.OUT: list[float] = out.tolist()  # per issue
        self.X0: list[float] = x0.tolist()
        self.MOVE_P: list[float] = move_p.tolist()
        self.GAIN_P: list[float] = gain_p.tolist()
        self.CAP: list[float] = p_move[:e].tolist()  # (p_move of side 1 is invk)
        self.R_INV: list[float] = own_p[:e].tolist()  # (own_p of side 1 is 1)
        self.A0: list[float] = a0.tolist()
        self.ACT: list[int] = act.tolist()
        self.SUP: list[int] = sup.tolist()
        # dynamic per place: current position, move, gain; earlier moves of the side in this
        # exchange (their sum, and the last one: they share its sign; 0: none); shift of the
        # supply issue's outcome by recorded moves of others (decide's "updates"), whether the
        # side's own actor has one recorded, and that shift less the own actor's part
        self.X = list(self.X0)
        self.M: list[float] = mv.tolist()
        self.G: list[float] = g.tolist()
        zero = [0.0] * (2 * e)
        self.SUM, self.LAST, self.OFF = list(zero), list(zero), list(zero)
        self.HAS, self.REL = list(zero), zero
        # decide's per-exchange "updates": the recorded position of an actor on the supply
        # issue of a place whose other side is a given actor, keyed (that actor * K + issue) *
        # N + actor (all listed places under such a key share their record, see _realize)
        self.U: dict[int, float] = {}
        # per row: the part of the equal-gain computation before check_nbs (d_0, d_1, m_0,
        # m_1, g_0, g_1, sort key), None until computed (see _calculate)
        self.pre: list[tuple[float, float, float, float, float, float, int] | None] = [None] * e
        self.snapshots: list[tuple[float, ...]] = []
        # Which rows a realised exchange touches, by (actor, issue) key: places whose side
        # supplies the issue (with that actor), places whose *other* side has the actor and
        # demands the issue (their "updates" record the move).
        self._sup = _inverted(own, n * k)
        self._dem = _inverted(oth * k + sup, n * k)

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
        X, M, G = self.X, self.M, self.G
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
            x0, x1 = X[top], X[top + e]
            y0 = min(max(x0 + M[top], 0.0), SCALE)
            y1 = min(max(x1 + M[top + e], 0.0), SCALE)
            self.snapshots.append((x0, x1, y0, y1, G[top], G[top + e]))
            realized.append(top)
            self._realize(top, y0, y1)
            order = rest[valid_np[rest]]
        return realized

    def _realize(self, r: int, y0: float, y1: float) -> None:
        """decide ``remove_invalid_exchanges``/``recalculate``: update the listed exchanges that
        share an actor and an issue with the realised exchange r and recompute them, once per
        time an exchange is listed (a tie can list an exchange twice; a listed copy of r itself
        is recomputed from r's new positions, as decide does).

        The affected places are found by (actor, issue) key; a row that is no longer listed
        and valid never is again, so its places are dropped from the key's list for good."""
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
        OFF, HAS, REL, U = self.OFF, self.HAS, self.REL, self.U
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
                # decide ``update_updates``: keep the recorded move that went less far. Every
                # listed place under one key has had the same updates (a place stays listed
                # from the start of the round until it drops out), so they share one record.
                old = U.get(key)
                if old is None:
                    new, was = y, start
                else:
                    new = (y if y < old else old) if start <= old else (y if y > old else old)
                    was = old
                U[key] = new
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

    # -- the equal-gain computation (decide EqualGainExchange.calculate) -------------------
    def _calculate(self, rows: set[int]) -> None:
        """Recompute rows after a realisation, one by one: the steps of
        ``_first_calculation``, in the same floating-point operations, with each row's
        history (earlier moves, recorded moves of others). The part before check_nbs only
        depends on the row's positions and earlier moves: it is kept (``self.pre``) until
        those change."""
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


def _first_calculation(
    tgt: FloatArray,
    x0: FloatArray,
    nb: FloatArray,
    invk: FloatArray,
    p_move: FloatArray,
    move_p: FloatArray,
    gain_p: FloatArray,
    own_p: FloatArray,
    a0: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray, NDArray[np.bool_]]:
    """decide ``EqualGainExchange.calculate`` for fresh exchanges (no earlier moves, no
    updates), all rows at once; per-place inputs of length 2E. Returns the moves and gains
    per place, the exchange's gain and validity per row."""
    e = tgt.size // 2
    d = tgt - x0  # to go
    # side 1 moves fully to side 0's position on p, side 0 follows from equal gain (eq. 4) ...
    # unless side 0 would pass side 1's position on q: then side 0 moves fully
    t = np.abs(d) * p_move
    dp = np.minimum(t[:e], t[e:])
    dp2 = np.concatenate((dp, dp))
    m = np.copysign(move_p * dp2, d)
    g = gain_p * dp2
    gain = np.abs(g[:e])
    # decide ``is_move_valid``: a real move, with the side's moves in this exchange summing to
    # <= 100; staying on [0, 100] is checked after the cut-back below (a move toward the other's
    # position cannot leave the scale; a cut-back one can)
    ok = (np.abs(m) > _MIN_MOVE) & (m <= _MOVE_MAX)
    valid = ok[:e] & ok[e:] & (gain >= _MIN_GAIN)
    # decide ``check_nbs``, side 0 then side 1: where the outcome of a side's supply issue
    # would pass the other side's own position there, cut the exchange back so that the
    # outcome stops at that position (the other side's move follows from equal gain)
    a = a0 - invk * x0
    for side in (0, 1):
        mine = slice(side * e, (side + 1) * e)
        c = np.flatnonzero(_crosses(a[mine], a[mine] - invk[mine] * m[mine]) & valid)
        if not c.size:
            continue
        cc = c + side * e
        dpc = np.abs(tgt[cc] - nb[cc]) * own_p[cc]
        both = np.concatenate((c, c + e))
        dp2 = np.concatenate((dpc, dpc))
        m[both] = np.copysign(move_p[both] * dp2, d[both])
        g[both] = gain_p[both] * dp2
        gain[c] = np.abs(g[c + (1 - side) * e])  # the other side's gain
    ok = (np.abs(m) > _MIN_MOVE) & (m <= _MOVE_MAX) & (np.abs(x0 + m - _MID) <= _HALF_WIDTH)
    return m, g, gain, valid & ok[:e] & ok[e:]


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


def _inverted(keys: IntArray, size: int) -> list[list[int]]:
    """For each key in range(size), the places (indices into ``keys``) that hold it."""
    small = size <= np.iinfo(np.int16).max  # (NumPy radix-sorts small integers)
    order = np.argsort(keys.astype(np.int16) if small else keys, kind="stable")
    starts = np.searchsorted(keys[order], np.arange(size + 1)).tolist()
    flat = order.tolist()
    return [flat[b:e] for b, e in pairwise(starts)]
