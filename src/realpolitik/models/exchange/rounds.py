"""One round of the equal-gain model: the candidate exchanges and decide's realisation loop.

A round's state is held once, per *place*: row r is a candidate exchange, its side 0 sits at
place r and its side 1 at place r + E (E rows). ``_Round`` holds the per-place values in NumPy
arrays and recomputes the rows a realisation touches all at once (``_calculate``, written for
arrays and floats alike with the helpers of ``equal_gain``). ``_ListRound``, for rounds with
fewer than ``ARRAY_ROWS`` candidates, holds the same values in Python lists: on the few rows a
realisation touches there (a median of 9 to 25 on decide's files) NumPy calls cost more than
the arithmetic. Its override recomputes row by row with the same helpers, stops a row as soon
as it is invalid, keeps the part before ``check_nbs`` until the row's positions change, and
writes ``check_nbs``'s test out for the two sides (the rare cut-back is ``_ListRound._cut``);
the bookkeeping of a realisation (``_realize``) is shared, the override only says how to walk
a set of places. Both give the same bits (tests force each path, and run the shared
``_Round._calculate`` on the list state).

Several runs of the model (the draws of ``simulate``) can go through a round together: their
candidates form one table (run by run, so run d holds rows [b, f)), set up and first computed
with one set of array operations; each run then realises its exchanges on a view of the table
(``_Round.view``: its rows, its own random generator and records; its index keys are cells of
its own actors, so runs never touch each other's places). A single run is a table of one.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from numpy.typing import NDArray

from realpolitik.models.exchange.equal_gain import (
    MIN_GAIN,
    SCALAR,
    SCALE,
    VECTOR,
    Ops,
    crosses,
    cut_back,
    equal_gain,
    on_scale,
)

if TYPE_CHECKING:
    from realpolitik.models.exchange.model import _Model

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

ARRAY_ROWS = 3000
"""A round with this many candidates or more recomputes on arrays (measured break-even)."""
_LEFT = 1e-9  # float slack for "x <= outcome"


def new_rounds(m: _Model, z: FloatArray) -> list[_Round]:
    """The rounds of the model's D runs from their start positions z (D x N x K, no NaN), set up
    together: one table of all their candidate exchanges (run by run, each in decide's order),
    on arrays or, when every run has fewer than ``ARRAY_ROWS`` candidates, on lists; and one
    view of the table per run, which realises that run's exchanges (``_Round.view``)."""
    out = m.outcome(z)
    run, ai, aj, p, q = candidates(m, z, out)
    starts = np.searchsorted(run, np.arange(m.runs + 1)).tolist()
    small = max(f - b for b, f in pairwise(starts)) < ARRAY_ROWS
    table = (_ListRound if small else _Round)(m, z, out, run, ai, aj, p, q)
    return [table.view(d, b, f) for d, (b, f) in enumerate(pairwise(starts))]


def candidates(
    m: _Model, z: FloatArray, out: FloatArray
) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray]:
    """decide's candidate exchanges in creation order, run by run: for every pair of issues
    (p, q) in input order, every actor left on neither issue with every actor left on both,
    then every actor left on p only with every actor left on q only (groups A-D, B-C; *left*
    of k: x_k <= O_k, the outcomes ``out``, D x K).
    Returns (run, i, j, p, q): i demands p and supplies q, j the reverse (i has the larger
    s_p / s_q)."""
    left = (z <= out[:, None, :] + _LEFT).view(np.int8)  # D x N x K
    pp, qq = m.pair_p, m.pair_q
    grp = left[:, :, pp] + 2 * left[:, :, qq]  # D x N x pairs; bit 0: left on p, 1: on q
    # candidates (run, pair, kind, i, j): kind 0 = group A (0) with D (3), 1 = B (1) with C (2)
    gi = ((grp == _GROUP_I) & m.pair_trades).transpose(1, 3, 0, 2)  # D x pairs x kinds x N
    gj = ((grp == _GROUP_J) & m.pair_trades).transpose(1, 3, 0, 2)
    cand = gi[..., :, None] & gj[..., None, :]  # (row-major: decide's creation order)
    run, pair, _, i, j = np.unravel_index(cand.ravel().nonzero()[0], cand.shape)
    p, q = pp[pair], qq[pair]
    s = m.s
    lhs, rhs = s[run, i, p] * s[run, j, q], s[run, j, p] * s[run, i, q]
    swap = lhs < rhs - 1e-12 * np.maximum(lhs, rhs)
    return cast(
        tuple[IntArray, IntArray, IntArray, IntArray, IntArray],
        (run, np.where(swap, j, i), np.where(swap, i, j), p, q),
    )


_GROUP_I = np.array([0, 1], dtype=np.int8).reshape(2, 1, 1, 1)  # per kind: i's group, j's
_GROUP_J = np.array([3, 2], dtype=np.int8).reshape(2, 1, 1, 1)


class _Round:
    """The candidates of a round, their state (per place, in arrays) and decide's loop.

    One object holds the table of the candidates of every run of the model (rows run by run);
    ``view`` gives each run its own object over its rows [b, f) of the shared table, with its
    own random generator, records and index (the per-place state of different runs never
    mixes: a run only reaches its own rows)."""

    xp: Ops = VECTOR

    def __init__(
        self,
        m: _Model,
        z: FloatArray,
        out: FloatArray,
        run: IntArray,
        ai: IntArray,
        aj: IntArray,
        p: IntArray,
        q: IntArray,
    ) -> None:
        """The rounds of every run from start positions z (D x N x K) with outcomes ``out``
        (D x K) and candidates (run, i, j, p, q) (see ``candidates``)."""
        self.m = m
        n, k = self.n, self.k = m.n, m.k
        e = self.e = ai.size
        # static per place
        act = self.act = np.concatenate((ai, aj))  # the side's actor
        sup = self.sup = np.concatenate((q, p))  # the issue it supplies
        dem = np.concatenate((p, q))  # the issue it demands
        runs = np.concatenate((run, run))
        mover = runs * n + act  # the side's actor and the other's, as rows of D x N x K
        other = runs * n + np.concatenate((aj, ai))
        own = mover * k + sup  # cell (actor, supply issue)
        issue = runs * k + sup  # cell (run, supply issue)
        zf, sf = z.ravel(), m.s.ravel()
        self.tgt: Any = zf[other * k + sup]  # where the side moves to: the other's position
        invk = self.invk = m.cs.ravel()[own] / m.w.ravel()[issue]  # per unit move, c s / W
        ssup, sdem = sf[own], sf[mover * k + dem]
        self.nb: Any = out.ravel()[issue]  # the supply issue's outcome at the round's start
        self.x0: Any = zf[own]  # start position on the supply issue
        # r = (s_Ip + s_Jp) / (s_Iq + s_Jq): the shift of q per unit shift of p that makes the
        # gains equal (decide ``by_exchange_ratio``)
        ratio = (sdem[:e] + ssup[e:]) / (ssup[:e] + sdem[e:])
        # each side's move per unit shift of p: [r K_0, K_1] with K = W / (c s)
        self.move_p: Any = np.concatenate((ratio * (1.0 / invk[:e]), 1.0 / invk[e:]))
        # each side's gain per unit shift of p: [s_Ip - r s_Iq, r s_Jq - s_Jp]
        gain_p = np.concatenate((sdem[:e] - ratio * ssup[:e], ratio * sdem[e:] - ssup[e:]))
        self.gain_p: Any = gain_p
        # shift of p per unit shift of the side's own supply issue: [1 / r, 1]
        self.own_p: Any = np.concatenate((1.0 / ratio, np.ones(e)))
        # shift of p per unit move of the side: [c s / W / r, c s / W]
        self.p_move: Any = np.concatenate((invk[:e] / ratio, invk[e:]))
        # target - outcome + (c s / W) x0: the static part of check_nbs
        self.a0: Any = self.tgt - self.nb + invk * self.x0
        # dynamic per place: current position, move, gain; earlier moves of the side in this
        # exchange (their sum, and the last one: they share its sign; 0: none); shift of the
        # supply issue's outcome by recorded moves of others (decide's "updates"), whether the
        # side's own actor has one recorded, and that shift less the own actor's part
        self.pos: Any = self.x0.copy()
        state: Any = np.zeros((7, 2 * e))  # (rows of one block)
        self.move, self.side_gain, self.total, self.last, self.off, self.has, self.rel = state
        # per row: the sort key (minus the gain, rounded: ``rank``), "valid", how often
        # decide's list holds it, "listed and valid"
        self.rank = np.zeros(e, dtype=np.int64)
        self.valid = np.ones(e, dtype=bool)
        self.count: Any = np.ones(e, dtype=np.int64)
        self.live: Any = np.ones(e, dtype=bool)
        # decide's first calculation: all rows of all runs, on arrays, no history yet (and
        # which rows check_nbs cut back: None if none)
        self.first_cut: Any = _Round._calculate(self, VECTOR, (slice(0, e),))
        # which places a realised exchange touches, by (actor, issue) key: places whose side
        # supplies the issue (with that actor); places whose *other* side has the actor and
        # demands the issue (their "updates" record the move); keys per run, N * K each
        self.by_sup = self._index(own, m.runs * n * k)  # (shared: a run has its own keys)
        self.by_dem = self._index(other * k + sup, m.runs * n * k)
        self.actors, self.issues = act, sup  # (arrays, also where the list path keeps lists)
        # a run's own: its rows [b, f), its random generator, the ties it broke, decide's
        # per-exchange "updates" (the recorded position of an actor on the supply issue of a
        # place whose other side is a given actor, keyed (that actor * K + issue) * N + actor;
        # all listed places under such a key share their record, see _record), the rows that
        # were listed twice (some may be no more) and a snapshot of each realised exchange
        self.b, self.f, self.first = 0, e, 0
        self.rng = m.rngs[0]
        self.ties = 0
        self.updates: dict[int, float] = {}
        self.twice: set[int] = set()
        self.snapshots: list[tuple[float, ...]] = []

    def view(self, d: int, b: int, f: int) -> _Round:
        """Run d's round: its rows [b, f) of this table (shared), its own records."""
        if self.m.runs == 1:
            return self  # (the table is run 0's round)
        v = copy.copy(self)
        v.b, v.f, v.first, v.rng = b, f, d * self.n, self.m.rngs[d]
        v.updates, v.twice, v.snapshots = {}, set(), []
        return v

    # -- how to find and walk places: overridden by _ListRound ------------------------------
    def _index(self, keys: IntArray, size: int) -> list[Any]:
        """For each key in range(size), the places that hold it (in place order)."""
        order, starts = _inverted(keys, size)
        return [order[b:f] for b, f in pairwise(starts)]

    def _listed(self, groups: Sequence[Any], copy: int = 1) -> tuple[list[Any], Any, int]:
        """Of each group of places, those whose row is listed (at least ``copy`` times) and
        valid; the rows of them all, as batches for ``_calculate`` (a row may come twice: no
        matter); and the most times one of those rows is listed."""
        e, live, count = self.e, self.live, self.count
        kept = []
        for places in groups:
            rows = places % e
            keep = live[rows] if copy == 1 else live[rows] & (count[rows] >= copy)
            kept.append(places[keep])
        rows = np.concatenate(kept) % e
        if not rows.size:
            return kept, (), 1
        return kept, (rows,), int(count[rows].max()) if self.twice else 1

    def moved_to(self, places: IntArray) -> FloatArray:
        """Where the sides at these places move to (current position + move, unclipped)."""
        pos, move = self.pos, self.move
        return np.array([pos[g] + move[g] for g in places.tolist()], dtype=float)

    # -- decide's ModelLoop: realise the highest gain, recompute, repeat ------------------
    def run(self) -> list[int]:
        """Realise exchanges until none is left; returns the realised rows in order and keeps
        a snapshot of each (``self.snapshots``: x_i, x_j, y_i, y_j, g_i, g_j)."""
        realized: list[int] = []
        e = self.e
        order = np.arange(self.b, self.f)  # decide lists every candidate, valid or not
        count, live, valid, rank = self.count, self.live, self.valid, self.rank
        pos, move, gains = self.pos, self.move, self.side_gain
        rng = self.rng
        while order.size:
            # decide sorts by gain (stable, highest first) in exact decimal arithmetic; gains
            # that agree to about 12 significant digits count as equal here (``self.rank``)
            order = order[rank[order].argsort(kind="stable")]
            top = order.item(0)
            rest = order[1:]
            count[top] -= 1
            if rest.size and rank.item(top) == rank.item(nxt := order.item(1)):
                self.ties += 1
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
            ok = valid.item(top)
            live[top] = count[top] > 0 and ok
            if not ok:
                order = rest
                continue
            x0, x1 = pos[top], pos[top + e]
            y0, y1 = x0 + move[top], x1 + move[top + e]  # (clipped to the scale)
            y0 = 0.0 if y0 < 0.0 else SCALE if y0 > SCALE else y0
            y1 = 0.0 if y1 < 0.0 else SCALE if y1 > SCALE else y1
            self.snapshots.append((x0, x1, y0, y1, gains[top], gains[top + e]))
            realized.append(top)
            self._realize(top, y0, y1)
            order = rest[valid[rest]]
        return realized

    def _record(self, key: int, y: float, start: float) -> tuple[float, float]:
        """decide ``update_updates``: a realised move of an actor (from ``start`` to y) is
        recorded for the exchanges it affects; of two recorded moves the one that went less far
        stays. Every listed place under one key has had the same updates (a place stays listed
        from the start of the round until it drops out), so they share one record. Returns the
        new record and the one before it (``start`` if none)."""
        old = self.updates.get(key)
        if old is None:
            new, was = y, start
        else:
            new = (y if y < old else old) if start <= old else (y if y > old else old)
            was = old
        self.updates[key] = new
        return new, was

    def _realize(self, r: int, y0: float, y1: float) -> None:
        """decide ``remove_invalid_exchanges``/``recalculate``: update the listed exchanges that
        share an actor and an issue with the realised exchange r and recompute them, once per
        time an exchange is listed (a tie can list an exchange twice; a listed copy of r itself
        is recomputed from r's new positions, as decide does).

        The affected places are found by (actor, issue) key; a row that is no longer listed
        and valid never is again, so its places are dropped from the key's list for good."""
        e, k, n = self.e, self.k, self.n
        f = r + e
        act, sup_of = self.act, self.sup
        a0, a1, q, p = int(act[r]), int(act[f]), int(sup_of[r]), int(sup_of[f])
        sup, dem = self.by_sup, self.by_dem
        # places whose side has the actor and supply issue of r's side 0 / 1 (s0, s1): the side
        # starts from where r's side moved to; its earlier move stays on record (decide pushes
        # onto the side's ``moves``). Places whose other side has the actor and demand issue of
        # r's side 1 / 0 (d0, d1): the move of r's side 0 / 1 is recorded in the place's
        # "updates" (decide compares demand issues)
        first = self.first  # (keys of the index: cells of the run's actors)
        ks0, ks1 = (first + a0) * k + q, (first + a1) * k + p
        kd0, kd1 = (first + a1) * k + q, (first + a0) * k + p
        groups, rows, copies = self._listed((sup[ks0], sup[ks1], dem[kd0], dem[kd1]))
        s0, s1, d0, d1 = sup[ks0], sup[ks1], dem[kd0], dem[kd1] = groups
        if not rows:
            return
        start0, start1 = self.x0.item(r), self.x0.item(f)
        w0, w1 = float(self.invk[r]), float(self.invk[f])  # c s / W of each mover
        copy = 1
        while True:
            self._moved(((s0, y0), (s1, y1)))
            for places, actor, y, start, wgt, key in (
                (d0, a0, y0, start0, w0, kd0 * n + a0),
                (d1, a1, y1, start1, w1, kd1 * n + a1),
            ):
                if len(places):
                    new, was = self._record(key, y, start)
                    self._shifted(places, actor, wgt * (new - was), wgt * (new - start))
            self._calculate(self.xp, rows)
            if copy == copies:
                return
            copy += 1  # the rows listed (at least) this often, if still valid, once more
            (s0, s1, d0, d1), rows, _ = self._listed((s0, s1, d0, d1), copy)
            if not rows:
                return

    def _moved(self, moves: Sequence[tuple[Any, float]]) -> None:
        """The sides at these places start from y (per group of places: (places, y)); their
        move so far goes on record."""
        pos, move, total, last = self.pos, self.move, self.total, self.last
        for places, y in moves:  # (all of a group at once)
            moved = move[places]
            last[places] = moved
            total[places] += moved
            pos[places] = y

    def _shifted(self, places: Any, actor: int, shift: float, own: float) -> None:
        """A recorded move shifts these places' view of their supply issue's outcome by
        ``shift`` (``own``: the part of it from the place's own actor, now on record)."""
        off, has, rel = self.off, self.has, self.rel
        off[places] += shift
        rel[places] += shift
        mine = places[self.act[places] == actor]  # (the places whose side has the actor)
        has[mine] = 1.0
        rel[mine] = off[mine] - own

    def _calculate(self, xp: Ops, batches: Iterable[Any]) -> Any:
        """decide ``EqualGainExchange.calculate`` with ``check_nbs``, for each batch of rows
        (an index array, a slice of all rows, or one row): moves, gains and validity. Returns
        which rows of the last batch ``check_nbs`` cut back (None if none)."""
        e = self.e
        pos, tgt, p_move, move_p, gain_p = self.pos, self.tgt, self.p_move, self.move_p, self.gain_p
        total, last, a0, rel, invk = self.total, self.last, self.a0, self.rel, self.invk
        nb, off, has, x0, own_p = self.nb, self.off, self.has, self.x0, self.own_p
        move, side_gain, rank, valid, live = (
            self.move, self.side_gain, self.rank, self.valid, self.live,
        )  # fmt: skip
        copysign, where, any_, not_, rank_of = xp
        cut: Any = None
        for r in batches:
            f = slice(e, 2 * e) if isinstance(r, slice) else r + e  # (all rows: as views)
            x_0, x_1 = pos[r], pos[f]
            d0, d1 = tgt[r] - x_0, tgt[f] - x_1
            unit = (move_p[r], move_p[f], gain_p[r], gain_p[f])
            history = (total[r], total[f], last[r], last[f])
            # side 1 moves fully to side 0's position on p (shift of p: |d_1| c s / W), side 0
            # follows from equal gain, unless side 0 would pass side 1's position on q
            # (|d_0| c s / W / r): then side 0 moves fully
            t0, t1 = abs(d0) * p_move[r], abs(d1) * p_move[f]
            dp = where(t0 < t1, t0, t1)
            m0, m1, g0, g1, moves = equal_gain(copysign, dp, d0, d1, *unit, *history)
            gain = abs(g0)
            ok = (gain >= MIN_GAIN) & moves
            # decide ``check_nbs``, side 0 then side 1: a move that would carry the outcome of
            # the side's supply issue past the other side's position (the demander's) is cut
            # back so that the outcome stops there, counted from ``adjusted_nbs_by_position``
            # (the actor's own recorded move first); a = target - outcome before the move
            cut = None
            for at in (r, f) if any_(ok) else ():  # (an invalid exchange is not checked)
                x, m = (x_1, m1) if at is f else (x_0, m0)
                a = a0[at] - rel[at] - invk[at] * x
                crossing = ok & crosses(a, a - invk[at] * m)
                if not any_(crossing):
                    continue
                start = nb[at] + off[at] + (1.0 - has[at]) * (invk[at] * (x - x0[at]))
                dp = where(crossing, cut_back(tgt[at], start, own_p[at]), dp)
                m0, m1, g0, g1, moves = equal_gain(copysign, dp, d0, d1, *unit, *history)
                gain = where(crossing, abs(g0 if at is f else g1), gain)  # the other's gain
                cut = crossing if cut is None else cut | crossing
            if cut is not None:  # a cut-back move is checked again, also for the scale
                ok = ok & moves & (on_scale(x_0, m0) & on_scale(x_1, m1) | not_(cut))
            move[r], move[f], side_gain[r], side_gain[f] = m0, m1, g0, g1
            # (a recomputed row was listed and valid; the rank of an invalid row is never
            # read again)
            rank[r] = rank_of(gain)
            valid[r] = live[r] = ok
        return cut


class _ListRound(_Round):
    """A small round: the same state and steps, per-place values in Python lists, walked one
    place (or row) at a time on Python floats."""

    xp = SCALAR

    def __init__(
        self,
        m: _Model,
        z: FloatArray,
        out: FloatArray,
        run: IntArray,
        ai: IntArray,
        aj: IntArray,
        p: IntArray,
        q: IntArray,
    ) -> None:
        super().__init__(m, z, out, run, ai, aj, p, q)  # (the first calculation runs on arrays)
        for name in (
            "act", "sup", "tgt", "invk", "p_move", "move_p", "gain_p", "a0", "move", "side_gain",
            "live",
        ):  # fmt: skip  (nb, x0 and own_p, read only for a realised or cut-back row, stay arrays)
            setattr(self, name, getattr(self, name).tolist())
        e = self.e
        self.pos = self.x0.tolist()
        zeros = [0.0] * (2 * self.e)  # (no earlier moves or updates yet)
        self.total, self.last, self.off, self.has, self.rel = (list(zeros) for _ in range(5))
        self.count = [1] * self.e
        # per row, the part of its last calculation before check_nbs (m_0, m_1, g_0, g_1, sort
        # key), until the row's positions change (then None): ``_STATE`` when check_nbs did not
        # cut it back, so that the row's moves, gains and rank hold it; else a tuple
        self.pre: list[Any] = [_STATE] * e
        for r in [] if self.first_cut is None else np.flatnonzero(self.first_cut).tolist():
            self.pre[r] = None  # (its part is computed again when needed: the same bits)

    def _calculate(self, xp: Ops, batches: Iterable[Any]) -> None:
        """``_Round._calculate`` on one row at a time, with the same steps and helpers: a row
        found invalid stops early, the part before ``check_nbs`` is kept (``self.pre``) until
        the row's positions change, and ``check_nbs``'s test is written out for side 0 and
        side 1 (a loop over the two sides costs more here than the test); the cut-back, which
        few rows need, is ``_cut``."""
        e, pre = self.e, self.pre
        pos, tgt, p_move, move_p, gain_p = self.pos, self.tgt, self.p_move, self.move_p, self.gain_p
        total, last, a0, rel, invk = self.total, self.last, self.a0, self.rel, self.invk
        move, side_gain, rank, valid, live = (
            self.move, self.side_gain, self.rank, self.valid, self.live,
        )  # fmt: skip
        copysign, rank_of = xp.copysign, xp.rank
        for r in batches:
            f = r + e
            x_0, x_1 = pos[r], pos[f]
            kept = pre[r]
            if kept is _STATE:  # (its gains and rank are read only if it is cut back)
                m0, m1 = move[r], move[f]
            elif kept is None:
                d0, d1 = tgt[r] - x_0, tgt[f] - x_1
                t0, t1 = abs(d0) * p_move[r], abs(d1) * p_move[f]
                m0, m1, g0, g1, ok = equal_gain(
                    copysign, t0 if t0 < t1 else t1, d0, d1, move_p[r], move_p[f],
                    gain_p[r], gain_p[f], total[r], total[f], last[r], last[f],
                )  # fmt: skip
                gain = abs(g0)
                if not (ok and gain >= MIN_GAIN):
                    move[r], move[f], side_gain[r], side_gain[f] = m0, m1, g0, g1
                    valid[r] = live[r] = False
                    continue
                key = rank_of(gain)
            else:
                m0, m1, g0, g1, key = kept
            # decide ``check_nbs``: a = target - outcome before the side's move, b = after it;
            # opposite signs are needed to cross
            w_0, w_1 = invk[r], invk[f]  # (c s / W)
            a_0 = a0[r] - rel[r] - w_0 * x_0
            b_0 = a_0 - w_0 * m0
            a_1 = a0[f] - rel[f] - w_1 * x_1
            b_1 = a_1 - w_1 * m1
            if (a_0 * b_0 < 0.0 and crosses(a_0, b_0)) or (a_1 * b_1 < 0.0 and crosses(a_1, b_1)):
                self._cut(xp, r, (m0, m1, g0, g1, key) if kept is None else kept, a_0, a_1)
            elif kept is not _STATE:  # (else the state holds it already)
                move[r], move[f], side_gain[r], side_gain[f] = m0, m1, g0, g1
                rank[r] = key
                pre[r] = _STATE

    def _cut(self, xp: Ops, r: int, kept: Any, a_0: float, a_1: float) -> None:
        """Row r, whose move would carry an outcome past a target (``_calculate``): its part
        before ``check_nbs`` is kept, then ``check_nbs`` cuts side 0 and then side 1 back as in
        ``_Round._calculate`` (a_0, a_1: each side's target - outcome before its move)."""
        e = self.e
        f = r + e
        pos, tgt, move_p, gain_p, total, last, invk = (
            self.pos, self.tgt, self.move_p, self.gain_p, self.total, self.last, self.invk,
        )  # fmt: skip
        move, side_gain, rank = self.move, self.side_gain, self.rank
        if kept is _STATE:
            kept = (move[r], move[f], side_gain[r], side_gain[f], rank.item(r))
        self.pre[r] = kept
        m0, m1, g0, g1, _ = kept
        x_0, x_1 = pos[r], pos[f]
        d0, d1 = tgt[r] - x_0, tgt[f] - x_1
        for at, a, x in ((r, a_0, x_0), (f, a_1, x_1)):
            if crosses(a, a - invk[at] * (m1 if at == f else m0)):
                start = self.nb.item(at) + self.off[at] + (1.0 - self.has[at]) * (
                    invk[at] * (x - self.x0.item(at))
                )
                dp = cut_back(tgt[at], start, self.own_p.item(at))
                m0, m1, g0, g1, ok = equal_gain(
                    xp.copysign, dp, d0, d1, move_p[r], move_p[f], gain_p[r], gain_p[f],
                    total[r], total[f], last[r], last[f],
                )  # fmt: skip
                gain = abs(g0 if at == f else g1)  # the other side's gain
        move[r], move[f], side_gain[r], side_gain[f] = m0, m1, g0, g1
        if ok and on_scale(x_0, m0) and on_scale(x_1, m1):
            rank[r] = xp.rank(gain)
        else:
            self.valid[r] = self.live[r] = False

    def _moved(self, moves: Sequence[tuple[Any, float]]) -> None:
        e, pre, pos, move = self.e, self.pre, self.pos, self.move
        total, last = self.total, self.last
        for places, y in moves:  # (as _Round._moved, and the row's kept part is out of date)
            for g in places:
                moved = move[g]
                last[g] = moved
                total[g] += moved
                pos[g] = y
                pre[g % e] = None

    def _shifted(self, places: Any, actor: int, shift: float, own: float) -> None:
        off, has, rel, act = self.off, self.has, self.rel, self.act
        for g in places:  # (as _Round._shifted, one place at a time)
            off[g] += shift
            rel[g] += shift
            if act[g] == actor:
                has[g] = 1.0
                rel[g] = off[g] - own

    def _index(self, keys: IntArray, size: int) -> Any:
        if size > keys.size:  # few places a key (many runs' keys): only the keys held
            groups: defaultdict[int, list[int]] = defaultdict(list)
            for g, key in enumerate(keys.tolist()):
                groups[key].append(g)
            return groups
        order, starts = _inverted(keys, size)
        flat = order.tolist()
        return [flat[b:f] for b, f in pairwise(starts)]

    def _listed(self, groups: Sequence[Any], copy: int = 1) -> tuple[list[Any], Any, int]:
        e, live, count, twice = self.e, self.live, self.count, self.twice
        if copy == 1:
            kept = [[g for g in places if live[g % e]] for places in groups]
        else:
            kept = [[g for g in places if live[g % e] and count[g % e] >= copy]
                    for places in groups]
        rows = {g % e for places in kept for g in places}
        multi = rows & twice if twice else ()
        return kept, rows, max([count[x] for x in multi]) if multi else 1


_STATE = object()
"""``_ListRound.pre`` of a row whose moves, gains and rank hold the part before ``check_nbs``."""


def _inverted(keys: IntArray, size: int) -> tuple[IntArray, list[int]]:
    """For each key in range(size), the places (indices into ``keys``) that hold it: as
    ``order[starts[key]:starts[key + 1]]``."""
    small = size <= np.iinfo(np.int16).max  # (NumPy radix-sorts small integers)
    order = np.argsort(keys.astype(np.int16) if small else keys, kind="stable")
    return order, [0, *np.cumsum(np.bincount(keys, minlength=size)).tolist()]
