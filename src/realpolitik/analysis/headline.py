"""One answer per question: a model's forecast on one issue as a predictive distribution over the
issue's scale, from draws of the scenario's cited ranges (docs/design.md, Headline).

``headline`` gives the forecast at the cited values, the 10-90% interval and the labelled-band
probabilities of the draws, and the status quo beside it. The samples travel with it so that the
forecast ledger can score it with proper scoring rules once the outcome is known.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from realpolitik.analysis.forecast import disagreement_point, forecast_scenario
from realpolitik.analysis.simulate import band_probabilities, bands, design, forecast_at
from realpolitik.scenario.schema import Scenario

HEADLINE_MODEL = "compromise"
"""The model a headline uses unless told otherwise: the back-test finds no model that beats the
compromise model on real outcomes (docs/accuracy.md)."""
HEADLINE_DRAWS = 200


@dataclass(frozen=True)
class Headline:
    issue: str
    model: str
    value: float
    interval80: tuple[float, float]
    status_quo: float
    bands: dict[str, float]
    samples: tuple[float, ...]
    scale: tuple[float, float]
    band_edges: tuple[tuple[str, float, float], ...] = ()

    def to_json(self, samples: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "issue": self.issue,
            "model": self.model,
            "value": self.value,
            "interval80": list(self.interval80),
            "status_quo": self.status_quo,
            "bands": self.bands,
            "scale": list(self.scale),
            "band_edges": [{"label": b, "low": lo, "high": hi} for b, lo, hi in self.band_edges],
        }
        if samples:
            out["samples"] = list(self.samples)
        return out


def headline(
    scenario: Scenario,
    issue: str,
    model: str = HEADLINE_MODEL,
    draws: int = HEADLINE_DRAWS,
    seed: int = 0,
) -> Headline:
    """``model``'s forecast on ``issue`` with its spread over ``draws`` Latin-hypercube draws of
    the cited ranges (the same design as ``simulate``)."""
    point = forecast_scenario(scenario, [model], issue).issues[0].forecasts[model]
    if point is None:
        raise ValueError(f"no actor takes a stance on {issue!r}")
    plan = design(scenario, draws, seed)
    drawn = (forecast_at(scenario, issue, model, plan.draw(k)) for k in range(plan.draws))
    xs = [float(point) if np.isnan(x) else x for x in drawn]
    arr = np.array(xs)
    iss = scenario.issue(issue)
    return Headline(
        issue=issue,
        model=model,
        value=float(point),
        interval80=(float(np.quantile(arr, 0.1)), float(np.quantile(arr, 0.9))),
        status_quo=disagreement_point(iss)[0],
        bands=band_probabilities(iss, arr),
        samples=tuple(xs),
        scale=(iss.scale.min, iss.scale.max),
        band_edges=tuple(bands(iss)),
    )
