"""Simulation over the cited ranges: how sure each forecast is (docs/design.md, Uncertainty).

Every ranged input of a scenario (:mod:`realpolitik.scenario.inputs`) is drawn from a triangular
distribution on its range with its mode at the cited value, the draws laid out as a Latin
hypercube (McKay, Beckman & Conover 1979; ``scipy.stats.qmc``). Each draw runs every bargaining
model, the exchange model and the alignment model on the scenario with the drawn inputs; the
design and the (vectorised) evaluation of the draws are in :mod:`realpolitik.analysis.draws`,
the sensitivity tables and the summaries here.

Reproducible at any scale: the design is made once from the seed, and draw k also gets the k-th
child of ``numpy.random.SeedSequence(seed).spawn``, for the models that draw random numbers, so a
draw's result does not depend on which worker ran it or in what order. Work goes through any
``concurrent.futures.Executor`` (a process pool, a Dask cluster); results are assembled by draw
index, so ``--workers 1``, ``--workers 2`` and a cluster give identical numbers.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from realpolitik.analysis.draws import (
    Design,
    DrawResult,
    design,
    evaluate,
    evaluate_block,
    forecast_at,
    issue_forecasts,
    map_issue_forecasts,
    run_draws,
    triangular_ppf,
)
from realpolitik.analysis.forecast import forecast_scenario
from realpolitik.errors import InputError
from realpolitik.scenario.inputs import inputs, without_actor
from realpolitik.scenario.schema import Issue, Scenario

__all__ = [  # the design and the draws' evaluation live in analysis/draws.py
    "Design", "DrawResult", "Simulation", "band_probabilities", "bands", "design", "drop_one",
    "evaluate", "evaluate_block", "forecast_at", "issue_forecasts", "run_draws", "sensitivity",
    "sobol", "triangular_ppf",
]

QUANTILES = (0.1, 0.5, 0.9)


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
    chunk: int = 64,
) -> list[dict[str, Any]]:
    """First-order and total Sobol indices (Saltelli 2002; Jansen 1999 estimators as SALib
    implements them) of one model's forecast on one issue, over the ranged inputs that reach
    it: the positions and saliences of the stances on it and the capabilities of those actors.
    Same triangular marginals as the simulation. Each row: the input's path, actor and kind,
    S1, ST and the half-widths of their 95% bootstrap intervals (``S1_conf``, ``ST_conf``).
    Largest total index first."""
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
    y = map_issue_forecasts(scenario, issue, model, [i.path for i in relevant], x, executor, chunk)
    zeros = np.zeros(len(relevant))
    if np.isnan(y).any() or np.ptp(y) == 0:  # no variation: nothing to apportion
        s1 = st = s1_conf = st_conf = zeros
    else:
        # (SALib seeds its bootstrap only for a truthy seed: 0 would draw unseeded intervals)
        res = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=seed + 1)
        s1, st = np.asarray(res["S1"]), np.asarray(res["ST"])
        s1_conf, st_conf = np.asarray(res["S1_conf"]), np.asarray(res["ST_conf"])
    table = [
        {"input": i.path, "actor": i.actor, "kind": i.kind, "S1": float(a), "ST": float(b),
         "S1_conf": float(ca), "ST_conf": float(cb)}
        for i, a, b, ca, cb in zip(relevant, s1, st, s1_conf, st_conf, strict=True)
    ]
    return sorted(table, key=lambda d: (-d["ST"], d["input"]))


def sensitivity(
    scenario: Scenario, model: str, base_samples: int, seed: int, executor: Executor | None = None,
    progress: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Per issue: the Sobol table and the drop-one-actor table for ``model`` (``progress`` is
    called after each issue)."""
    out: dict[str, Any] = {}
    for k, iss in enumerate(scenario.issues):
        if scenario.stances_on(iss.id):
            out[iss.id] = {
                "model": model,
                "sobol": sobol(scenario, iss.id, model, base_samples, seed + k, executor),
                "drop_one": drop_one(scenario, iss.id, model),
            }
        if progress is not None:
            progress()
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
