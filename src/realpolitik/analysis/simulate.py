"""Simulation over the cited ranges: how sure each forecast is (docs/design.md, Uncertainty).

Every ranged input of a scenario (:mod:`realpolitik.scenario.inputs`) is drawn from a triangular
distribution on its range with its mode at the cited value, the draws laid out as a Latin
hypercube (McKay, Beckman & Conover 1979; ``scipy.stats.qmc``). Each draw runs every bargaining
model, the exchange model and the alignment model on the scenario with the drawn inputs.

Reproducible at any scale: the design is made once from the seed, and draw k also gets the k-th
child of ``numpy.random.SeedSequence(seed).spawn``, for the models that draw random numbers, so a
draw's result does not depend on which worker ran it or in what order. Work goes through any
``concurrent.futures.Executor`` (a process pool, a Dask cluster); results are assembled by draw
index, so ``--workers 1``, ``--workers 2`` and a cluster give identical numbers.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.stats import qmc

from realpolitik.analysis.forecast import MODELS, forecast_scenario
from realpolitik.analysis.links import forecast_linked
from realpolitik.analysis.registry import get
from realpolitik.errors import InputError
from realpolitik.scenario.inputs import Input, inputs, with_values, without_actor
from realpolitik.scenario.schema import Issue, Scenario

QUANTILES = (0.1, 0.5, 0.9)
DrawResult = dict[str, Any]


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


# --------------------------------------------------------------------------- one draw


def evaluate(
    scenario: Scenario, values: Mapping[str, float], seed: int, models: Sequence[str] = MODELS
) -> DrawResult:
    """Run every model once on the scenario with ``values`` set: per issue and model the
    forecast and whether it is ratifiable, the exchange model's outcome, the alignment's sides."""
    sc = with_values(scenario, values, field="draw")
    links_fired: list[int] = []
    if sc.links:  # links apply in order; the exchange and the alignment see what they left
        linked = forecast_linked(sc, models)
        fc, sc = linked.forecast, linked.scenario
        links_fired = [a.index for a in linked.applied if a.fired]
    else:
        fc = forecast_scenario(sc, models=models)
    issues: dict[str, dict[str, float | None]] = {}
    ratified: dict[str, dict[str, bool]] = {}
    for f in fc.issues:
        issues[f.inputs.issue.id] = dict(f.forecasts)
        tl = f.extra.get("twolevel")
        if tl:
            ratified[f.inputs.issue.id] = dict(tl["ratified"])
    weighed = [i.id for i in sc.issues if sc.stances_on(i.id)]
    run = {name: get(name).scenario_run for name in ("exchange", "landscape")}
    if len(weighed) >= 2 and run["exchange"] is not None:
        for iid, x in run["exchange"](sc, seed).items():
            issues.setdefault(iid, {})["exchange"] = x
    sides: list[list[str]] | None = None
    if sc.relations and run["landscape"] is not None:
        sides = run["landscape"](sc, seed)
    return {"issues": issues, "ratified": ratified, "sides": sides, "links": links_fired}


def _evaluate_chunk(
    scenario: Scenario, rows: list[tuple[int, dict[str, float], int]], models: Sequence[str]
) -> list[tuple[int, DrawResult]]:
    return [(k, evaluate(scenario, v, s, models)) for k, v, s in rows]


def forecast_at(scenario: Scenario, issue: str, model: str, values: Mapping[str, float],
                field: str = "draw") -> float:
    """One model's forecast on one issue with the named inputs set (NaN when it gives none):
    the single evaluation behind draws, sensitivity runs, levers and headlines."""
    sc = with_values(scenario, values, field=field)
    x = forecast_scenario(sc, [model], issue).issues[0].forecasts[model]
    return np.nan if x is None else float(x)


def _issue_forecasts(
    scenario: Scenario, issue: str, model: str, rows: list[dict[str, float]]
) -> list[float]:
    """One model's forecast on one issue for each set of input values (sensitivity runs)."""
    return [forecast_at(scenario, issue, model, values) for values in rows]


def _map_rows(
    scenario: Scenario,
    issue: str,
    model: str,
    rows: list[dict[str, float]],
    executor: Executor | None,
    chunk: int,
) -> np.ndarray:
    """:func:`_issue_forecasts` over many rows, in chunks through ``executor``, in order."""
    batches = [rows[i : i + chunk] for i in range(0, len(rows), chunk)]
    if executor is None:
        parts = [_issue_forecasts(scenario, issue, model, b) for b in batches]
    else:
        futures = [executor.submit(_issue_forecasts, scenario, issue, model, b) for b in batches]
        parts = [f.result() for f in futures]
    return np.array([x for part in parts for x in part], dtype=float)


def run_draws(
    scenario: Scenario,
    plan: Design,
    models: Sequence[str] = MODELS,
    executor: Executor | None = None,
    done: Mapping[int, DrawResult] | None = None,
    on_results: Callable[[dict[int, DrawResult]], None] | None = None,
    chunk: int = 8,
) -> dict[int, DrawResult]:
    """Every draw's result by index, skipping those in ``done`` (a resumed run). Each finished
    chunk is passed to ``on_results`` in the calling process (which alone writes the store)."""
    results: dict[int, DrawResult] = dict(done or {})
    todo = [(k, plan.draw(k), plan.seeds[k]) for k in range(plan.draws) if k not in results]
    batches = [todo[i : i + chunk] for i in range(0, len(todo), chunk)]
    if executor is None:
        finished: Iterable[list[tuple[int, DrawResult]]] = (
            _evaluate_chunk(scenario, b, models) for b in batches
        )
    else:
        futures = [executor.submit(_evaluate_chunk, scenario, b, models) for b in batches]
        finished = (f.result() for f in as_completed(futures))
    for got in finished:
        new = dict(got)
        results.update(new)
        if on_results:
            on_results(new)
    return results


# --------------------------------------------------------------------------- sensitivity


def drop_one(scenario: Scenario, issue: str, model: str) -> list[dict[str, Any]]:
    """How far the forecast moves when each actor's stance on the issue is removed, largest
    shift first (an actor whose absence leaves nobody weighing the issue is skipped)."""
    base = forecast_scenario(scenario, [model], issue).issues[0].forecasts[model]
    if base is None:
        return []
    out = []
    for st in scenario.stances_on(issue):
        rest = without_actor(scenario, st.actor, issue)
        if not any(s.salience.value > 0 for s in rest.stances_on(issue)):
            continue
        try:
            x = forecast_scenario(rest, [model], issue).issues[0].forecasts[model]
        except InputError:  # nobody left with weight on the issue
            continue
        if x is not None:
            out.append({"actor": st.actor, "shift": float(x - base)})
    return sorted(out, key=lambda d: (-abs(d["shift"]), d["actor"]))


def sobol(
    scenario: Scenario,
    issue: str,
    model: str,
    base_samples: int,
    seed: int,
    executor: Executor | None = None,
    chunk: int = 16,
) -> list[dict[str, Any]]:
    """First-order and total Sobol indices (Saltelli 2002; Jansen 1999 estimators as SALib
    implements them) of one model's forecast on one issue, over the ranged inputs that reach
    it: the positions and saliences of the stances on it and the capabilities of those actors.
    Same triangular marginals as the simulation. Largest total index first."""
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    actors = {s.actor for s in scenario.stances_on(issue)}
    relevant = [
        i
        for i in inputs(scenario)
        if i.ranged and (i.issue == issue or (i.kind == "capability" and i.actor in actors))
    ]
    if not relevant or base_samples < 2:
        return []
    problem = {
        "num_vars": len(relevant),
        "names": [i.path for i in relevant],
        "bounds": [[0.0, 1.0]] * len(relevant),
    }
    u = sobol_sample.sample(problem, base_samples, calc_second_order=False, seed=seed)
    u = np.clip(u, 0.0, 1.0)
    x = triangular_ppf(
        u,
        np.array([i.low for i in relevant]),
        np.array([i.value for i in relevant]),
        np.array([i.high for i in relevant]),
    )
    rows = [{i.path: float(v) for i, v in zip(relevant, row, strict=True)} for row in x]
    y = _map_rows(scenario, issue, model, rows, executor, chunk)
    if np.isnan(y).any() or np.ptp(y) == 0:  # no variation: nothing to apportion
        s1 = st = np.zeros(len(relevant))
    else:
        res = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=seed)
        s1, st = np.asarray(res["S1"]), np.asarray(res["ST"])
    table = [
        {"input": i.path, "S1": float(a), "ST": float(b)}
        for i, a, b in zip(relevant, s1, st, strict=True)
    ]
    return sorted(table, key=lambda d: (-d["ST"], d["input"]))


def sensitivity(
    scenario: Scenario, model: str, base_samples: int, seed: int, executor: Executor | None = None
) -> dict[str, Any]:
    """Per issue: the Sobol table and the drop-one-actor table for ``model``."""
    out: dict[str, Any] = {}
    for k, iss in enumerate(scenario.issues):
        if not scenario.stances_on(iss.id):
            continue
        out[iss.id] = {
            "model": model,
            "sobol": sobol(scenario, iss.id, model, base_samples, seed + k, executor),
            "drop_one": drop_one(scenario, iss.id, model),
        }
    return out


# --------------------------------------------------------------------------- summaries


def bands(issue: Issue) -> list[tuple[str, float, float]]:
    """The labelled bands of an issue's scale: each labelled point owns the stretch between the
    midpoints to its neighbours (the scale's ends for the outermost)."""
    pts = sorted(issue.scale.points.items())
    if not pts:
        return []
    xs = [x for x, _ in pts]
    mids = [(a + b) / 2 for a, b in itertools.pairwise(xs)]
    edges = [issue.scale.min, *mids, issue.scale.max]
    return [(label, edges[k], edges[k + 1]) for k, (_, label) in enumerate(pts)]


def band_probabilities(issue: Issue, xs: np.ndarray) -> dict[str, float]:
    """Share of draws in each labelled band (a value on a midpoint counts to the upper band)."""
    out = {}
    spec = bands(issue)
    for k, (label, lo, hi) in enumerate(spec):
        last = k == len(spec) - 1
        inside = (xs >= lo) & ((xs <= hi) if last else (xs < hi))
        out[label] = float(inside.mean()) if xs.size else 0.0
    return out


@dataclass
class Simulation:
    """Per issue and model the draws' forecasts; the alignment's sides per draw."""

    scenario: Scenario
    plan: Design
    results: dict[int, DrawResult]
    sensitivity: dict[str, Any] = field(default_factory=dict)

    def values(self, issue: str, model: str) -> np.ndarray:
        vals = [self.results[k]["issues"].get(issue, {}).get(model) for k in range(self.plan.draws)]
        return np.array([np.nan if v is None else v for v in vals], dtype=float)

    def models(self, issue: str) -> list[str]:
        names: dict[str, None] = {}
        for k in range(self.plan.draws):
            for m, v in self.results[k]["issues"].get(issue, {}).items():
                if v is not None:
                    names.setdefault(m)
        return list(names)

    def issue_summary(self, issue: Issue) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for m in self.models(issue.id):
            xs = self.values(issue.id, m)
            xs = xs[~np.isnan(xs)]
            ratified = [
                self.results[k]["ratified"].get(issue.id, {}).get(m) for k in range(self.plan.draws)
            ]
            known = [r for r in ratified if r is not None]
            out[m] = {
                "quantiles": {str(q): float(np.quantile(xs, q)) for q in QUANTILES},
                "bands": band_probabilities(issue, xs),
                "ratifiable": float(np.mean(known)) if known else None,
            }
        return out

    def alignment(self) -> dict[str, Any]:
        sides = [self.results[k]["sides"] for k in range(self.plan.draws)]
        sides = [s for s in sides if s is not None]
        if not sides:
            return {"configurations": [], "same_side": {}}
        counts: dict[str, tuple[list[list[str]], int]] = {}
        for s in sides:
            key = repr(s)
            counts[key] = (s, counts.get(key, (s, 0))[1] + 1)
        configs = sorted(counts.values(), key=lambda t: (-t[1], repr(t[0])))
        actors = sorted({a for s in sides[0] for a in s})
        same: dict[str, float] = {}
        for a, b in itertools.combinations(actors, 2):
            together = [any(a in side and b in side for side in s) for s in sides]
            same[f"{a}-{b}"] = float(np.mean(together))
        return {
            "configurations": [{"sides": s, "probability": n / len(sides)} for s, n in configs],
            "same_side": same,
        }

    def link_probabilities(self) -> dict[str, float]:
        """Per link of the scenario (by index), the share of draws in which it fired."""
        n = self.plan.draws
        return {str(k): sum(k in self.results[d].get("links", []) for d in range(n)) / n
                for k in range(len(self.scenario.links))}

    def to_json(self) -> dict[str, Any]:
        return {
            "draws": self.plan.draws,
            "issues": {
                i.id: self.issue_summary(i) for i in self.scenario.issues if self.models(i.id)
            },
            "alignment": self.alignment(),
            "sensitivity": self.sensitivity,
        }
