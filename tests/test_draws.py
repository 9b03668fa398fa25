"""Draws evaluated in blocks (analysis/draws.py): the same numbers as the per-draw path (the
scenario with the draw's values, each issue's models one by one with the links in order, then
the exchange model and the alignment), whatever the block, for the draws of the design and for
random inputs anywhere in the bounds."""

from __future__ import annotations

import numpy as np
from conftest import SCENARIO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from realpolitik.analysis.draws import (
    DrawResult,
    design,
    evaluate,
    evaluate_block,
    forecast_at,
    issue_forecasts,
)
from realpolitik.analysis.forecast import MODELS, forecast_scenario
from realpolitik.analysis.links import forecast_linked
from realpolitik.analysis.registry import get
from realpolitik.models.bargaining.panel import nash_panel
from realpolitik.scenario.inputs import inputs, with_values
from realpolitik.scenario.loader import load_scenario
from realpolitik.scenario.schema import Scenario

BUNDLED = load_scenario(SCENARIO)
RANGED = [i for i in inputs(BUNDLED) if i.ranged]


def per_draw(scenario: Scenario, values: dict[str, float], seed: int) -> DrawResult:
    """The reference: one draw through ``forecast_linked`` and the registry's entry points."""
    sc = with_values(scenario, values, field="draw")
    linked = forecast_linked(sc, MODELS)
    issues = {f.inputs.issue.id: dict(f.forecasts) for f in linked.forecast.issues}
    ratified = {f.inputs.issue.id: dict(f.extra["twolevel"]["ratified"])
                for f in linked.forecast.issues if f.extra.get("twolevel")}
    exchange, landscape = get("exchange").scenario_run, get("landscape").scenario_run
    assert exchange is not None and landscape is not None
    for iid, x in exchange(linked.scenario, seed).items():
        issues[iid]["exchange"] = x
    return {"issues": issues, "ratified": ratified, "sides": landscape(linked.scenario, seed),
            "links": [a.index for a in linked.applied if a.fired]}


def test_a_block_of_draws_equals_the_draws_one_by_one() -> None:
    plan = design(BUNDLED, 12, seed=4)
    block = evaluate_block(BUNDLED, plan.paths, plan.values, plan.seeds)
    for k in range(plan.draws):
        assert block[k] == per_draw(BUNDLED, plan.draw(k), plan.seeds[k])
        assert block[k] == evaluate(BUNDLED, plan.draw(k), plan.seeds[k])
    fired = {k for r in block for k in r["links"]}
    assert fired, "no link fired in these draws: the test would not exercise the links"


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(u=st.lists(st.lists(st.floats(0, 1), min_size=len(RANGED), max_size=len(RANGED)),
                  min_size=2, max_size=4),
       split=st.integers(1, 3))
def test_random_inputs_in_any_blocks_equal_the_per_draw_path(u: list, split: int) -> None:
    """Inputs anywhere in their cited ranges (not only the design's strata)."""
    lo = np.array([i.low for i in RANGED])
    hi = np.array([i.high for i in RANGED])
    values = lo + np.array(u) * (hi - lo)
    paths = [i.path for i in RANGED]
    seeds = list(range(len(u)))
    split = min(split, len(u) - 1)
    parts = (evaluate_block(BUNDLED, paths, values[:split], seeds[:split])
             + evaluate_block(BUNDLED, paths, values[split:], seeds[split:]))
    assert parts == evaluate_block(BUNDLED, paths, values, seeds)
    for k, row in enumerate(values):
        assert parts[k] == per_draw(BUNDLED, dict(zip(paths, row, strict=True)), seeds[k])


def test_issue_forecasts_are_the_forecasts_of_the_changed_scenario() -> None:
    plan = design(BUNDLED, 6, seed=9)
    for model in MODELS:
        ys = issue_forecasts(BUNDLED, "kurils", model, plan.paths, plan.values)
        for k in range(plan.draws):
            sc = with_values(BUNDLED, plan.draw(k), field="draw")
            want = forecast_scenario(sc, [model], "kurils").issues[0].forecasts[model]
            assert ys[k] == want
            assert forecast_at(BUNDLED, "kurils", model, plan.draw(k)) == want


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.integers(0, 100), min_size=4, max_size=4), min_size=2, max_size=6),
       st.lists(st.lists(st.integers(0, 10), min_size=4, max_size=4), min_size=6, max_size=6))
def test_nash_rows_do_not_depend_on_each_other(pos: list, w: list) -> None:
    """A row that has converged stops changing, so a row's bargaining solution is the same
    alone as in any panel (what makes a block of draws equal its draws one by one)."""
    x = np.array(pos, dtype=float)
    wt = np.array(w[: len(pos)], dtype=float) + 0.5
    d = np.linspace(0, 100, len(pos))
    together, feasible = nash_panel(x, wt, 0.0, 100.0, d)
    for k in range(len(pos)):
        alone, ok = nash_panel(x[k : k + 1], wt[k : k + 1], 0.0, 100.0, d[k : k + 1])
        assert alone[0] == together[k] and ok[0] == feasible[k]
