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
   the same exchange.
5. The valid exchange with the highest gain is realised first (ties: a fair coin between the
   first two in decide's stably sorted list). Exchanges sharing an actor and an issue with it are
   recomputed from the new positions (decide's ``recalculate``), others keep their values,
   invalid ones are dropped; repeat until no exchange is left.
6. The realised moves give the *voting positions* y; the round's outcome is the NBS of the voting
   positions. Each moved actor's next start position is
   x' = (1 - (1 - s) a - b) x + ((1 - s) a + b) y with a = 0.4 and b = 0.1 (decide's
   ``new_start_position``).

The implementation is vectorised: candidate exchanges are rows of NumPy arrays built for all issue
pairs and actor pairs at once; a realised exchange recomputes the rows it affects in one call.
Everything random goes through the generator the caller seeds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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


# Per-exchange arrays. Side 0 ("I") supplies issue q and demands p, side 1 ("J") supplies p and
# demands q; paired columns hold [side 0, side 1]. "Shift" = change of an issue's outcome.
# static within a round
_TGT = 0  # where each side moves to: the other side's position on its supply issue
_K = 2  # move per unit shift of the supply issue's outcome, W / (c s)
_INVK = 4  # shift per unit move, c s / W
_SSUP = 6  # salience on the supply issue
_SDEM = 8  # salience on the demand issue
_NB = 10  # the supply issue's outcome at the start of the round
_X0 = 12  # start position on the supply issue
_RATIO = 14  # shift of q per shift of p under equal gain, (s_Ip + s_Jp) / (s_Iq + s_Jq)
_INV = 15  # 1 / _RATIO
_RK = 16  # _RATIO * K of side 0
_NSTATIC = 17
# dynamic
_X = 0  # current position on the supply issue
_M = 2  # current move
_SUM, _MIN, _MAX = 4, 6, 8  # earlier moves of the side in this exchange: sum, min, max
_G = 10  # each side's gain
_GAIN = 12  # the exchange's gain (decide: |gain| as last computed)
_OFF = 13  # shift of the supply issue's outcome by recorded moves of others ("updates")
_OWN = 15  # part of _OFF due to the side's own actor
_HAS = 17  # 1 when the side's own actor has a recorded move
_NDYN = 19
_REASONS = np.arange(8)
_SIDE1 = np.array([False, True])
_MID = SCALE / 2


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
        self.trades = self.present & (self.cs > 0)  # who can trade on which issue
        self.ties = 0
        self.pair_p, self.pair_q = np.triu_indices(self.k, 1)  # decide's combinations() order

    def outcome(self, z: FloatArray) -> FloatArray:
        num = (self.cs * np.nan_to_num(z)).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.w > 0, num / np.where(self.w > 0, self.w, 1.0), np.nan)

    def round(self, z: FloatArray, number: int) -> tuple[FloatArray, FloatArray, dict[str, Any]]:
        """One round from start positions z: (voting positions, next start positions, log)."""
        zz = np.nan_to_num(z)
        st = _Round(self, zz)
        realized = st.run()
        vote = zz.copy()
        nxt = zz.copy()
        log: dict[str, Any] = {key: [] for key in _LOG_FIELDS}
        if realized:
            r = np.asarray(realized, dtype=np.int64)
            y = st.D[r, _X : _X + 2] + st.D[r, _M : _M + 2]
            actors = st.act[r].ravel()  # per exchange: side 0, then side 1 (decide's order)
            issues = st.sup[r].ravel()
            ys = np.clip(y.ravel(), 0.0, SCALE)
            # the last realised exchange of an actor on an issue sets its position
            cell = actors * self.k + issues
            _, first_rev = np.unique(cell[::-1], return_index=True)
            last = cell.size - 1 - first_rev
            a, q, yl = actors[last], issues[last], ys[last]
            vote[a, q] = yl
            keep = 1.0 - (1.0 - self.s[a, q]) * self.p.salience_weight - self.p.fixed_weight
            nxt[a, q] = keep * zz[a, q] + (1.0 - keep) * yl
            snap = np.stack(st.snapshots)
            log = {
                "round": np.full(r.size, number),
                "actor_i": st.act[r, 0],
                "actor_j": st.act[r, 1],
                "issue_i": st.sup[r, 0],
                "issue_j": st.sup[r, 1],
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
    """The candidate exchanges of one round and decide's realisation loop over them."""

    def __init__(self, m: _Model, z: FloatArray) -> None:
        self.m = m
        n, k = m.n, m.k
        w, cs, s = m.w, m.cs, m.s
        base = (cs * z).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.where(w > 0, base / np.where(w > 0, w, 1.0), np.nan)
        left = z <= out + _LEFT  # N x K
        # groups on each issue pair (p, q): bit 0 = left on p, bit 1 = left on q
        pp, qq = m.pair_p, m.pair_q
        ok = m.trades[:, pp] & m.trades[:, qq]  # N x pairs
        grp = left[:, pp].astype(np.int8) + 2 * left[:, qq].astype(np.int8)
        # candidates (pair, kind, i, j): kind 0 = group A (0) with D (3), 1 = B (1) with C (2)
        gi = np.stack([grp == 0, grp == 1]) & ok  # kinds x N x pairs
        gj = np.stack([grp == 3, grp == 2]) & ok
        cand = gi.transpose(2, 0, 1)[:, :, :, None] & gj.transpose(2, 0, 1)[:, :, None, :]
        pair, _, i, j = np.nonzero(cand)  # row-major: decide's creation order
        p, q = pp[pair], qq[pair]
        # i demands p (supplies q) unless s_ip / s_iq < s_jp / s_jq (then j demands p)
        lhs, rhs = s[i, p] * s[j, q], s[j, p] * s[i, q]
        swap = lhs < rhs - 1e-12 * np.maximum(lhs, rhs)
        ai = np.where(swap, j, i)
        aj = np.where(swap, i, j)
        e = ai.size
        self.e = e
        self.act = np.stack([ai, aj], axis=1)  # actor of each side
        self.sup = np.stack([q, p], axis=1)  # supply issue of each side
        S = np.empty((e, _NSTATIC))
        S[:, _TGT] = z[aj, q]
        S[:, _TGT + 1] = z[ai, p]
        S[:, _INVK] = cs[ai, q] / w[q]
        S[:, _INVK + 1] = cs[aj, p] / w[p]
        S[:, _K : _K + 2] = 1.0 / S[:, _INVK : _INVK + 2]
        S[:, _SSUP] = s[ai, q]
        S[:, _SSUP + 1] = s[aj, p]
        S[:, _SDEM] = s[ai, p]
        S[:, _SDEM + 1] = s[aj, q]
        S[:, _NB] = out[q]
        S[:, _NB + 1] = out[p]
        S[:, _X0] = z[ai, q]
        S[:, _X0 + 1] = z[aj, p]
        s_p = S[:, _SDEM] + S[:, _SSUP + 1]
        s_q = S[:, _SSUP] + S[:, _SDEM + 1]
        S[:, _RATIO] = s_p / s_q
        S[:, _INV] = s_q / s_p
        S[:, _RK] = S[:, _RATIO] * S[:, _K]
        self.S = S
        D = np.zeros((e, _NDYN))
        D[:, _X : _X + 2] = S[:, _X0 : _X0 + 2]
        D[:, _MIN : _MIN + 2] = np.inf
        D[:, _MAX : _MAX + 2] = -np.inf
        self.D = D
        # decide's per-exchange "updates": recorded positions of actors on the exchange's
        # supply issues (slot = side whose supply issue it is), NaN = none
        self.U = np.full((e, 2, n), np.nan)
        self.valid = np.zeros(e, dtype=bool)
        self.z0 = z
        self.snapshots: list[FloatArray] = []
        # (actor, issue) keys of each side's supply and demand, with inverted indexes
        # inverted indexes of the rows by (actor, issue) keys, in the order of _REASONS
        sup0, sup1 = _inverted(ai * k + q, n * k), _inverted(aj * k + p, n * k)
        dem0, dem1 = _inverted(ai * k + p, n * k), _inverted(aj * k + q, n * k)
        by = (sup0, sup0, sup1, sup1, dem1, dem0, dem1, dem0)
        self._keys = ([b[0] for b in by], [b[1] for b in by])
        self._mark = np.zeros(e, dtype=bool)
        self.count = np.ones(e, dtype=np.int64)  # decide's list: how often each row is in it
        self.listed_twice = False
        self.rank = np.zeros(e, dtype=np.int64)  # sort key: minus the gain, rounded
        if e:
            self._calculate(np.arange(e))

    # -- the equal-gain computation for a set of rows (decide EqualGainExchange.calculate) --
    def _calculate(self, idx: IntArray) -> None:
        S = self.S[idx]
        D = self.D[idx]
        d = S[:, _TGT : _TGT + 2] - D[:, _X : _X + 2]  # signed distance of each side to go
        dist = np.abs(d)
        # side 1 moves fully to side 0's position on p; side 0's move follows from equal gain
        dp_full = dist[:, 1] * S[:, _INVK + 1]
        # ... unless side 0 would pass side 1's position on q: then side 0 moves fully
        over = dp_full * S[:, _RK] > dist[:, 0]
        shift = np.empty_like(dist)  # outcome shifts of the sides' supply issues (q, p)
        shift[:, 0] = np.where(over, dist[:, 0] * S[:, _INVK], dp_full * S[:, _RATIO])
        shift[:, 1] = np.where(over, shift[:, 0] * S[:, _INV], dp_full)
        full = over[:, None] ^ _SIDE1
        m = np.copysign(np.where(full, dist, shift * S[:, _K : _K + 2]), d)
        g = shift[:, ::-1] * S[:, _SDEM : _SDEM + 2] - shift * S[:, _SSUP : _SSUP + 2]
        gain = np.abs(g[:, 0])
        valid = _move_ok(D, m) & (gain >= _MIN_GAIN)
        if valid.any():
            self._check_outcome(S, D, d, m, g, gain, valid)
        D[:, _M : _M + 2] = m
        D[:, _G : _G + 2] = g
        D[:, _GAIN] = gain
        self.D[idx] = D
        self.valid[idx] = valid
        self.rank[idx] = -((gain.view(np.int64) + _TIE_HALF) >> _TIE_BITS)

    @staticmethod
    def _check_outcome(
        S: FloatArray,
        D: FloatArray,
        d: FloatArray,
        m: FloatArray,
        g: FloatArray,
        gain: FloatArray,
        valid: NDArray[np.bool_],
    ) -> None:
        """decide ``check_nbs``, side 0 then side 1: where the outcome of a side's supply issue
        would pass the other side's own position there, cut the exchange back so that the
        outcome stops at that position (the other side's move follows from equal gain).
        Updates m, g, gain and valid in place."""
        invk = S[:, _INVK : _INVK + 2]
        moved = invk * (D[:, _X : _X + 2] - S[:, _X0 : _X0 + 2])
        rest = S[:, _NB : _NB + 2] + D[:, _OFF : _OFF + 2]
        a0 = S[:, _TGT : _TGT + 2] - (rest - D[:, _OWN : _OWN + 2] + moved)
        a1 = a0 - invk * m
        cross = _crosses(a0, a1) & valid[:, None]
        if not cross.any():
            return
        for side in (0, 1):
            if side == 1:  # side 0's check may have changed side 1's move
                a1[:, 1] = a0[:, 1] - invk[:, 1] * m[:, 1]
                cross[:, 1] = _crosses(a0[:, 1], a1[:, 1]) & valid
            c = np.flatnonzero(cross[:, side])
            if not c.size:
                continue
            Sc = S[c]
            # decide recomputes from a start where a recorded move of the actor itself takes
            # precedence over its current position (``adjusted_nbs_by_position``)
            has = D[c, _HAS + side]
            start = rest[c, side] + (1.0 - has) * moved[c, side]
            own = np.abs(Sc[:, _TGT + side] - start)
            shift = np.empty((c.size, 2))
            shift[:, side] = own
            shift[:, 1 - side] = own * (Sc[:, _INV] if side == 0 else Sc[:, _RATIO])
            m[c] = np.copysign(shift * Sc[:, _K : _K + 2], d[c])
            gc = shift[:, ::-1] * Sc[:, _SDEM : _SDEM + 2] - shift * Sc[:, _SSUP : _SSUP + 2]
            g[c] = gc
            gain[c] = np.abs(gc[:, 1 - side])  # decide keeps the other side's gain
        valid &= _move_ok(D, m)

    # -- decide's ModelLoop: realise the highest gain, recompute, repeat ------------------
    def run(self) -> list[int]:
        """Realise exchanges until none is left; returns the realised rows in order and keeps
        a snapshot of each (``self.snapshots``: x_i, x_j, y_i, y_j, g_i, g_j)."""
        realized: list[int] = []
        if self.e == 0:
            return realized
        order = np.arange(self.e)
        count = self.count
        rng = self.m.rng
        while order.size:
            # decide sorts by gain (stable, highest first) in exact decimal arithmetic; gains
            # that agree to about 12 significant digits count as equal here (``self.rank``)
            rank = self.rank[order]
            sort = np.argsort(rank, kind="stable")
            order = order[sort]
            top = int(order[0])
            rest = order[1:]
            count[top] -= 1
            if rest.size and rank[sort[0]] == rank[sort[1]]:
                nxt = int(rest[0])
                self.m.ties += 1
                if rng.random() >= 0.5:  # decide: the first goes to the end of the list
                    rest = np.append(rest[1:], top)
                    count[top] += 1
                    count[nxt] -= 1
                    top = nxt
                else:  # decide appends the second once more (it is then listed twice)
                    rest = np.append(rest, nxt)
                    count[nxt] += 1
                    self.listed_twice = True
            if not self.valid[top]:
                order = rest
                continue
            row = self.D[top]
            x = row[_X : _X + 2]
            y = np.clip(x + row[_M : _M + 2], 0.0, SCALE)
            self.snapshots.append(np.concatenate([x, y, row[_G : _G + 2]]))
            realized.append(top)
            self._realize(top, y)
            order = rest[self.valid[rest]]
        return realized

    def _realize(self, r: int, y: FloatArray) -> None:
        """decide ``remove_invalid_exchanges``/``recalculate``: update the listed exchanges that
        share an actor and an issue with the realised exchange r and recompute them, once per
        time an exchange is listed (a tie can list an exchange twice; a listed copy of r itself
        is recomputed from r's new positions, as decide does)."""
        count = self.count  # how often each row is listed (valid rows only count)
        k, n = self.m.k, self.m.n
        a0, a1 = int(self.act[r, 0]), int(self.act[r, 1])
        q, p = int(self.sup[r, 0]), int(self.sup[r, 1])
        # Events, one per (row, reason). Reasons 0-3: the row's side (reason >> 1) has the
        # actor and supply issue of r's side (reason & 1): it starts from where that one moved,
        # and its earlier move stays on record (decide pushes onto the side's ``moves``).
        # Reasons 4-7: the row's other side has the actor and demand issue of r's other side
        # (decide compares demand issues): the move of r's side ((reason - 4) >> 1) is recorded
        # in the row's "updates" of the issue the row's side ((reason - 4) & 1) supplies.
        ko, st = self._keys
        keys = (a0 * k + q, a1 * k + p, a0 * k + q, a1 * k + p,  # supply of r's side 0 / 1
                a1 * k + q, a1 * k + q, a0 * k + p, a0 * k + p)  # demand of r's other side
        parts = [ko[t][st[t][key] : st[t][key + 1]] for t, key in enumerate(keys)]
        sizes = [x.size for x in parts]
        h = np.concatenate(parts)
        reason = np.repeat(_REASONS, sizes)
        keep = (count[h] > 0) & self.valid[h]
        h, reason = h[keep], reason[keep]
        if not h.size:
            return
        copies = int(count[h].max()) if self.listed_twice else 1
        ys = np.array([y[0], y[1]])
        sup = reason < 4
        hs, rs = h[sup], reason[sup]
        s_side, s_y = rs >> 1, ys[rs & 1]
        hd, rd = h[~sup], reason[~sup] - 4
        d_side = rd & 1  # the row's side whose supply issue r's mover moved on
        mover = rd >> 1  # which side of r moved there
        d_actor = self.act[r][mover]
        d_issue = self.sup[r][mover]
        d_y = ys[mover]
        start = self.z0[d_actor, d_issue]
        wgt = self.m.cs[d_actor, d_issue] / self.m.w[d_issue]
        own = self.act[hd, d_side] == d_actor
        D, U = self.D.reshape(-1), self.U.reshape(-1)
        mark = self._mark
        for copy in range(1, copies + 1):
            if copy > 1:
                ks = (count[hs] >= copy) & self.valid[hs]
                kd = (count[hd] >= copy) & self.valid[hd]
                hs, s_side, s_y = hs[ks], s_side[ks], s_y[ks]
                hd, d_side, d_actor, d_y = hd[kd], d_side[kd], d_actor[kd], d_y[kd]
                start, wgt, own = start[kd], wgt[kd], own[kd]
                if not (hs.size or hd.size):
                    break
            f = hs * _NDYN + s_side
            last = D[f + _M]
            D[f + _SUM] += last
            D[f + _MIN] = np.minimum(D[f + _MIN], last)
            D[f + _MAX] = np.maximum(D[f + _MAX], last)
            D[f + _X] = s_y
            fu = (hd * 2 + d_side) * n + d_actor
            old = U[fu]
            unset = np.isnan(old)
            # decide ``update_updates``: keep the recorded move that went less far
            new = np.where(
                unset, d_y, np.where(start <= old, np.minimum(old, d_y), np.maximum(old, d_y))
            )
            U[fu] = new
            fd = hd * _NDYN + d_side
            D[fd + _OFF] += wgt * (new - np.where(unset, start, old))
            if own.any():
                D[fd[own] + _OWN] = wgt[own] * (new[own] - start[own])
                D[fd[own] + _HAS] = 1.0
            mark[hs] = True
            mark[hd] = True
            idx = np.flatnonzero(mark)
            mark[idx] = False
            self._calculate(idx)


def _crosses(a0: FloatArray, a1: FloatArray) -> NDArray[np.bool_]:
    """The target lies strictly between the outcome before (target - a0) and after
    (target - a1). Distances within float noise of zero count as zero, as in decide's
    exact arithmetic: an outcome that already sits at the target does not pass it."""
    return ((a0 > _EDGE) & (a1 < -_EDGE)) | ((a0 < -_EDGE) & (a1 > _EDGE))


def _move_ok(D: FloatArray, m: FloatArray) -> NDArray[np.bool_]:
    """decide ``is_move_valid`` for both sides: a real move, ending on the scale, and in the
    direction of the side's earlier moves in this exchange (whose sum stays <= 100)."""
    y = D[:, _X : _X + 2] + m
    before_max, before_min = D[:, _MAX : _MAX + 2], D[:, _MIN : _MIN + 2]
    one_way = (np.maximum(before_max, m) < 0) | (np.minimum(before_min, m) > 0)
    ok = (
        (np.abs(m) > _MIN_MOVE)
        & (np.abs(y - _MID) <= _MID + _EDGE)
        & (D[:, _SUM : _SUM + 2] + m <= SCALE)
        & one_way
    )
    return ok[:, 0] & ok[:, 1]


def _inverted(keys: IntArray, size: int) -> tuple[IntArray, IntArray]:
    """Rows sorted by key and the start of each key's block (CSR layout)."""
    order = np.argsort(keys, kind="stable")
    starts = np.searchsorted(keys[order], np.arange(size + 1))
    return order.astype(np.int64), starts.astype(np.int64)
