"""Linked outcomes: a forecast on one issue moves a relation or another stance (``[[links]]``).

Issues are forecast in an order where every issue comes after the issues whose links move its
stances (the schema refuses cycles); after each issue, its links whose band contains the
forecast are applied in file order. Alignment then runs on the relations as the links left them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from realpolitik.analysis.forecast import (
    MODELS,
    IssueForecast,
    ScenarioForecast,
    forecast_issue,
)
from realpolitik.models.bargaining.eum import EUMParams
from realpolitik.scenario.schema import Link, Scenario


@dataclass(frozen=True)
class AppliedLink:
    index: int
    link: Link
    forecast: float | None
    fired: bool
    before: float | None
    after: float | None

    def target(self) -> str:
        ln = self.link
        if ln.relation is not None:
            return f"relation {ln.relation[0]}-{ln.relation[1]}"
        assert ln.stance is not None
        return f"{ln.stance.actor}'s {ln.stance.field} on {ln.stance.issue}"

    def to_json(self) -> dict[str, Any]:
        return {"link": self.index, "issue": self.link.issue, "model": self.link.model,
                "band": [self.link.low, self.link.high], "forecast": self.forecast,
                "fired": self.fired, "target": self.target(), "shift": self.link.shift.value,
                "before": self.before, "after": self.after}  # fmt: skip

    def sentence(self) -> str:
        x = "no forecast" if self.forecast is None else f"{self.forecast:.1f}"
        head = (f"Link {self.index} ({self.link.issue} {self.link.model} {x} in "
                f"[{self.link.low:g}, {self.link.high:g}])")  # fmt: skip
        if not self.fired:
            return f"{head}: not triggered"
        return f"{head}: {self.target()} {self.before:+.2f} -> {self.after:+.2f}"


def _order(scenario: Scenario) -> list[str]:
    """Issue ids, each after the issues whose links move its stances (file order otherwise)."""
    after: dict[str, set[str]] = {i.id: set() for i in scenario.issues}
    for ln in scenario.links:
        if ln.stance is not None and ln.stance.issue != ln.issue:
            after[ln.stance.issue].add(ln.issue)
    done: list[str] = []
    pending = [i.id for i in scenario.issues]
    while pending:
        ready = next(i for i in pending if after[i] <= set(done))
        done.append(ready)
        pending.remove(ready)
    return done


def _shift(v: dict[str, Any], by: float, lo: float, hi: float) -> None:
    for key in ("value", "low", "high"):
        if v.get(key) is not None:
            v[key] = min(hi, max(lo, v[key] + by))


def apply_link(scenario: Scenario, link: Link) -> tuple[Scenario, float, float]:
    """The scenario with one link's shift applied (value and range, clipped), and the target's
    value before and after."""
    data = scenario.model_dump(mode="python")
    by = link.shift.value
    if link.relation is not None:
        a, b = link.relation
        rel = next(r for r in data["relations"] if set(r["pair"]) == {a, b})
        before = rel["value"]["value"]
        _shift(rel["value"], by, -1.0, 1.0)
        after = rel["value"]["value"]
    else:
        assert link.stance is not None
        t = link.stance
        st = next(s for s in data["stances"] if (s["actor"], s["issue"]) == (t.actor, t.issue))
        sc = scenario.issue(t.issue).scale
        lo, hi = (sc.min, sc.max) if t.field == "position" else (0.0, 1.0)
        before = st[t.field]["value"]
        _shift(st[t.field], by, lo, hi)
        after = st[t.field]["value"]
    new = Scenario.model_validate(data)
    new._origin = scenario.origin
    return new, before, after


@dataclass
class LinkedForecast:
    forecast: ScenarioForecast
    """Forecasts in the scenario's issue order, each on the stances as links left them."""
    scenario: Scenario
    """The scenario after every triggered link."""
    applied: list[AppliedLink]


def forecast_linked(
    scenario: Scenario,
    models: Sequence[str] = MODELS,
    eum_params: EUMParams | None = None,
    progress: Callable[[str], None] | None = None,
) -> LinkedForecast:
    """Forecast every issue in link order, applying each issue's links right after it."""
    current = scenario
    done: dict[str, IssueForecast] = {}
    applied: list[AppliedLink] = []
    for iid in _order(scenario):
        fc = forecast_issue(current, iid, models, eum_params)
        done[iid] = fc
        for k, ln in enumerate(scenario.links):
            if ln.issue != iid:
                continue
            if ln.model in fc.forecasts:
                x = fc.forecasts[ln.model]
            else:
                x = forecast_issue(current, iid, [ln.model], eum_params).forecasts[ln.model]
            fired = x is not None and ln.low <= x <= ln.high
            before = after = None
            if fired:
                current, before, after = apply_link(current, ln)
            applied.append(AppliedLink(k, ln, x, fired, before, after))
        if progress:
            progress(iid)
    ordered = [done[i.id] for i in scenario.issues]
    return LinkedForecast(ScenarioForecast(current, ordered), current, applied)
