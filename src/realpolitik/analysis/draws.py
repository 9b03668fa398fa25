"""The draws of a simulation and their evaluation, many at once (docs/design.md, Uncertainty).

Every ranged input of a scenario (:mod:`realpolitik.scenario.inputs`) is drawn from a triangular
distribution on its range with its mode at the cited value, the draws laid out as a Latin
hypercube (McKay, Beckman & Conover 1979; ``scipy.stats.qmc``). Draw k also gets the k-th child
of ``numpy.random.SeedSequence(seed).spawn``, for the models that draw random numbers.

Evaluation is vectorised across draws: a block of draws becomes, per issue, one panel of draws
(rows) x actors (:class:`~realpolitik.analysis.registry.IssuePanel` with a capability row per
draw), and each bargaining model runs once on it through the registry, the EUM as one batched
round loop (``models/bargaining/eum/batched.py``). Links are applied per draw where they fire,
issue by issue in link order. The exchange model and the alignment run draw by draw on the
scenario with the draw's values. Every per-draw number depends only on the draw's own inputs
and seed, never on the other draws of its block, so blocks of any size, any number of workers
and a resumed run give identical results (tests/test_simulate.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from scipy.stats import qmc

from realpolitik.analysis.forecast import (
    MODELS,
    decision_rule,
    disagreement_point,
    influence_capability,
)
from realpolitik.analysis.links import _order
from realpolitik.analysis.registry import Context, IssuePanel, get
from realpolitik.errors import InputError, Problem
from realpolitik.models.bargaining.eum import EUMParams
from realpolitik.scenario.inputs import (
    Input,
    capability_path,
    inputs,
    lookup,
    relation_path,
    stance_path,
    with_values,
)
from realpolitik.scenario.schema import Scenario
from realpolitik.scenario.validate import unweighted_issue_error

DrawResult = dict[str, Any]
CONVERGED = "eum:converged"
"""The key under which a stage's forecasts carry whether each EUM run converged."""
T = TypeVar("T")
R = TypeVar("R")


# --------------------------------------------------------------------------- the design


def triangular_ppf(
    u: np.ndarray, low: np.ndarray, mode: np.ndarray, high: np.ndarray
) -> np.ndarray:
    """Inverse CDF of the triangular distribution on [low, high] with the given mode."""
    width = np.where(high > low, high - low, 1.0)
    c = (mode - low) / width
    left = low + np.sqrt(u * width * (mode - low))
    right = high - np.sqrt((1 - u) * width * (high - mode))
    return np.where(u < c, left, right)


@dataclass(frozen=True)
class Design:
    """The draws: one row of input values per draw (columns = ``inputs``), one seed per draw."""

    inputs: tuple[Input, ...]
    values: np.ndarray
    seeds: tuple[int, ...]

    @property
    def draws(self) -> int:
        return len(self.seeds)

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(i.path for i in self.inputs)

    def draw(self, k: int) -> dict[str, float]:
        return {inp.path: float(x) for inp, x in zip(self.inputs, self.values[k], strict=True)}


def design(scenario: Scenario, draws: int, seed: int) -> Design:
    """A Latin-hypercube design over the scenario's ranged inputs (triangular marginals)."""
    if draws < 1:
        raise ValueError("draws must be >= 1")
    ranged = tuple(i for i in inputs(scenario) if i.ranged)
    root = np.random.SeedSequence(seed)
    design_seq, draw_seq = root.spawn(2)
    seeds = tuple(int(s.generate_state(1)[0]) for s in draw_seq.spawn(draws))
    if not ranged:
        return Design(ranged, np.empty((draws, 0)), seeds)
    u = qmc.LatinHypercube(d=len(ranged), rng=np.random.default_rng(design_seq)).random(draws)
    low = np.array([i.low for i in ranged])
    mode = np.array([i.value for i in ranged])
    high = np.array([i.high for i in ranged])
    return Design(ranged, triangular_ppf(u, low, mode, high), seeds)


# --------------------------------------------------------------------------- a block of draws


class DrawBlock:
    """Every numeric input of the scenario for a block of draws: one row per draw, one column
    per input of :func:`~realpolitik.scenario.inputs.inputs` (the cited values, with the named
    columns set to the draws' values). Links change it in place, draw by draw."""

    def __init__(
        self, scenario: Scenario, paths: Sequence[str], values: np.ndarray, field: str = "draw"
    ):
        self.scenario = scenario
        self.inputs = inputs(scenario)
        self.column = {inp.path: k for k, inp in enumerate(self.inputs)}
        values = np.asarray(values, dtype=float)
        self.x = np.tile(np.array([inp.value for inp in self.inputs]), (values.shape[0], 1))
        if paths:
            found = lookup(scenario, list(paths), field)
            for j, p in enumerate(paths):
                inp = found[p]
                lo, hi = inp.bounds
                bad = ~((lo <= values[:, j]) & (values[:, j] <= hi))
                if bad.any():
                    x = values[int(np.argmax(bad)), j]
                    raise InputError(scenario.where, [
                        Problem(field, f"{p} = {x:g} is outside [{lo:g}, {hi:g}]")])
                self.x[:, self.column[inp.path]] = values[:, j]
        self.base = self.x.copy()

    @property
    def draws(self) -> int:
        return int(self.x.shape[0])

    def panel(self, issue_id: str) -> IssuePanel | None:
        """The issue as a panel of draws x its actors (None when nobody holds a stance): the
        inputs of ``forecast.issue_inputs``, one row per draw."""
        sc = self.scenario
        issue = sc.issue(issue_id)
        stances = sc.stances_on(issue_id)
        if not stances:
            return None
        x = self.x
        col = self.column
        pos = x[:, [col[stance_path(s.actor, issue_id, "position")] for s in stances]]
        sal = x[:, [col[stance_path(s.actor, issue_id, "salience")] for s in stances]]
        cap = x[:, [col[capability_path(s.actor)] for s in stances]]
        for k, s in enumerate(stances):  # as forecast.effective_capability
            if s.influence is not None:
                cap[:, k] = influence_capability(s.influence.value, sal[:, k])
        if not ((cap * sal).sum(axis=1) > 0).all():
            raise unweighted_issue_error(sc, [issue_id])
        n = x.shape[0]
        ref = np.nan if issue.reference is None else float(issue.reference)
        return IssuePanel(
            actors=tuple(s.actor for s in stances), positions=pos, capabilities=cap,
            saliences=sal, reference=np.full(n, ref), lo=float(issue.scale.min),
            hi=float(issue.scale.max), disagreement=np.full(n, disagreement_point(issue)[0]),
            rule=np.full(n, decision_rule(issue)[0]), issue_ids=(issue_id,) * n,
        )

    def apply_links(self, fired: Mapping[int, np.ndarray], rank: Mapping[str, int]) -> None:
        """The draws' values with the links that fired applied, in link order (issue by issue in
        :func:`~realpolitik.analysis.links.forecast_linked`'s order, each issue's links in file
        order), by ``links.apply_link``'s rule: the value moves by the shift, clipped to what the
        format allows."""
        self.x = self.base.copy()
        links = self.scenario.links
        for k in sorted(fired, key=lambda k: (rank[links[k].issue], k)):
            col, lo, hi = self._target(k)
            moved = np.minimum(hi, np.maximum(lo, self.x[:, col] + links[k].shift.value))
            self.x[:, col] = np.where(fired[k], moved, self.x[:, col])

    def _target(self, index: int) -> tuple[int, float, float]:
        """The column a link moves and the bounds of its value."""
        ln = self.scenario.links[index]
        if ln.relation is not None:
            r = next(r for r in self.scenario.relations if set(r.pair) == set(ln.relation))
            return self.column[relation_path(*r.pair)], -1.0, 1.0
        assert ln.stance is not None
        t = ln.stance
        sc = self.scenario.issue(t.issue).scale
        lo, hi = (sc.min, sc.max) if t.field == "position" else (0.0, 1.0)
        return self.column[stance_path(t.actor, t.issue, t.field)], lo, hi

    def link_targets(self) -> list[str]:
        """The input paths the scenario's links move."""
        return [self.inputs[self._target(k)[0]].path for k in range(len(self.scenario.links))]

    def values_of(self, k: int, paths: Sequence[str]) -> dict[str, float]:
        """Draw k's values of ``paths`` (columns of the block), by path."""
        return dict(zip(paths, self.x[k, [self.column[p] for p in paths]].tolist(), strict=True))

    def scenario_of(self, k: int, paths: Sequence[str]) -> Scenario:
        """The scenario with draw k's values of ``paths`` (columns of the block) set."""
        found = {p: self.inputs[self.column[p]] for p in paths}
        return with_values(self.scenario, self.values_of(k, paths), "draw", found)


def _predict(panel: IssuePanel, models: Sequence[str]) -> dict[str, np.ndarray]:
    """Each model's forecast per row of the panel (NaN where it gives none), and under
    ``"eum:converged"`` whether each EUM run converged (a cycling run settles on no agreement)."""
    for m in models:
        if m not in MODELS:
            raise ValueError(f"unknown model {m!r}")
    ctx = Context(panel, eum_params=EUMParams())
    out = {m: ctx.predict(m).point for m in models}
    if "eum" in models:
        runs = ctx.predict("eum").detail
        out[CONVERGED] = np.array([r is not None and bool(r.converged) for r in runs])
    if ctx.errors:
        raise RuntimeError(ctx.errors[0])
    return out


def _stack(panels: Sequence[IssuePanel]) -> IssuePanel:
    """Issue panels of one scale and one number of actors as one panel (rows one after the
    other; the columns are the stances in file order, so each row is the row it was)."""
    if len(panels) == 1:
        return panels[0]
    first = panels[0]

    def rows(name: str) -> np.ndarray:
        return np.concatenate([getattr(p, name) for p in panels])

    return IssuePanel(
        actors=tuple(f"#{k + 1}" for k in range(first.positions.shape[1])),
        positions=rows("positions"), capabilities=rows("capabilities"),
        saliences=rows("saliences"), reference=rows("reference"), lo=first.lo, hi=first.hi,
        disagreement=rows("disagreement"), rule=rows("rule"),
        issue_ids=tuple(i for p in panels for i in (p.issue_ids or ())),
    )


def _stages(scenario: Scenario) -> list[list[str]]:
    """The issues in link order, in stages: an issue whose stances a link moves comes one stage
    after the link's issue; the issues of a stage are forecast together."""
    stage: dict[str, int] = {}
    for iid in _order(scenario):
        sources = [ln.issue for ln in scenario.links
                   if ln.stance is not None and ln.stance.issue == iid and ln.issue != iid]
        stage[iid] = 1 + max((stage[s] for s in sources), default=-1)
    return [[i for i in stage if stage[i] == k] for k in range(max(stage.values()) + 1)]


def _forecast_stage(
    block: DrawBlock, ids: Sequence[str], models: Sequence[str]
) -> dict[str, dict[str, np.ndarray]]:
    """Per issue and model the draws' forecasts (and the links' models'): one panel of draws x
    issues for each group of issues with one scale and one number of actors."""
    n = block.draws
    groups: dict[tuple[int, float, float], list[tuple[str, IssuePanel]]] = {}
    out: dict[str, dict[str, np.ndarray]] = {}
    for iid in ids:
        panel = block.panel(iid)
        if panel is None:
            out[iid] = {m: np.full(n, np.nan) for m in models}
        else:
            key = (panel.positions.shape[1], panel.lo, panel.hi)
            groups.setdefault(key, []).append((iid, panel))
    for members in groups.values():
        ids_here = {iid for iid, _ in members}
        linked = [ln.model for ln in block.scenario.links if ln.issue in ids_here]
        pred = _predict(_stack([p for _, p in members]), list(dict.fromkeys([*models, *linked])))
        for k, (iid, _) in enumerate(members):
            out[iid] = {m: x[k * n : (k + 1) * n] for m, x in pred.items()}
    return out


def _value(x: float) -> float | None:
    return None if np.isnan(x) else float(x)


@dataclass
class BlockForecasts:
    """The bargaining models on a block of draws, links applied draw by draw: per issue and
    model the forecasts (NaN where none) and whether each is a ratifiable agreement (a forecast
    inside every domestic win-set of the issue, from a converged run for the EUM), per link (its
    index) the draws in which it fired, and the issues without win-sets."""

    block: DrawBlock
    forecasts: dict[str, dict[str, np.ndarray]]
    ratifiable: dict[str, dict[str, np.ndarray]]
    fired: dict[int, np.ndarray]
    winset_free: set[str]


def forecast_block(
    scenario: Scenario, paths: Sequence[str], values: np.ndarray,
    models: Sequence[str] = MODELS, field: str = "draw",
) -> BlockForecasts:
    """Every bargaining model on each draw (rows of ``values``, columns named by ``paths``),
    once per stage of issues (:func:`_forecast_stage`) on a panel of all the draws; a link's
    effect is applied in the draws where it fires, before the issues it moves are forecast."""
    block = DrawBlock(scenario, paths, values, field)
    n = block.draws
    rank = {iid: k for k, iid in enumerate(_order(scenario))}
    fired: dict[int, np.ndarray] = {}
    forecasts: dict[str, dict[str, np.ndarray]] = {}
    for stage in _stages(scenario):  # later stages see what the earlier stages' links left
        block.apply_links(fired, rank)
        got = _forecast_stage(block, stage, models)
        for k, ln in enumerate(scenario.links):
            if ln.issue in got:
                x = got[ln.issue].get(ln.model, np.full(n, np.nan))
                fired[k] = ~np.isnan(x) & (ln.low <= x) & (x <= ln.high)
        forecasts.update(got)
    block.apply_links(fired, rank)
    winset_free: set[str] = set()
    ratifiable: dict[str, dict[str, np.ndarray]] = {}
    for iss in scenario.issues:
        by_model = forecasts[iss.id]
        settled = by_model.pop(CONVERGED, np.ones(n, dtype=bool))
        winsets = [s.winset for s in scenario.stances_on(iss.id) if s.winset]
        ratifiable[iss.id] = {
            m: ~np.isnan(x) & np.all([(w.low <= x) & (x <= w.high) for w in winsets], axis=0)
            & (settled if m == "eum" else True)
            for m, x in by_model.items()
        }
        if not winsets:
            winset_free.add(iss.id)
    return BlockForecasts(block, forecasts, ratifiable, fired, winset_free)


def evaluate_block(
    scenario: Scenario, paths: Sequence[str], values: np.ndarray, seeds: Sequence[int],
    models: Sequence[str] = MODELS,
) -> list[DrawResult]:
    """Run every model on each draw (rows of ``values``, columns named by ``paths``): per issue
    and model the forecast and whether it is ratifiable, the links that fired
    (:func:`forecast_block`), the exchange model's outcome and the alignment's sides."""
    got = forecast_block(scenario, paths, values, models)
    block, fired = got.block, got.fired
    n = block.draws
    rank = {iid: k for k, iid in enumerate(_order(scenario))}
    issues: list[dict[str, dict[str, float | None]]] = [{} for _ in range(n)]
    ratified: list[dict[str, dict[str, bool]]] = [{} for _ in range(n)]
    for iss in scenario.issues:
        fc = {m: got.forecasts[iss.id][m] for m in models}
        ok = got.ratifiable[iss.id]
        for d in range(n):
            issues[d][iss.id] = {m: _value(x[d]) for m, x in fc.items()}
            if iss.id not in got.winset_free:
                ratified[d][iss.id] = {m: bool(ok[m][d]) for m in models}
    weighed = [i.id for i in scenario.issues if scenario.stances_on(i.id)]
    exchange = get("exchange").scenario_runs if len(weighed) >= 2 else None
    landscape = get("landscape").scenario_run if scenario.relations else None
    sides: list[list[list[str]] | None] = [None] * n
    if exchange is not None or landscape is not None:
        changed = list(dict.fromkeys([*_resolve(scenario, paths), *block.link_targets()]))
        drawn = [block.values_of(d, changed) for d in range(n)]  # (no scenario copy per draw)
        if exchange is not None:  # (all the draws' runs together)
            for d, got in enumerate(exchange(scenario, seeds, drawn)):
                for iid, x in got.items():
                    issues[d].setdefault(iid, {})["exchange"] = x
        if landscape is not None:
            for d in range(n):
                sides[d] = landscape(scenario, seeds[d], drawn[d])
    links = sorted(fired, key=lambda k: (rank[scenario.links[k].issue], k))
    return [{"issues": issues[d], "ratified": ratified[d], "sides": sides[d],
             "links": [k for k in links if fired[k][d]]} for d in range(n)]


def _resolve(scenario: Scenario, paths: Sequence[str]) -> list[str]:
    """Each path as :func:`inputs` names it (an undirected relation's other spelling resolved)."""
    found = lookup(scenario, list(paths), "draw") if paths else {}
    return [found[p].path for p in paths]


def evaluate(
    scenario: Scenario, values: Mapping[str, float], seed: int, models: Sequence[str] = MODELS
) -> DrawResult:
    """:func:`evaluate_block` for one draw."""
    paths = list(values)
    row = np.array([[float(values[p]) for p in paths]])
    return evaluate_block(scenario, paths, row, [seed], models)[0]


def issue_forecasts(
    scenario: Scenario, issue: str, model: str, paths: Sequence[str], values: np.ndarray,
    field: str = "draw",
) -> np.ndarray:
    """One model's forecast on one issue for each row of input values (NaN where it gives
    none), as ``forecast`` would give it on the scenario with those inputs set (no links): one
    panel of all the rows."""
    if issue not in {i.id for i in scenario.issues}:
        raise KeyError(issue)
    block = DrawBlock(scenario, paths, values, field)
    panel = block.panel(issue)
    if panel is None:
        return np.full(block.draws, np.nan)
    return _predict(panel, [model])[model]


def forecast_at(scenario: Scenario, issue: str, model: str, values: Mapping[str, float],
                field: str = "draw") -> float:
    """One model's forecast on one issue with the named inputs set (NaN when it gives none):
    the single evaluation behind draws, sensitivity runs, levers and headlines
    (:func:`issue_forecasts` for one row)."""
    paths = list(values)
    row = np.array([[float(values[p]) for p in paths]])
    return float(issue_forecasts(scenario, issue, model, paths, row, field)[0])


# --------------------------------------------------------------------------- chunks of draws


def map_chunks(
    fn: Callable[..., list[R]], rows: Sequence[T], chunk: int, executor: Executor | None,
    *args: Any,
) -> Iterator[tuple[int, list[R]]]:
    """``fn(*args, rows[i : i + chunk])`` for each chunk, in this process or through
    ``executor``: (i, its results) as each chunk finishes (in order without an executor)."""
    starts = range(0, len(rows), max(1, chunk))
    if executor is None:
        for i in starts:
            yield i, fn(*args, rows[i : i + chunk])
        return
    futures = {executor.submit(fn, *args, rows[i : i + chunk]): i for i in starts}
    for f in as_completed(futures):
        yield futures[f], f.result()


def _evaluate_rows(
    scenario: Scenario, paths: Sequence[str], models: Sequence[str],
    rows: Sequence[tuple[int, np.ndarray, int]],
) -> list[DrawResult]:
    values = np.array([v for _, v, _ in rows]).reshape(len(rows), len(paths))
    return evaluate_block(scenario, paths, values, [s for _, _, s in rows], models)


def run_draws(
    scenario: Scenario,
    plan: Design,
    models: Sequence[str] = MODELS,
    executor: Executor | None = None,
    done: Mapping[int, DrawResult] | None = None,
    on_results: Callable[[dict[int, DrawResult]], None] | None = None,
    chunk: int = 32,
) -> dict[int, DrawResult]:
    """Every draw's result by index, skipping those in ``done`` (a resumed run), ``chunk``
    draws to a block. Each finished block is passed to ``on_results`` in the calling process
    (which alone writes the store)."""
    results: dict[int, DrawResult] = dict(done or {})
    todo = [(k, plan.values[k], plan.seeds[k]) for k in range(plan.draws) if k not in results]
    for i, got in map_chunks(_evaluate_rows, todo, chunk, executor, scenario, plan.paths, models):
        new = {todo[i + j][0]: r for j, r in enumerate(got)}
        results.update(new)
        if on_results:
            on_results(new)
    return results


def map_issue_forecasts(
    scenario: Scenario, issue: str, model: str, paths: Sequence[str], values: np.ndarray,
    executor: Executor | None, chunk: int,
) -> np.ndarray:
    """:func:`issue_forecasts` over many rows, in chunks through ``executor``, in row order."""
    y = np.empty(values.shape[0])
    for i, got in map_chunks(_issue_rows, list(values), chunk, executor, scenario, issue, model,
                             paths):
        y[i : i + len(got)] = got
    return y


def _issue_rows(
    scenario: Scenario, issue: str, model: str, paths: Sequence[str], rows: Sequence[np.ndarray]
) -> list[float]:
    values = np.array(rows).reshape(len(rows), len(paths))
    return [float(v) for v in issue_forecasts(scenario, issue, model, paths, values)]
