"""The equal-gain exchange model's inputs, results and rounds (see the package docstring)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from realpolitik.models.exchange.equal_gain import EDGE, SCALE
from realpolitik.models.exchange.rounds import _Round, new_rounds

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


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
    x, s, c = (np.array(v, dtype=float, ndmin=2) for v in (positions, salience, power))
    if not (x.shape == s.shape == c.shape) or x.ndim != 2:
        raise ValueError("positions, salience and power must be N x K arrays of one shape")
    return equal_gain_exchanges(
        x[None], s[None], c[None], lower, upper, rounds=rounds, seeds=[seed], params=params
    )[0]


def equal_gain_exchanges(
    positions: ArrayLike,
    salience: ArrayLike,
    power: ArrayLike,
    lower: ArrayLike | None = None,
    upper: ArrayLike | None = None,
    *,
    rounds: int | None = None,
    seeds: Sequence[int | np.random.SeedSequence | np.random.Generator | None],
    params: ExchangeParams | None = None,
) -> list[ExchangeResult]:
    """:func:`equal_gain_exchange` on D inputs of one shape at once (D x N x K arrays, one seed
    each; the issues' scales shared): run d gives exactly what ``equal_gain_exchange`` gives on
    its inputs and seed. The runs go through the rounds together, so each round's set-up (the
    candidates, the first calculation) is one set of array operations for all of them;
    ``simulate`` runs a block of draws this way."""
    p = params or ExchangeParams()
    if rounds is not None:
        p = ExchangeParams(rounds, p.salience_weight, p.fixed_weight)
    x = np.array(positions, dtype=float, ndmin=3)
    s = np.array(salience, dtype=float, ndmin=3)
    c = np.array(power, dtype=float, ndmin=3)
    if not (x.shape == s.shape == c.shape) or x.ndim != 3 or x.shape[0] != len(seeds):
        raise ValueError("positions, salience and power must be D x N x K arrays of one shape, "
                         "with one seed per run")
    k = x.shape[2]
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
    if np.any(z[present] < -EDGE) or np.any(z[present] > SCALE + EDGE):
        raise ValueError("a position lies outside its issue's scale")
    z = np.clip(z, 0.0, SCALE)
    s = np.where(present, s, 0.0)
    c = np.where(present, c, 0.0)
    rngs = [g if isinstance(g, np.random.Generator) else np.random.default_rng(g) for g in seeds]

    model = _Model(z, s, c, present, p, rngs)
    comp = [model.outcome(z)]
    voting = [z]
    starts = [z]
    logs: list[list[dict[str, Any]]] = []
    cur = z
    for r in range(p.rounds):
        vote, nxt, round_logs = model.round(cur, r + 1)
        comp.append(model.outcome(vote))
        voting.append(vote)
        starts.append(nxt)
        logs.append(round_logs)
        cur = nxt

    def denorm(a: FloatArray) -> FloatArray:
        return np.where(present[:, None], a * span + lo, np.nan)

    compromise = np.stack(comp, axis=1) * span + lo  # D x rounds + 1 x K
    positions_ = denorm(np.stack(voting, axis=1))  # (present broadcasts over the rounds)
    start_positions = denorm(np.stack(starts, axis=1))
    return [
        ExchangeResult(
            compromise=compromise[d],
            positions=positions_[d],
            start_positions=start_positions[d],
            exchanges=_merge_logs([lg[d] for lg in logs], span, lo),
            ties=model.ties[d],
            params=p,
        )
        for d in range(x.shape[0])
    ]


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


class _Model:
    """Fixed inputs of D runs (weights, denominators; D x N x K arrays) and the round
    procedure, which takes the runs through each round together."""

    def __init__(
        self,
        z: FloatArray,
        s: FloatArray,
        c: FloatArray,
        present: NDArray[np.bool_],
        params: ExchangeParams,
        rngs: list[np.random.Generator],
    ) -> None:
        self.s, self.c, self.present, self.p, self.rngs = s, c, present, params, rngs
        self.cs = c * s
        self.runs, self.n, self.k = z.shape
        self.w = self.cs.sum(axis=1)  # D x K
        self.weighed = self.w > 0  # issues with an outcome
        self.w_or_1 = np.where(self.weighed, self.w, 1.0)
        self.trades = self.present & (self.cs > 0)  # who can trade on which issue
        self.ties = [0] * self.runs
        self.pair_p, self.pair_q = np.triu_indices(self.k, 1)  # decide's combinations() order
        self.pair_trades = self.trades[:, :, self.pair_p] & self.trades[:, :, self.pair_q]

    def outcome(self, z: FloatArray) -> FloatArray:
        """The NBS of positions z (NaN: no stance), NaN on an issue without weight (D x K)."""
        num = (self.cs * np.where(np.isnan(z), 0.0, z)).sum(axis=1)
        return np.where(self.weighed, num / self.w_or_1, np.nan)

    def round(
        self, z: FloatArray, number: int
    ) -> tuple[FloatArray, FloatArray, list[dict[str, Any]]]:
        """One round of every run from start positions z: (voting positions, next start
        positions, one log per run)."""
        zz = np.where(np.isnan(z), 0.0, z)
        vote = zz.copy()
        nxt = zz.copy()
        logs = [self._end(d, st, st.run(), zz[d], vote[d], nxt[d], number)
                for d, st in enumerate(new_rounds(self, zz))]
        vote = np.where(self.present, vote, np.nan)
        nxt = np.where(self.present, nxt, np.nan)
        return vote, nxt, logs

    def _end(
        self, d: int, st: _Round, realized: list[int], zz: FloatArray, vote: FloatArray,
        nxt: FloatArray, number: int,
    ) -> dict[str, Any]:
        """Run d's round end: its realised exchanges set its voting positions ``vote`` and next
        start positions ``nxt`` (N x K, in place); returns its log."""
        self.ties[d] += st.ties
        if not realized:
            return {key: [] for key in _LOG_FIELDS}
        r = np.asarray(realized, dtype=np.int64)
        places = np.stack((r, r + st.e), axis=1).ravel()  # per exchange: side 0, then 1
        act, sup = st.actors, st.issues
        actors, issues = act[places], sup[places]
        # an exchange listed twice is recomputed after its realisation (as in decide): the
        # voting position is where its final state moves
        ys = np.clip(st.moved_to(places), 0.0, SCALE)
        # the last realised exchange of an actor on an issue sets its position
        cell = actors * self.k + issues
        _, first_rev = np.unique(cell[::-1], return_index=True)
        last = cell.size - 1 - first_rev
        a, q, yl = actors[last], issues[last], ys[last]
        vote[a, q] = yl
        keep = 1.0 - (1.0 - self.s[d, a, q]) * self.p.salience_weight - self.p.fixed_weight
        nxt[a, q] = keep * zz[a, q] + (1.0 - keep) * yl
        snap = np.array(st.snapshots)
        return {
            "round": np.full(r.size, number),
            "actor_i": act[r],
            "actor_j": act[r + st.e],
            "issue_i": sup[r],
            "issue_j": sup[r + st.e],
            "start_i": snap[:, 0],
            "start_j": snap[:, 1],
            "end_i": snap[:, 2],
            "end_j": snap[:, 3],
            "gain_i": snap[:, 4],
            "gain_j": snap[:, 5],
        }
