"""What-if runs: change a few numbers of a scenario, re-run forecasts, links and alignment,
compare.

The changes themselves are :mod:`realpolitik.scenario.changes` (docs/scenario-format.md,
What-if).
"""

from __future__ import annotations

from typing import Any

from realpolitik.analysis.alignment import align_scenario
from realpolitik.analysis.forecast import MODELS
from realpolitik.analysis.links import forecast_linked
from realpolitik.errors import InputError
from realpolitik.scenario.changes import Change, apply_changes
from realpolitik.scenario.schema import Scenario

__all__ = ["Change", "apply_changes", "run", "whatif"]


def run(scenario: Scenario) -> dict[str, Any]:
    """Forecasts (all models, links applied) and the predicted alignment of one scenario."""
    linked = forecast_linked(scenario, MODELS)
    out: dict[str, Any] = {
        "forecasts": {f.inputs.issue.id: dict(f.forecasts) for f in linked.forecast.issues},
        "links": [a.to_json() for a in linked.applied],
    }
    try:
        res = align_scenario(linked.scenario, tipping=None)
    except InputError:
        out["alignment"] = None
    else:
        best = res.landscape.best
        out["alignment"] = {"sides": res.sides(best.labels), "energy": best.energy}
    return out


def _same_sides(a: list[list[str]], b: list[list[str]]) -> bool:
    return {frozenset(g) for g in a if g} == {frozenset(g) for g in b if g}


def whatif(
    scenario: Scenario,
    changes: list[Change],
    tol: float = 1e-9,
    base: dict[str, Any] | None = None,
    where: str = "--set",
) -> dict[str, Any]:
    """``{"changes", "base", "changed", "diff"}``: both runs and what differs (forecasts that
    moved by more than ``tol``; the predicted alignment when its sides changed). ``base`` may
    be a :func:`run` of ``scenario`` already made."""
    changed_sc = apply_changes(scenario, changes, where)
    base = run(scenario) if base is None else base
    changed = run(changed_sc)
    diff: list[dict[str, Any]] = []
    for issue, fcs in base["forecasts"].items():
        for model, x in fcs.items():
            y = changed["forecasts"][issue].get(model)
            if (x is None) != (y is None) or (x is not None and y is not None and abs(x - y) > tol):
                diff.append(
                    {"kind": "forecast", "issue": issue, "model": model, "base": x, "changed": y}
                )
    a, b = base["alignment"], changed["alignment"]
    if (a is None) != (b is None) or (a and b and not _same_sides(a["sides"], b["sides"])):
        diff.append({"kind": "alignment", "base": a, "changed": b})
    return {
        "changes": [{"path": c.path, "value": c.value} for c in changes],
        "base": base,
        "changed": changed,
        "diff": diff,
    }
