"""Forecast negotiated outcomes: map a Scenario's issues onto the bargaining models and back."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from realpolitik.analysis.registry import (
    EUM_TAIL,
    SCENARIO_INPUTS,
    Context,
    IssuePanel,
    names,
)
from realpolitik.models.bargaining.eum import RELATIONSHIP_NAMES, EUMParams, EUMResult
from realpolitik.models.bargaining.procedural import DEFAULT_RULE, RULE_QUOTAS
from realpolitik.models.twolevel import blocking_ratifiers, zone_of_agreement
from realpolitik.scenario.schema import Issue, Scale, Scenario, Stance
from realpolitik.scenario.validate import unweighted_issue_error

MODELS = names("bargaining", inputs=SCENARIO_INPUTS, fitted=False)
"""The registered models a scenario has the inputs for (docs/models.md)."""
MAX_RELATIONSHIP_ACTORS = 200
"""Above this many actors the JSON gives counts of relationship types, not the N x N matrix."""


@dataclass(frozen=True)
class IssueInputs:
    """One issue as model inputs: actors with a stance, their positions, capabilities, saliences."""

    issue: Issue
    actors: list[str]
    positions: np.ndarray
    capabilities: np.ndarray
    saliences: np.ndarray
    winsets: dict[str, tuple[float, float]]

    @property
    def weights(self) -> np.ndarray:
        return self.capabilities * self.saliences

    def panel(self) -> IssuePanel:
        """The issue as a one-row model panel (the registry's input)."""
        sc = self.issue.scale
        ref = np.nan if self.issue.reference is None else float(self.issue.reference)
        return IssuePanel(
            actors=tuple(self.actors),
            positions=self.positions[None, :],
            capabilities=self.capabilities,
            saliences=self.saliences[None, :],
            reference=np.array([ref]),
            lo=float(sc.min),
            hi=float(sc.max),
            disagreement=np.array([disagreement_point(self.issue)[0]]),
            rule=np.array([decision_rule(self.issue)[0]]),
            issue_ids=(self.issue.id,),
        )


def issue_inputs(scenario: Scenario, issue_id: str) -> IssueInputs:
    issue = scenario.issue(issue_id)
    stances = scenario.stances_on(issue_id)
    caps = {a.id: a.capability.value for a in scenario.actors}
    return IssueInputs(
        issue=issue,
        actors=[s.actor for s in stances],
        positions=np.array([s.position.value for s in stances], dtype=float),
        capabilities=np.array(
            [effective_capability(s, caps[s.actor]) for s in stances], dtype=float
        ),
        saliences=np.array([s.salience.value for s in stances], dtype=float),
        winsets={s.actor: (s.winset.low, s.winset.high) for s in stances if s.winset},
    )


def decision_rule(issue: Issue) -> tuple[str, str]:
    """The issue's decision rule for Nash bargaining: its ``rule`` tag (the DEU importer writes
    ``qmv`` or ``unanimity``) when it names a known rule, else the default weighted majority
    (docs/models.md, Nash bargaining). Returns (rule, where it came from)."""
    rule = issue.tags.get("rule")
    if rule in RULE_QUOTAS:
        return rule, "tag"
    return DEFAULT_RULE, "default"


def effective_capability(stance: Stance, capability: float) -> float:
    """The capability the models see: with ``influence`` given, influence / salience, so that the
    weight capability x salience equals the stance's influence (docs/scenario-format.md)."""
    if stance.influence is None:
        return capability
    return float(influence_capability(stance.influence.value, np.array(stance.salience.value)))


def influence_capability(influence: float, salience: np.ndarray) -> np.ndarray:
    """influence / salience where the salience is positive, else 0 (any shape of saliences)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(salience > 0, influence / salience, 0.0)


def disagreement_point(issue: Issue) -> tuple[float, str]:
    """Nash's disagreement point: the issue's reference point, else a scale point labelled as the
    status quo, else the scale's minimum (documented in docs/models.md)."""
    if issue.reference is not None:
        return issue.reference, "reference"
    for x, label in issue.scale.points.items():
        if "status quo" in label.lower():
            return float(x), "status quo label"
    return issue.scale.min, "scale minimum"


def short_label(label: str) -> str:
    """A scale label up to its first colon ("1956 declaration: Shikotan ..." -> "1956
    declaration")."""
    return label.split(":", 1)[0].strip()


def describe_value(scale: Scale, x: float) -> str:
    """A number with the labelled points around it, never replaced by one:
    "44 (between 'joint economic activity' at 25 and '1956 declaration' at 50)"."""
    pts = sorted(scale.points.items())
    num = f"{x:.0f}"
    if not pts:
        return num
    at = [lab for p, lab in pts if abs(p - x) < 0.5]
    if at:
        return f"{num} ('{short_label(at[0])}')"
    below = [(p, lab) for p, lab in pts if p < x]
    above = [(p, lab) for p, lab in pts if p > x]
    if below and above:
        (p0, l0), (p1, l1) = below[-1], above[0]
        return f"{num} (between '{short_label(l0)}' at {p0:g} and '{short_label(l1)}' at {p1:g})"
    if below:
        p0, l0 = below[-1]
        return f"{num} (above '{short_label(l0)}' at {p0:g})"
    p1, l1 = above[0]
    return f"{num} (below '{short_label(l1)}' at {p1:g})"


@dataclass
class IssueForecast:
    inputs: IssueInputs
    forecasts: dict[str, float | None]
    eum: EUMResult | None = None
    nash_feasible: bool | None = None
    disagreement: tuple[float, str] | None = None
    rule: tuple[str, str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def nearest_label(self, x: float) -> str:
        lab = self.inputs.issue.scale.nearest_label(x)
        return "" if lab is None else lab[1]

    def describe(self, model: str) -> str:
        """A model's forecast in words: "24 (between 'none' at 0 and 'survey missions' at 50)", or
        "no agreement"."""
        x = self.forecasts.get(model)
        if x is None:
            return "-"
        if model == "nash" and self.nash_feasible is False:
            return f"no agreement (stays at {x:.0f})"
        if model == "eum" and self.eum is not None and not self.eum.converged:
            tail = self.eum.median_by_round[-min(EUM_TAIL, self.eum.rounds) :]
            steps = np.diff(tail)
            head = f"{x:.0f}, not converged within {self.eum.rounds} rounds"
            if (steps >= 0).all() or (steps <= 0).all():  # still on its way, in one direction
                return f"{head}: the median is still moving ({tail[0]:.0f} to {tail[-1]:.0f})"
            return (
                f"{head}, unstable: the median keeps moving between "
                f"{tail.min():.0f} and {tail.max():.0f}"
            )
        return describe_value(self.inputs.issue.scale, x)

    def to_json(self) -> dict[str, Any]:
        issue = self.inputs.issue
        out: dict[str, Any] = {
            "id": issue.id,
            "title": issue.title,
            "scale": {
                "min": issue.scale.min,
                "max": issue.scale.max,
                "points": issue.scale.labels(),
            },
            "actors": self.inputs.actors,
            "forecasts": self.forecasts,
            "labels": {
                m: (self.nearest_label(x) if x is not None else None)
                for m, x in self.forecasts.items()
            },
        }
        if self.disagreement is not None and "nash" in self.forecasts:
            out["nash"] = {
                "disagreement": self.disagreement[0],
                "from": self.disagreement[1],
                "feasible": self.nash_feasible,
                "rule": None if self.rule is None else self.rule[0],
                "rule_from": None if self.rule is None else self.rule[1],
            }
        if self.eum is not None:
            out["eum_converged"] = self.eum.converged
            rel = self.eum.relationships
            ids = self.inputs.actors
            codes, counts = np.unique(rel[~np.eye(len(ids), dtype=bool)], return_counts=True)
            relationship_counts = {
                RELATIONSHIP_NAMES[int(c)]: int(k) for c, k in zip(codes, counts, strict=True)
            }
            out["eum"] = {
                "median_by_round": self.eum.median_by_round.tolist(),
                "mean_by_round": self.eum.mean_by_round.tolist(),
                "positions_by_round": self.eum.positions.tolist(),
                "rounds": self.eum.rounds,
                "converged": self.eum.converged,
                "relationship_counts": relationship_counts,
                # the full matrix only while it stays readable (N^2 entries)
                "relationships": {
                    a: {b: RELATIONSHIP_NAMES[int(rel[i, j])] for j, b in enumerate(ids) if j != i}
                    for i, a in enumerate(ids)
                }
                if len(ids) <= MAX_RELATIONSHIP_ACTORS
                else None,
            }
        if self.inputs.winsets:
            out["twolevel"] = self.extra.get("twolevel")
        return out


def forecast_issue(
    scenario: Scenario,
    issue_id: str,
    models: Sequence[str] = MODELS,
    eum_params: EUMParams | None = None,
) -> IssueForecast:
    """Run the chosen bargaining models on one issue (docs/design.md, Models)."""
    inp = issue_inputs(scenario, issue_id)
    fc: dict[str, float | None] = {}
    result = IssueForecast(inputs=inp, forecasts=fc)
    if inp.positions.size == 0 or not inp.weights.sum() > 0:  # one rule: scenario/rules.py
        raise unweighted_issue_error(scenario, [issue_id])
    ctx = Context(inp.panel(), eum_params=eum_params or EUMParams())
    for m in models:
        if m not in MODELS:
            raise ValueError(f"unknown model {m!r}")
        pred = ctx.predict(m)
        x = float(pred.point[0])
        fc[m] = None if np.isnan(x) else x
        if m == "nash":
            result.nash_feasible = pred.detail[0]
            result.disagreement = disagreement_point(inp.issue)
            result.rule = decision_rule(inp.issue)
        elif m == "eum":
            result.eum = pred.detail[0]
    if ctx.errors:
        raise RuntimeError(ctx.errors[0])
    if inp.winsets:
        ws = list(inp.winsets.values())
        names = list(inp.winsets)
        zone = zone_of_agreement(ws)
        result.extra["twolevel"] = {
            "winsets": {a: list(w) for a, w in inp.winsets.items()},
            "zone_of_agreement": None if zone is None else list(zone),
            "ratified": {
                m: (x is not None and not blocking_ratifiers(x, ws)) for m, x in fc.items()
            },
            "blocking": {
                m: [names[k] for k in blocking_ratifiers(x, ws)]
                for m, x in fc.items()
                if x is not None
            },
        }
    return result


@dataclass
class ScenarioForecast:
    scenario: Scenario
    issues: list[IssueForecast]

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.scenario.id,
            "title": self.scenario.scenario.title,
            "issues": [f.to_json() for f in self.issues],
        }


def forecast_scenario(
    scenario: Scenario,
    models: Sequence[str] = MODELS,
    issue: str | None = None,
    eum_params: EUMParams | None = None,
    progress: Callable[[str], None] | None = None,
) -> ScenarioForecast:
    """Forecast every issue (or one) of a scenario with the chosen models."""
    ids = [i.id for i in scenario.issues]
    if issue is not None:
        if issue not in ids:
            raise KeyError(issue)
        ids = [issue]
    out = []
    for iid in ids:
        out.append(forecast_issue(scenario, iid, models, eum_params))
        if progress:
            progress(iid)
    return ScenarioForecast(scenario, out)
