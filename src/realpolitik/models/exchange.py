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
_PER_P = 14  # shift of each side's supply issue per unit shift of p: [r, 1] with
# r = (s_Ip + s_Jp) / (s_Iq + s_Jq), which makes the gains equal (decide by_exchange_ratio)
_GAIN_P = 16  # each side's gain per unit shift of p: [s_Ip - r s_Iq, r s_Jq - s_Jp]
_CAP = 18  # largest shift of p side 0 can pay for: its full move's shift of q, over r
_OWN_P = 19  # shift of p per unit shift of a side's own supply issue: [1 / r, 1]
_MOVE_P = 21  # each side's move per unit shift of p: [r K_0, K_1]
_A0 = 23  # target - outcome at the start + (c s / W) x0: the static part of check_nbs
_NSTATIC = 25
# dynamic
_X = 0  # current position on the supply issue
_M = 2  # current move
_G = 4  # each side's gain
_GAIN = 6  # the exchange's gain (decide: |gain| as last computed)
_SUM, _SGN = 7, 9  # earlier moves of the side in this exchange: sum, sign (0: none)
_OFF = 11  # shift of the supply issue's outcome by recorded moves of others ("updates")
_OWN = 13  # part of _OFF due to the side's own actor
_HAS = 15  # 1 when the side's own actor has a recorded move
_REL = 17  # _OFF - _OWN
_NDYN = 19
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
            y = st.D[_X : _X + 2, r] + st.D[_M : _M + 2, r]  # 2 x realised
            actors = st.act[r].ravel()  # per exchange: side 0, then side 1 (decide's order)
            issues = st.sup[r].ravel()
            ys = np.clip(y.T.ravel(), 0.0, SCALE)
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
    """The candidate exchanges of one round and decide's realisation loop over them.

    Per-exchange values are rows of column-major arrays (``S[column, row]``, static within the
    round, ``D[column, row]``, changing): the hot path gathers a few rows and works on
    contiguous 1-d columns.
    """

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
        S = np.empty((_NSTATIC, e))
        S[_TGT] = z[aj, q]
        S[_TGT + 1] = z[ai, p]
        S[_INVK] = cs[ai, q] / w[q]
        S[_INVK + 1] = cs[aj, p] / w[p]
        S[_K : _K + 2] = 1.0 / S[_INVK : _INVK + 2]
        S[_SSUP] = s[ai, q]
        S[_SSUP + 1] = s[aj, p]
        S[_SDEM] = s[ai, p]
        S[_SDEM + 1] = s[aj, q]
        S[_NB] = out[q]
        S[_NB + 1] = out[p]
        S[_X0] = z[ai, q]
        S[_X0 + 1] = z[aj, p]
        ratio = (S[_SDEM] + S[_SSUP + 1]) / (S[_SSUP] + S[_SDEM + 1])
        S[_PER_P] = ratio
        S[_PER_P + 1] = 1.0
        S[_GAIN_P] = S[_SDEM] - ratio * S[_SSUP]
        S[_GAIN_P + 1] = ratio * S[_SDEM + 1] - S[_SSUP + 1]
        S[_CAP] = S[_INVK] / ratio
        S[_OWN_P] = 1.0 / ratio
        S[_OWN_P + 1] = 1.0
        S[_MOVE_P] = ratio * S[_K]
        S[_MOVE_P + 1] = S[_K + 1]
        S[_A0 : _A0 + 2] = (
            S[_TGT : _TGT + 2] - S[_NB : _NB + 2] + S[_INVK : _INVK + 2] * S[_X0 : _X0 + 2]
        )
        self.S = S
        D = np.zeros((_NDYN, e))
        D[_X : _X + 2] = S[_X0 : _X0 + 2]
        self.D = D
        # decide's per-exchange "updates": recorded positions of actors on the exchange's
        # supply issues, U[slot, actor, row] (slot = the side whose supply issue), NaN = none
        self.U = np.full((2, n, e), np.nan)
        self.valid = np.zeros(e, dtype=bool)
        self.z0 = z
        self.snapshots: list[FloatArray] = []
        # Which rows a realised exchange touches, by (actor, issue) key (CSR layout): rows
        # whose side supplies the issue (with that side), rows whose side demands it (with
        # the side of the row that supplies it, whose "updates" record the move).
        self._sup = _inverted(np.concatenate([ai * k + q, aj * k + p]), n * k)
        self._dem = _inverted(np.concatenate([aj * k + q, ai * k + p]), n * k)
        # paired columns as flat views, indexed by side * e + row
        self.X2, self.M2 = D[_X : _X + 2].reshape(-1), D[_M : _M + 2].reshape(-1)
        self.SUM2, self.SGN2 = D[_SUM : _SUM + 2].reshape(-1), D[_SGN : _SGN + 2].reshape(-1)
        self.OFF2, self.OWN2 = D[_OFF : _OFF + 2].reshape(-1), D[_OWN : _OWN + 2].reshape(-1)
        self.HAS2, self.REL2 = D[_HAS : _HAS + 2].reshape(-1), D[_REL : _REL + 2].reshape(-1)
        self.act2 = np.concatenate([ai, aj])  # the actor at side * e + row
        self._mark = np.zeros(e, dtype=bool)
        self.count = np.ones(e, dtype=np.int64)  # decide's list: how often each row is in it
        self.listed_twice = False
        self.rank = np.zeros(e, dtype=np.int64)  # sort key: minus the gain, rounded
        self.live = np.ones(e, dtype=bool)  # listed and valid
        if e:
            self._calculate(np.arange(e))

    # -- the equal-gain computation for a set of rows (decide EqualGainExchange.calculate) --
    def _calculate(self, idx: IntArray) -> None:
        n = idx.size
        S = self.S.take(idx, axis=1)
        D = self.D.take(idx, axis=1)
        d = (S[_TGT : _TGT + 2] - D[_X : _X + 2]).reshape(-1)  # [side 0 | side 1], to go
        dist = np.abs(d)
        # side 1 moves fully to side 0's position on p, side 0 follows from equal gain ...
        # unless side 0 would pass side 1's position on q: then side 0 moves fully
        dp = np.minimum(dist[n:] * S[_INVK + 1], dist[:n] * S[_CAP])
        m = np.copysign((S[_MOVE_P : _MOVE_P + 2] * dp).reshape(-1), d)
        g = (S[_GAIN_P : _GAIN_P + 2] * dp).reshape(-1)
        gain = np.abs(g[:n])
        # (a move toward the other's position cannot leave [0, 100]; only a cut-back can)
        valid = _move_ok(D, m, n, bounds=False) & (gain >= _MIN_GAIN)
        if valid.any():
            self._check_outcome(S, D, d, m, g, gain, valid, n)
        self.D[_M : _GAIN + 1, idx] = np.concatenate((m, g, gain)).reshape(5, n)
        self.valid[idx] = valid
        self.live[idx] = valid
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
        n: int,
    ) -> None:
        """decide ``check_nbs``, side 0 then side 1: where the outcome of a side's supply issue
        would pass the other side's own position there, cut the exchange back so that the
        outcome stops at that position (the other side's move follows from equal gain).
        Updates m, g, gain and valid in place (m and g as [side 0 | side 1])."""
        invk = S[_INVK : _INVK + 2].reshape(-1)
        a0 = S[_A0 : _A0 + 2].reshape(-1) - D[_REL : _REL + 2].reshape(-1)
        a0 -= invk * D[_X : _X + 2].reshape(-1)
        cross = (_crosses(a0, a0 - invk * m).reshape(2, n) & valid).reshape(-1)
        if not cross.any():
            return
        moved = invk * (D[_X : _X + 2] - S[_X0 : _X0 + 2]).reshape(-1)
        rest = (S[_NB : _NB + 2] + D[_OFF : _OFF + 2]).reshape(-1)
        has = D[_HAS : _HAS + 2].reshape(-1)
        for side in (0, 1):
            cut = slice(side * n, (side + 1) * n)
            if side == 1:  # side 0's check may have changed side 1's move
                cross[cut] = _crosses(a0[cut], a0[cut] - invk[cut] * m[cut]) & valid
            c = np.flatnonzero(cross[cut])
            if not c.size:
                continue
            Sc = S[:, c]
            cc = c + side * n
            # decide recomputes from a start where a recorded move of the actor itself takes
            # precedence over its current position (``adjusted_nbs_by_position``)
            start = rest[cc] + (1.0 - has[cc]) * moved[cc]
            dp = np.abs(Sc[_TGT + side] - start) * Sc[_OWN_P + side]
            both = np.concatenate((c, c + n))
            m[both] = np.copysign((Sc[_MOVE_P : _MOVE_P + 2] * dp).reshape(-1), d[both])
            gc = (Sc[_GAIN_P : _GAIN_P + 2] * dp).reshape(-1)
            g[both] = gc
            gain[c] = np.abs(gc[c.size :] if side == 0 else gc[: c.size])  # the other's gain
        valid &= _move_ok(D, m, n)

    # -- decide's ModelLoop: realise the highest gain, recompute, repeat ------------------
    def run(self) -> list[int]:
        """Realise exchanges until none is left; returns the realised rows in order and keeps
        a snapshot of each (``self.snapshots``: x_i, x_j, y_i, y_j, g_i, g_j)."""
        realized: list[int] = []
        if self.e == 0:
            return realized
        order = np.arange(self.e)  # decide lists every candidate, valid or not
        count, live, valid, D = self.count, self.live, self.valid, self.D
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
                    live[nxt] = count[nxt] > 0 and valid[nxt]
                    top = nxt
                else:  # decide appends the second once more (it is then listed twice)
                    rest = np.append(rest, nxt)
                    count[nxt] += 1
                    self.listed_twice = True
            live[top] = count[top] > 0 and valid[top]
            if not valid[top]:
                order = rest
                continue
            col = D[:, top]
            x0, x1 = col[_X], col[_X + 1]
            y0 = min(max(x0 + col[_M], 0.0), SCALE)
            y1 = min(max(x1 + col[_M + 1], 0.0), SCALE)
            self.snapshots.append(np.array((x0, x1, y0, y1, col[_G], col[_G + 1])))
            realized.append(top)
            self._realize(top, float(y0), float(y1))
            order = rest[valid[rest]]
        return realized

    def _realize(self, r: int, y0: float, y1: float) -> None:
        """decide ``remove_invalid_exchanges``/``recalculate``: update the listed exchanges that
        share an actor and an issue with the realised exchange r and recompute them, once per
        time an exchange is listed (a tie can list an exchange twice; a listed copy of r itself
        is recomputed from r's new positions, as decide does)."""
        k, n, e = self.m.k, self.m.n, self.e
        a0, a1 = int(self.act[r, 0]), int(self.act[r, 1])
        q, p = int(self.sup[r, 0]), int(self.sup[r, 1])
        live = self.live
        # rows whose side has the actor and supply issue of r's side 0 / 1: the side starts
        # from where r's side moved to; its earlier move stays on record (decide pushes onto
        # the side's ``moves``)
        fs, s_from = _lookup(self._sup, a0 * k + q, a1 * k + p, live, e)
        # rows whose side has the actor and demand issue of r's side 1 / 0: the move of r's
        # other side (0 / 1) is recorded in the row's "updates" of that issue, i.e. of the
        # row's other side's supply issue (decide compares demand issues)
        fd, mover = _lookup(self._dem, a1 * k + q, a0 * k + p, live, e)
        if not (fs.size or fd.size):
            return
        ys = np.array([y0, y1])
        s_y = ys[s_from]
        d_actor = self.act[r][mover]
        d_issue = self.sup[r][mover]
        d_y = ys[mover]
        start = self.z0[d_actor, d_issue]
        wgt = self.m.cs[d_actor, d_issue] / self.m.w[d_issue]
        own = self.act2[fd] == d_actor
        count = self.count
        copies = 1
        if self.listed_twice:
            cs_, cd_ = count[fs % e], count[fd % e]
            copies = int(max(cs_.max(initial=0), cd_.max(initial=0)))
        U = self.U.reshape(-1)
        X2, M2, SUM2, SGN2 = self.X2, self.M2, self.SUM2, self.SGN2
        OFF2, OWN2, HAS2, REL2 = self.OFF2, self.OWN2, self.HAS2, self.REL2
        mark = self._mark
        for copy in range(1, copies + 1):
            if copy > 1:
                ks = (count[fs % e] >= copy) & live[fs % e]
                kd = (count[fd % e] >= copy) & live[fd % e]
                fs, s_y = fs[ks], s_y[ks]
                fd, d_actor, d_y = fd[kd], d_actor[kd], d_y[kd]
                start, wgt, own = start[kd], wgt[kd], own[kd]
                if not (fs.size or fd.size):
                    break
            if fs.size:
                last = M2[fs]
                SUM2[fs] += last
                SGN2[fs] = np.sign(last)  # a listed row's moves share one sign
                X2[fs] = s_y
                mark[fs % e] = True
            if fd.size:
                fu = d_actor * e + fd + (fd >= e) * ((n - 1) * e)  # U[slot, actor, row]
                old = U[fu]
                unset = np.isnan(old)
                # decide ``update_updates``: keep the recorded move that went less far
                new = np.where(
                    unset, d_y, np.where(start <= old, np.minimum(old, d_y), np.maximum(old, d_y))
                )
                U[fu] = new
                shift = wgt * (new - np.where(unset, start, old))
                OFF2[fd] += shift
                REL2[fd] += shift
                if own.any():
                    fo = fd[own]
                    OWN2[fo] = wgt[own] * (new[own] - start[own])
                    HAS2[fo] = 1.0
                    REL2[fo] = OFF2[fo] - OWN2[fo]
                mark[fd % e] = True
            idx = np.flatnonzero(mark)
            mark[idx] = False
            self._calculate(idx)


def _lookup(
    index: tuple[IntArray, IntArray], key0: int, key1: int, live: NDArray[np.bool_], e: int
) -> tuple[IntArray, IntArray]:
    """Listed rows under two keys of a CSR index: their flat places side * e + row, and which
    key (0 or 1) found them."""
    flat, starts = index
    b0, e0, b1, e1 = starts[key0], starts[key0 + 1], starts[key1], starts[key1 + 1]
    f = np.concatenate((flat[b0:e0], flat[b1:e1]))
    which = np.zeros(f.size, dtype=np.int64)
    which[e0 - b0 :] = 1
    keep = live[f % e]
    return f[keep], which[keep]


def _crosses(a0: FloatArray, a1: FloatArray) -> NDArray[np.bool_]:
    """The target lies strictly between the outcome before (target - a0) and after
    (target - a1). Distances within float noise of zero count as zero, as in decide's
    exact arithmetic: an outcome that already sits at the target does not pass it."""
    return (np.minimum(a0, a1) < -_EDGE) & (np.maximum(a0, a1) > _EDGE)


def _move_ok(D: FloatArray, m: FloatArray, n: int, bounds: bool = True) -> NDArray[np.bool_]:
    """decide ``is_move_valid`` for both sides (m = [side 0 | side 1]): a real move, ending
    on the scale, in the direction of the side's earlier moves in this exchange (a listed
    row's earlier moves share one sign), whose sum stays <= 100."""
    ok = (
        (np.abs(m) > _MIN_MOVE)
        & (D[_SUM : _SUM + 2].reshape(-1) + m <= SCALE + _EDGE)
        & (D[_SGN : _SGN + 2].reshape(-1) * m >= 0)
    )
    if bounds:
        ok &= np.abs(D[_X : _X + 2].reshape(-1) + m - _MID) <= _MID + _EDGE
    return ok[:n] & ok[n:]


def _inverted(keys: IntArray, size: int) -> tuple[IntArray, IntArray]:
    """Places in ``keys`` (= side * e + row) sorted by key, and where each key's block starts
    (CSR layout)."""
    order = np.argsort(keys, kind="stable")
    starts = np.searchsorted(keys[order], np.arange(size + 1))
    return order.astype(np.int64), starts.astype(np.int64)
