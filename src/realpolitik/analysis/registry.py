"""The one declared list of bargaining models: what each needs, how it runs, what its forecast is.

Every consumer reads :data:`REGISTRY`: ``forecast`` (a scenario's issues), ``backtest`` (a DEU
panel), the ensemble (its members), the HTML report and the CLI's ``--model``
choices. A model is one pure function of the inputs in :mod:`realpolitik.models` plus one
:class:`ModelSpec` entry here; the entry's ``panel`` function is the *only* place the model is
called, so the number ``forecast`` prints and the number ``backtest`` scores are the same rule
applied to the same inputs (tests/test_registry.py checks both).

Inputs are an :class:`IssuePanel`: issues x actors arrays (NaN = the actor takes no part), one
scale, per-issue reference points and, where known, DEU's procedure and Council rule. A model
declares which of the optional inputs it needs (:data:`SCENARIO_INPUTS` are what every scenario
provides); ``forecast`` offers the models whose needs a scenario meets.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from realpolitik.analysis.ensemble import ensemble_choice_set, focal_choice_set
from realpolitik.models.alignment.balance import SignedGraph, frustration_index
from realpolitik.models.bargaining.eum import EUMParams, EUMResult, expected_utility_model
from realpolitik.models.bargaining.eum.batched import BATCH_MAX_ACTORS, expected_utility_batch
from realpolitik.models.bargaining.focal import ChoiceSet, choice_median, choice_probabilities
from realpolitik.models.bargaining.panel import (
    compromise_panel,
    nash_panel,
    weighted_median_panel,
)
from realpolitik.models.bargaining.procedural import procedural_panel, rule_quota
from realpolitik.scenario.inputs import Numbers
from realpolitik.scenario.schema import Scenario

Family = Literal["bargaining", "linkage", "alignment"]

SCENARIO_INPUTS = frozenset({"positions", "capabilities", "saliences", "reference", "scale"})
"""What every scenario issue provides (reference may be unknown, NaN)."""

EUM_TAIL = 10
"""Rounds over which an oscillating expected-utility run is summarised."""


@dataclass(frozen=True)
class IssuePanel:
    """Model inputs for n issues on one scale [lo, hi] with m actors.

    positions, saliences: (n, m), NaN where an actor takes no part; capabilities: (m,), or (n, m)
    when every row has its own (a panel of draws of one issue: rows are draws);
    reference: (n,) the status quo (NaN = unknown); disagreement: (n,) Nash's d (default: the
    reference, else lo); procedure ("COD"/"CNS"/""), rule ("qmv"/"unanimity"/""): (n,);
    votes: (m,) Council votes (0 for non-members) or None when unknown.
    """

    actors: tuple[str, ...]
    positions: np.ndarray
    capabilities: np.ndarray
    saliences: np.ndarray
    reference: np.ndarray
    lo: float
    hi: float
    procedure: np.ndarray | None = None
    rule: np.ndarray | None = None
    votes: np.ndarray | None = None
    disagreement: np.ndarray | None = None
    issue_ids: tuple[str, ...] | None = None

    @property
    def n(self) -> int:
        return int(self.positions.shape[0])

    @property
    def capability_rows(self) -> np.ndarray:
        """Capabilities as (n, m): one row per issue (a panel of draws gives each its own)."""
        c = self.capabilities
        return c if c.ndim == 2 else np.broadcast_to(c[None, :], self.positions.shape)

    @property
    def weights(self) -> np.ndarray:
        """w = capability x salience, 0 where an actor takes no part."""
        s = np.nan_to_num(self.saliences)
        return np.where(np.isnan(self.positions), 0.0, s * self.capability_rows)

    def actor_positions(self, actor: str) -> np.ndarray:
        if actor not in self.actors:
            return np.full(self.n, np.nan)
        return self.positions[:, self.actors.index(actor)]

    def nash_d(self) -> np.ndarray:
        if self.disagreement is not None:
            return self.disagreement
        return np.where(np.isnan(self.reference), self.lo, self.reference)


@dataclass
class Prediction:
    """A model's raw forecast per issue (NaN where it is undefined), per-issue detail (the EUM
    trajectory, Nash feasibility) and, for a choice model, its distribution over candidates."""

    point: np.ndarray
    detail: list[Any] = field(default_factory=list)
    choice: ChoiceSet | None = None
    probabilities: np.ndarray | None = None


@dataclass
class Context:
    """One panel, the fitted parameters (name -> one beta dict per issue) and a cache, so that a
    model that needs another's forecast (focal needs compromise) computes it once."""

    panel: IssuePanel
    betas: Mapping[str, Sequence[Mapping[str, float]]] = field(default_factory=dict)
    eum_params: EUMParams | None = None
    cache: dict[str, Prediction] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    progress: Callable[[int], None] | None = None

    def predict(self, name: str) -> Prediction:
        if name not in self.cache:
            spec = get(name)
            if spec.panel is None:
                raise ValueError(f"{name} is a {spec.family} model: it runs on a scenario "
                                 "(ModelSpec.scenario_run), not on an issue panel")
            self.cache[name] = spec.panel(self)
        return self.cache[name]


ScenarioRuns = Callable[[Scenario, Sequence[int], Sequence[Numbers | None]], list[Any]]


@dataclass(frozen=True)
class ModelSpec:
    """One registered model.

    rule: what number is "the forecast" (written once, in ``panel`` or ``scenario_run``);
    needs: inputs beyond
    positions/capabilities/saliences; fitted: has parameters fitted on outcomes (betas in the
    parameter file); distribution: "choice" (its own probabilities over candidates) or
    "residual" (point forecast + out-of-fold residuals); complexity: fitted parameters.
    """

    name: str
    family: Family
    summary: str
    citation: str
    rule: str
    panel: Callable[[Context], Prediction] | None
    """A bargaining model's one panel function (None for linkage and alignment models)."""
    needs: frozenset[str] = SCENARIO_INPUTS
    stochastic: bool = False
    fitted: bool = False
    distribution: Literal["choice", "residual"] = "residual"
    choice_set: Callable[[Context], ChoiceSet] | None = None
    scenario_run: Callable[[Scenario, int, Numbers | None], Any] | None = None
    """A linkage or alignment model's one entry point: (scenario, seed, values) -> its forecast
    (the exchange model: outcome per issue; an alignment model: the predicted sides); ``values``
    (or None): numbers by input path that stand in for the scenario's, a draw's."""
    scenario_runs: ScenarioRuns | None = None
    """Optional: ``scenario_run`` on many (seed, values) at once, one result each, when the model
    runs them faster together (the exchange model); ``scenario_run`` is then one of them."""


# --------------------------------------------------------------------------- panel functions


def _compromise(ctx: Context) -> Prediction:
    p = ctx.panel
    return Prediction(compromise_panel(p.positions, p.weights))


def _median(ctx: Context) -> Prediction:
    p = ctx.panel
    return Prediction(weighted_median_panel(p.positions, p.weights))


def _nash(ctx: Context) -> Prediction:
    p = ctx.panel
    d = p.nash_d()
    # who can block follows the issue's decision rule (docs/models.md, Nash bargaining)
    rules = p.rule if p.rule is not None else [""] * p.n
    quota = np.array([rule_quota(str(r)) for r in rules])
    outcome, feasible = nash_panel(p.positions, p.weights, p.lo, p.hi, d, quota=quota)
    return Prediction(outcome, [bool(f) for f in feasible])


def eum_forecast(res: EUMResult) -> float:
    """The EUM forecast: the final weighted Condorcet median when the run converged; otherwise
    (a cycle, common when two camps keep overtaking each other) the median of the last
    ``EUM_TAIL`` rounds' medians, so that the forecast does not depend on where the cap falls."""
    if res.converged or res.rounds < 2:
        return float(res.median_by_round[-1])
    return float(np.median(res.median_by_round[-min(EUM_TAIL, res.rounds) :]))


def _eum(ctx: Context) -> Prediction:
    """Rows with the same number of actors present run as one batch (``eum/batched.py``) up to
    ``BATCH_MAX_ACTORS`` actors, one by one on the tuned kernel above that; a batch that fails
    is rerun row by row so that the error names its issue."""
    p = ctx.panel
    params = ctx.eum_params or EUMParams(threads=1)
    w = p.weights
    caps = p.capability_rows
    present = ~np.isnan(p.positions)
    counts = present.sum(axis=1)
    out = np.full(p.n, np.nan)
    detail: list[Any] = [None] * p.n
    runnable = counts > 0
    runnable[runnable] = (np.where(present, w, 0.0)[runnable]).sum(axis=1) > 0
    for size in np.unique(counts[runnable]):
        rows = np.flatnonzero(runnable & (counts == size))
        mask = present[rows]
        cols = (rows[:, None], np.nonzero(mask)[1].reshape(rows.size, size))
        x, c, sal = p.positions[cols], caps[cols], np.nan_to_num(p.saliences[cols])
        results: list[EUMResult] | None = None
        if size <= BATCH_MAX_ACTORS:
            try:
                results = expected_utility_batch(x, c, sal, params)
            except ValueError:
                results = None
        for k, t in enumerate(rows):
            try:
                if results is not None:
                    res = results[k]
                else:
                    with np.errstate(all="ignore"):
                        res = expected_utility_model(x[k], c[k], sal[k], params)
                out[t], detail[t] = eum_forecast(res), res
            except Exception as e:  # noqa: BLE001  one model's failure must not stop the others
                where = p.issue_ids[t] if p.issue_ids is not None else str(t + 1)
                ctx.errors.append(f"eum failed on issue {where}: {type(e).__name__}: {e}")
        if ctx.progress is not None:
            ctx.progress(rows.size)
    if ctx.progress is not None and (~runnable).any():
        ctx.progress(int((~runnable).sum()))
    return Prediction(out, detail)


def _procedural(ctx: Context) -> Prediction:
    p = ctx.panel
    n = p.n
    votes = p.votes if p.votes is not None else np.zeros(len(p.actors))
    proc = p.procedure if p.procedure is not None else np.full(n, "")
    rule = p.rule if p.rule is not None else np.full(n, "")
    res = procedural_panel(
        p.positions, votes, p.reference, p.actor_positions("com"), p.actor_positions("ep"),
        rule == "unanimity", proc == "COD", p.lo, p.hi,
    )
    return Prediction(res.outcome)


def _focal_set(ctx: Context) -> ChoiceSet:
    p = ctx.panel
    fc = {"compromise": ctx.predict("compromise").point}
    return focal_choice_set(p.positions, fc, p.reference, p.actor_positions("ep"), p.lo, p.hi)


def _ensemble_set(ctx: Context) -> ChoiceSet:
    p = ctx.panel
    members = names("bargaining", fitted=False)  # every parameter-free model in the registry
    fc = {m: ctx.predict(m).point for m in members}
    return ensemble_choice_set(
        p.positions, fc, p.reference, p.actor_positions("ep"), p.lo, p.hi, members
    )


def _choice(name: str, build: Callable[[Context], ChoiceSet]) -> Callable[[Context], Prediction]:
    def run(ctx: Context) -> Prediction:
        cs = build(ctx)
        betas = ctx.betas.get(name)
        if betas is None or len(betas) != ctx.panel.n:
            raise ValueError(f"{name}: fitted parameters are needed for every issue")
        beta = np.array([[float(b.get(f, 0.0)) for f in cs.names] for b in betas])
        probs = np.zeros(cs.candidates.shape)
        point = np.empty(ctx.panel.n)
        for row in np.unique(beta, axis=0):
            rows = np.flatnonzero((beta == row).all(axis=1))
            probs[rows] = choice_probabilities(cs.rows(rows), row)
            point[rows] = choice_median(cs.rows(rows), row)
        return Prediction(point, choice=cs, probabilities=probs)

    return run


# --------------------------------------------------------------------------- the registry

def _exchange_runs(
    scenario: Scenario, seeds: Sequence[int], values: Sequence[Numbers | None]
) -> list[dict[str, float]]:
    """Outcome per issue (capability-and-salience weighted mean) after 10 rounds of the exchange
    model, one repetition with each seed and its values (runs taken through the rounds
    together)."""
    from realpolitik.analysis.linkage import exchange_outcomes

    return exchange_outcomes(scenario, seeds, values, rounds=10)


def _exchange(scenario: Scenario, seed: int, values: Numbers | None = None) -> dict[str, float]:
    return _exchange_runs(scenario, [seed], [values])[0]


def _sorted_sides(groups: Sequence[Sequence[str]]) -> list[list[str]]:
    return sorted(sorted(g) for g in groups if g)


def _landscape(scenario: Scenario, seed: int, values: Numbers | None = None) -> list[list[str]]:
    """The sides of the global minimum-energy configuration (Axelrod & Bennett 1993)."""
    from realpolitik.analysis.alignment import global_sides

    return _sorted_sides(global_sides(scenario, seed, values))


def _balance(scenario: Scenario, seed: int, values: Numbers | None = None) -> list[list[str]]:
    """The sides of a minimum-frustration split of the signed graph of the relations (Harary
    1953; exact frustration index, models/alignment/balance.py). Deterministic: ``seed`` unused."""
    from realpolitik.analysis.alignment import inputs_from_scenario

    inp = inputs_from_scenario(scenario, values=values)
    p = inp.propensities
    iu, ju = np.triu_indices(len(inp.actors), 1)
    keep = p[iu, ju] != 0
    graph = SignedGraph(len(inp.actors), np.stack([iu[keep], ju[keep]], axis=1),
                        np.sign(p[iu, ju][keep]).astype(np.int8), np.abs(p[iu, ju][keep]))
    sides = frustration_index(graph).sides
    return _sorted_sides([[inp.actors[k] for k in np.flatnonzero(sides == c)] for c in (0, 1)])


REGISTRY: tuple[ModelSpec, ...] = (
    ModelSpec(
        "compromise", "bargaining", "capability-and-salience weighted mean of the positions",
        "Achen 2006", "sum w_i x_i / sum w_i", _compromise,
    ),
    ModelSpec(
        "median", "bargaining", "weighted median of the positions", "Black 1948",
        "the smallest position holding half the weight", _median,
    ),
    ModelSpec(
        "nash", "bargaining", "weighted Nash bargaining solution, linear utilities",
        "Nash 1950", "argmax sum w_i log(gain_i); d itself when nobody-loses is infeasible",
        _nash,
    ),
    ModelSpec(
        "eum", "bargaining", "expected-utility model (challenges, offers, rounds)",
        "Bueno de Mesquita 1994; Scholz, Calbert & Smith 2011",
        f"final weighted Condorcet median when the run converges, else the median of the last "
        f"{EUM_TAIL} rounds' medians", _eum,
    ),
    ModelSpec(
        "procedural", "bargaining", "agenda setter facing the Council's voting rule",
        "Romer & Rosenthal 1978; Tsebelis & Garrett 2000; Crombez 1996",
        "the acceptable point nearest the agenda setter; undefined without a reference point",
        _procedural, needs=SCENARIO_INPUTS | {"procedure", "rule", "votes"},
    ),
    ModelSpec(
        "focal", "bargaining", "conditional-logit choice among the positions on the table",
        "McFadden 1974; Schelling 1960", "median of the choice probabilities",
        _choice("focal", _focal_set), fitted=True, distribution="choice",
        choice_set=_focal_set,
    ),
    ModelSpec(
        "ensemble", "bargaining", "discrete-choice stack of the other models' forecasts",
        "Wolpert 1992", "median of the choice probabilities",
        _choice("ensemble", _ensemble_set), needs=SCENARIO_INPUTS | {"procedure", "rule", "votes"},
        fitted=True, distribution="choice", choice_set=_ensemble_set,
    ),
    ModelSpec(
        "exchange", "linkage", "issue trades with equal expected gains (decide's model)",
        "Stokman & Van Oosten 1994; Stokman & Van Assen 2002",
        "per-issue weighted-mean outcome after 10 rounds", None, stochastic=True,
        scenario_run=_exchange, scenario_runs=_exchange_runs,
    ),
    ModelSpec(
        "landscape", "alignment", "landscape theory: sides of the minimum-energy configuration",
        "Axelrod & Bennett 1993", "the global minimum's sides", None, scenario_run=_landscape,
    ),
    ModelSpec(
        "balance", "alignment", "structural balance: a minimum-frustration split",
        "Harary 1953; Aref & Wilson 2019", "the sides of an exact minimum-frustration split",
        None, scenario_run=_balance,
    ),
)

BY_NAME = {s.name: s for s in REGISTRY}


def get(name: str) -> ModelSpec:
    return BY_NAME[name]


def names(
    family: Family | None = None, inputs: frozenset[str] | None = None,
    fitted: bool | None = None,
) -> tuple[str, ...]:
    """Registered model names in registry order, filtered by family, available inputs (a model
    is kept when its needs are a subset) and whether it is fitted."""
    return tuple(
        s.name for s in REGISTRY
        if (family is None or s.family == family)
        and (inputs is None or s.needs <= inputs)
        and (fitted is None or s.fitted == fitted)
    )

