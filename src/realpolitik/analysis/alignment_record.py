"""The alignment record: landscape theory and structural balance scored on later alliance blocs.

For every year t of a span the states are the K (default 12) with the highest NMC CINC in t. From
the data of year t only (the inputs of ``realpolitik align --year t``: CINC sizes, ATOP, MID and
rivalry propensities) each model gives every pair of these states a probability of being on the
same side, and is scored on the alliance blocs observed in t+1 .. t+H (H = 5 by default).

Outcome (fixed before any score was seen). The *blocs* of a year are the connected components of
the graph of ATOP 5.1 defence pacts among the K states (a pact between i and j, or a chain of
pacts through others of the K). A pair is *together* in t+1 .. t+H when it is in one bloc in
more than half of the years of the window in which both states are in the system; a pair with no
such year is not scored. Blocs, not single pacts, because landscape theory predicts a partition
into coalitions (Axelrod & Bennett 1993 compare it with the sides of the Second World War).

Forecasts, each a probability that the pair is together:

* ``persistence``: 1 when the pair is in one bloc in year t, else 0 ("nothing changes");
* ``base_rate``: the share of scored pairs together over every year s with s + H <= t (so their
  outcomes are known in t), from the first year of the data (1816);
* ``transition``: persistence with rates: the share together among the pairs of those years
  that were in one bloc in s, and among those that were not (a two-state Markov chain);
* ``landscape``: the basin share: sum over the stable configurations (two coalitions, exhaustive
  search) of basin x [i and j in one coalition], i.e. the share of all 2^(K-1) starting splits
  whose steepest descent ends with i and j together (Axelrod & Bennett 1993, eq. 2 energies);
* ``balance``: the share of the minimum-frustration splits of the signed graph of the
  propensities (weights |p_ij|, sizes ignored; Harary 1953, the frustration index) that put i
  and j on one side;
* ``transition+landscape``, ``transition+balance``: the transition rates split further by
  whether the model agrees with year t's bloc, sits at exactly 1/2, or disagrees (six cells):
  what the model adds to persistence, compared with ``transition`` (``vs_transition``).

A state with no relation to the others is indifferent: both models then give 1/2 for its pairs.
Every fitted share is (together + 1/2) / (pairs + 1) over the years s <= t - H (the mean under
the Jeffreys prior; 1/2 for an empty cell); nothing else is fitted, and nothing to the years
scored.

Scores: accuracy (a probability above 1/2 predicts "together"; exactly 1/2 scores 1/2) and the
Brier score, on all scored pairs and on the pairs that *change* (outcome differs from year t's
bloc, where persistence is wrong by construction). Where a model takes the other side of 1/2
than persistence (``disagree``), the share it gets right says whether its departures from
"nothing changes" carry information. Each model's Brier difference from persistence has a
moving-block bootstrap 95% interval (Kuensch 1989, Ann. Stat. 17: 1217-1241): years are
resampled in blocks of H consecutive years, because outcome windows of nearby years overlap and
alliances change for many pairs at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from realpolitik.analysis.cowdata import ATOP_LAST_YEAR
from realpolitik.errors import InputError
from realpolitik.models.alignment.landscape import split_energies, stable_configurations

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

MODELS = ("persistence", "base_rate", "transition", "landscape", "balance",
          "transition+landscape", "transition+balance")
FITTED = {"base_rate": "", "transition": "", "transition+landscape": "landscape",
          "transition+balance": "balance"}
"""Models fitted on earlier years -> the unfitted model whose signal they use."""
N_CELLS = {"base_rate": 1, "transition": 2, "transition+landscape": 6, "transition+balance": 6}
DEFAULT_HORIZON = 5
DEFAULT_TOP = 12
"""States per year: the top 12 by CINC (66 pairs; the exhaustive search visits 2^11 splits)."""
N_BOOT = 2000
TIE_TOL = 1e-9
"""Splits within this share of the total |weight| of the minimum frustration count as minima."""


class History(Protocol):
    """What the record needs from the data, year by year (COW data or a synthetic history)."""

    @property
    def first(self) -> int:
        """First year with inputs and pacts."""
        ...

    @property
    def last(self) -> int:
        """Last year with pacts (outcomes)."""
        ...

    def states(self, year: int) -> tuple[int, ...]:
        """The states scored from ``year`` (their ids)."""
        ...

    def landscape(self, year: int, states: tuple[int, ...]) -> tuple[FloatArray, FloatArray]:
        """Sizes and symmetric propensities of the states from the data of ``year`` only."""
        ...

    def pacts(self, year: int, states: tuple[int, ...]) -> tuple[BoolArray, BoolArray]:
        """(N, N) defence pacts in force in ``year`` and (N,) which states are in the system."""
        ...

    def label(self, state: int) -> str:
        ...


@dataclass(frozen=True)
class CowHistory:
    """COW data: the top-``k`` states by CINC, ``align --year`` inputs, ATOP defence pacts."""

    k: int = DEFAULT_TOP
    first: int = 1816
    last: int = ATOP_LAST_YEAR

    def states(self, year: int) -> tuple[int, ...]:
        from realpolitik.analysis.cowdata import top_states

        return top_states(year, self.k)

    def landscape(self, year: int, states: tuple[int, ...]) -> tuple[FloatArray, FloatArray]:
        from realpolitik.analysis.alignment import inputs_from_cow

        inp = inputs_from_cow(year, [str(c) for c in states])
        return inp.sizes, inp.propensities

    def pacts(self, year: int, states: tuple[int, ...]) -> tuple[BoolArray, BoolArray]:
        from realpolitik.analysis.cowdata import defence_pacts, in_system

        return defence_pacts(year, states), in_system(year, states)

    def label(self, state: int) -> str:
        from realpolitik.analysis.cowdata import state_abb

        return state_abb(state)


# --------------------------------------------------------------------------------------------
# outcomes and forecasts
# --------------------------------------------------------------------------------------------


def together_in_blocs(allied: BoolArray, present: BoolArray) -> BoolArray:
    """(N, N): both states present and in one connected component of the pact graph."""
    g = allied & present[:, None] & present[None, :]
    _, lab = connected_components(sparse.csr_array(g.astype(np.int8)), directed=False)
    return (lab[:, None] == lab[None, :]) & present[:, None] & present[None, :]


def window_outcome(history: History, year: int, states: tuple[int, ...],
                   horizon: int) -> tuple[BoolArray, BoolArray]:
    """(together, scored), each (N, N): together in more than half of the years
    year+1 .. year+horizon in which both are in the system; scored when there is such a year."""
    n = len(states)
    both = np.zeros((n, n), dtype=np.int64)
    tog = np.zeros((n, n), dtype=np.int64)
    for u in range(year + 1, year + horizon + 1):
        allied, present = history.pacts(u, states)
        both += present[:, None] & present[None, :]
        tog += together_in_blocs(allied, present)
    return 2 * tog > both, both > 0


def landscape_together(sizes: FloatArray, propensities: FloatArray) -> FloatArray:
    """(N, N) basin share of configurations with i and j in one coalition (two coalitions)."""
    land = stable_configurations(sizes, propensities, k=2)
    out = np.zeros((sizes.size, sizes.size))
    for c in land.minima:
        out += c.basin * (c.labels[:, None] == c.labels[None, :])
    return out


def balance_together(propensities: FloatArray) -> FloatArray:
    """(N, N) share of the minimum-frustration splits of the signed graph of ``propensities``
    with i and j on one side. The frustration of a split equals sum_{i<j} p_ij d_ij plus the
    total negative weight, so the minima are those of the unit-size landscape energy."""
    p = np.asarray(propensities, dtype=float)
    n = p.shape[0]
    e = split_energies(p)
    codes = np.flatnonzero(e <= e.min() + TIE_TOL * max(float(np.abs(p).sum()), 1e-300))
    side = np.zeros((codes.size, n), dtype=np.int64)
    side[:, : n - 1] = (codes[:, None] >> np.arange(n - 1)) & 1
    same = side[:, :, None] == side[:, None, :]
    out: FloatArray = same.mean(axis=0)
    return out


@dataclass(frozen=True)
class YearScores:
    """The scored pairs (i < j) of year t: outcome, year t's blocs and every model's forecast."""

    year: int
    states: tuple[int, ...]
    pairs: npt.NDArray[np.intp]
    outcome: BoolArray
    now: BoolArray
    forecasts: dict[str, FloatArray]


def _pairs(mask: BoolArray) -> npt.NDArray[np.intp]:
    i, j = np.triu_indices(mask.shape[0], 1)
    keep = mask[i, j]
    return np.column_stack([i[keep], j[keep]])


def observe_year(history: History, year: int, horizon: int) -> YearScores:
    """The outcome of ``year``'s pairs and the unfitted forecasts (persistence, landscape,
    balance: data of ``year`` only); the fitted ones are added by :func:`alignment_record`."""
    states = history.states(year)
    tog, scored = window_outcome(history, year, states, horizon)
    allied, present = history.pacts(year, states)
    now = together_in_blocs(allied, present)
    sizes, p = history.landscape(year, states)
    pr = _pairs(scored)
    i, j = pr[:, 0], pr[:, 1]
    fc = {"persistence": now[i, j].astype(float),
          "landscape": landscape_together(sizes, p)[i, j],
          "balance": balance_together(p)[i, j]}
    return YearScores(year, states, pr, tog[i, j], now[i, j], fc)


def cells(year: YearScores, model: str) -> npt.NDArray[np.intp]:
    """The cell of each pair for a fitted model: one cell (base rate); year t's bloc
    (transition); year t's bloc x whether the model agrees with it, is at exactly 1/2, or
    disagrees (transition+landscape, transition+balance)."""
    now = year.now.astype(np.intp)
    if model == "base_rate":
        return np.zeros_like(now)
    if model == "transition":
        return now
    prob = year.forecasts[FITTED[model]]
    signal = np.where(prob == 0.5, 1, np.where((prob > 0.5) == year.now, 0, 2))
    return np.asarray(3 * now + signal, dtype=np.intp)


def cell_counts(year: YearScores) -> dict[str, tuple[FloatArray, FloatArray]]:
    """Per fitted model: (pairs together, pairs) in each cell of ``year``."""
    out: dict[str, tuple[FloatArray, FloatArray]] = {}
    for m, k in N_CELLS.items():
        c = cells(year, m)
        tog = np.bincount(c, weights=year.outcome.astype(float), minlength=k)
        out[m] = (np.asarray(tog, dtype=np.float64),
                  np.bincount(c, minlength=k).astype(np.float64))
    return out


def fitted_forecasts(counts: dict[str, tuple[FloatArray, FloatArray]],
                     year: YearScores) -> dict[str, FloatArray]:
    """Each fitted model's forecast for ``year`` from the cell counts of the training years
    (which must end H years before): (together + 1/2) / (pairs + 1), the mean under the
    Jeffreys prior (1/2 for an empty cell)."""
    return {m: ((tog + 0.5) / (n + 1.0))[cells(year, m)] for m, (tog, n) in counts.items()}


# --------------------------------------------------------------------------------------------
# scores
# --------------------------------------------------------------------------------------------


def accuracy_terms(prob: FloatArray, outcome: BoolArray) -> FloatArray:
    """Per pair: 1 if the side of 1/2 is right, 0 if wrong, 1/2 for a probability of 1/2."""
    hit = (prob > 0.5) == outcome
    return np.where(prob == 0.5, 0.5, hit.astype(float))


def brier_terms(prob: FloatArray, outcome: BoolArray) -> FloatArray:
    return (prob - outcome.astype(float)) ** 2


def block_bootstrap_mean(year_sums: FloatArray, year_counts: FloatArray, block: int,
                         n_boot: int = N_BOOT, seed: int = 0,
                         level: float = 0.95) -> tuple[float, float]:
    """Percentile interval of sum(values) / sum(counts) when years are resampled by the moving
    block bootstrap: ceil(T / block) blocks of ``block`` consecutive years, start years drawn
    uniformly, the series cut to T years."""
    t = year_sums.size
    b = max(1, min(block, t))
    rng = np.random.default_rng(seed)
    nb = -(-t // b)
    starts = rng.integers(0, t - b + 1, size=(n_boot, nb))
    idx = (starts[:, :, None] + np.arange(b)).reshape(n_boot, -1)[:, :t]
    den = year_counts[idx].sum(axis=1)
    means = year_sums[idx].sum(axis=1) / np.where(den > 0, den, np.nan)
    a = (1 - level) / 2
    lo, hi = np.nanquantile(means, [a, 1 - a])
    return float(lo), float(hi)


@dataclass(frozen=True)
class ModelRecord:
    name: str
    accuracy: float
    brier: float
    n: int
    changed_accuracy: float
    changed_brier: float
    changed_n: int
    brier_diff: float
    """Brier score minus persistence's (negative: better than persistence)."""
    ci95: tuple[float, float]
    disagree_n: int
    """Pairs where the model takes the other side of 1/2 than persistence."""
    disagree_right: float
    """Share of those where the model is right."""
    vs_transition: tuple[float, tuple[float, float]] | None = None
    """For a transition+model: Brier difference from the transition rates alone, 95% CI."""

    def to_json(self) -> dict[str, Any]:
        return {"accuracy": self.accuracy, "brier": self.brier, "n": self.n,
                "changed": {"accuracy": self.changed_accuracy, "brier": self.changed_brier,
                            "n": self.changed_n},
                "vs_persistence": {"brier_diff": self.brier_diff, "ci95": list(self.ci95),
                                   "disagree": {"n": self.disagree_n,
                                                "right": self.disagree_right}},
                **({} if self.vs_transition is None else {"vs_transition": {
                    "brier_diff": self.vs_transition[0],
                    "ci95": list(self.vs_transition[1])}})}


def _mean(x: FloatArray) -> float:
    return float(x.mean()) if x.size else float("nan")


def _brier_diff(years: list[YearScores], model: str, reference: str, horizon: int,
                seed: int) -> tuple[float, tuple[float, float]]:
    """Mean Brier score of ``model`` minus ``reference`` over all pairs, with the moving-block
    bootstrap 95% interval (years resampled)."""
    sums = np.array([(brier_terms(s.forecasts[model], s.outcome)
                      - brier_terms(s.forecasts[reference], s.outcome)).sum() for s in years])
    counts = np.array([s.outcome.size for s in years], dtype=float)
    mean = float(sums.sum() / counts.sum())
    if model == reference:
        return mean, (0.0, 0.0)
    return mean, block_bootstrap_mean(sums, counts, horizon, seed=seed)


def model_records(years: list[YearScores], horizon: int, seed: int = 0) -> list[ModelRecord]:
    """Accuracy and Brier score per model, all pairs and changed pairs, and the Brier
    difference from persistence (and, for a transition+model, from the transition rates alone)
    with moving-block bootstrap intervals."""
    y = np.concatenate([s.outcome for s in years])
    now = np.concatenate([s.now for s in years])
    changed = y != now
    out: list[ModelRecord] = []
    for m in MODELS:
        prob = np.concatenate([s.forecasts[m] for s in years])
        acc, br = accuracy_terms(prob, y), brier_terms(prob, y)
        diff, ci = _brier_diff(years, m, "persistence", horizon, seed)
        vs_tr = (_brier_diff(years, m, "transition", horizon, seed)
                 if m.startswith("transition+") else None)
        dis = (prob != 0.5) & ((prob > 0.5) != now)
        out.append(ModelRecord(m, _mean(acc), _mean(br), int(y.size), _mean(acc[changed]),
                               _mean(br[changed]), int(changed.sum()), diff, ci,
                               int(dis.sum()), _mean(acc[dis]), vs_tr))
    return out


@dataclass(frozen=True)
class AlignmentRecord:
    start: int
    end: int
    horizon: int
    states: dict[str, Any]
    years: tuple[YearScores, ...]
    models: tuple[ModelRecord, ...]
    changes: tuple[dict[str, Any], ...] = ()
    """Every pair-year that changed side: year, pair, before (year t), after (the window), and
    the landscape and balance probabilities."""

    def to_json(self) -> dict[str, Any]:
        """The ``realpolitik align --backtest --json`` payload."""
        return {"from": self.start, "to": self.end, "horizon": self.horizon,
                "states": self.states,
                "outcome": "together = in one ATOP 5.1 defence-pact bloc (connected component "
                           "among the states) in more than half of years t+1..t+horizon",
                "models": {m.name: m.to_json() for m in self.models},
                "changes": list(self.changes)}


def check_span(history: History, start: int, end: int, horizon: int) -> None:
    """Bad spans and horizons are input errors (``--backtest``, ``--horizon``)."""
    if horizon < 1:
        raise InputError.single("align", "--horizon", f"must be at least 1 year, got {horizon}")
    if start > end:
        raise InputError.single("align", "--backtest", f"{start}:{end}: FROM must not be after "
                                "TO")
    lo, hi = history.first + horizon, history.last - horizon
    if start < lo or end > hi:
        raise InputError.single("align", "--backtest", f"{start}:{end}: with --horizon "
                                f"{horizon} the years must lie in {lo}..{hi} (alliance data "
                                f"{history.first}-{history.last}; the base rate needs {horizon} "
                                "earlier years, the outcome the next "
                                f"{horizon})")


def alignment_record(history: History, start: int, end: int, horizon: int = DEFAULT_HORIZON,
                     *, seed: int = 0, on_year: Callable[[int, int], None] | None = None,
                     describe: str = "") -> AlignmentRecord:
    """Score every model on each year start..end (see the module docstring). ``on_year(done,
    total)`` reports progress; ``describe`` states the rule that picks the states."""
    check_span(history, start, end, horizon)
    total = end - history.first + 1
    seen: list[YearScores] = []
    counts: list[dict[str, tuple[FloatArray, FloatArray]]] = []
    years: list[YearScores] = []
    for t in range(history.first, end + 1):
        y = observe_year(history, t, horizon)
        seen.append(y)
        counts.append(cell_counts(y))
        if t >= start:
            train = counts[: t - horizon - history.first + 1]  # years s <= t - H
            summed = {m: (np.sum([c[m][0] for c in train], axis=0),
                          np.sum([c[m][1] for c in train], axis=0)) for m in N_CELLS}
            years.append(replace(y, forecasts=y.forecasts | fitted_forecasts(summed, y)))
        if on_year is not None:
            on_year(len(seen), total)
    ever = dict.fromkeys(c for y in years for c in y.states)
    states = {"rule": describe, "per_year": max(len(s.states) for s in years),
              "ever": [history.label(c) for c in ever]}
    changes = tuple(
        {"year": y.year, "pair": [history.label(y.states[i]), history.label(y.states[j])],
         "before": bool(y.now[k]), "after": bool(y.outcome[k]),
         "landscape": float(y.forecasts["landscape"][k]),
         "balance": float(y.forecasts["balance"][k])}
        for y in years for k, (i, j) in enumerate(y.pairs.tolist()) if y.now[k] != y.outcome[k])
    return AlignmentRecord(start, end, horizon, states, tuple(years),
                           tuple(model_records(years, horizon, seed)), changes)


def cow_record(start: int, end: int, horizon: int = DEFAULT_HORIZON, top: int = DEFAULT_TOP,
               on_year: Callable[[int, int], None] | None = None) -> AlignmentRecord:
    """The record on COW data: the ``top`` states by CINC of each year."""
    return alignment_record(CowHistory(top), start, end, horizon, on_year=on_year,
                            describe=f"the {top} states with the highest NMC CINC in year t")
