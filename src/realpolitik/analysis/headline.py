"""One answer per question: whether, then where (docs/design.md, Headline).

The bargaining models say where an agreement would land, not whether one happens. The headline
is a mixture: with probability P(agreement within the horizon) the outcome is the selected
model's forecast plus its back-test error, otherwise the status quo holds.

- **Where**: the model the back-test record selects (``analysis/fitted/deu3.json``; the
  compromise model, docs/accuracy.md) on Latin-hypercube draws of the cited ranges (the design
  of ``simulate``), each draw plus a back-test residual of that model resampled, rescaled from
  the DEU 0-100 scale to the issue's scale and clipped to it.
- **Whether**: the share of draws in which the forecast is ratifiable (inside every domestic
  win-set, counted by :func:`~realpolitik.analysis.draws.forecast_block` as ``simulate`` counts
  it, with the scenario's links applied draw by draw), pooled with the base rate
  the scenario's question declares for its kind of negotiation, converted to the horizon with a
  constant hazard, by a pseudo-count (Beta) rule.

The samples travel with the headline so that the forecast ledger can score it with proper
scoring rules once the outcome is known.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from realpolitik.analysis.draws import BlockForecasts, design, forecast_block
from realpolitik.analysis.forecast import (
    MODELS,
    describe_value,
    disagreement_point,
    forecast_issue,
)
from realpolitik.analysis.registry import EUM_TAIL
from realpolitik.analysis.simulate import band_probabilities, bands
from realpolitik.errors import InputError, Problem
from realpolitik.scenario.schema import Issue, Question, Scale, Scenario

HEADLINE_MODEL = "compromise"
"""The model a headline uses when the back-test record selects none a scenario can run."""
HEADLINE_DRAWS = 200
PRIOR_CASES = 8.0
"""The base rate's weight, in pseudo-cases, in P(agreement) (docs/design.md, Headline)."""
MODEL_CASES = 2.0
"""The draws' weight, in pseudo-cases: no back-test scores whether an agreement happens (DEU
records adopted proposals only), so the model's verdict counts for a fifth of the prior's."""
EVEN_ODDS = 0.5
"""The prior of a headline whose question declares no base rate (or that has no question):
even odds, so that the draws alone never make the status quo certain or impossible."""
DEU_SCALE_WIDTH = 100.0
"""The back-test's residuals are on the DEU 0-100 scale."""


@lru_cache(maxsize=1)
def _record() -> dict[str, Any]:
    from realpolitik.analysis.backtest import DEFAULT_CAPABILITY, load_parameters

    record: dict[str, Any] = load_parameters()["capabilities"][DEFAULT_CAPABILITY]
    return record


def selected_model() -> str:
    """The model the back-test record selects, when a scenario can run it, else the compromise
    model (docs/accuracy.md: nothing beats it)."""
    name = str(_record().get("selected", HEADLINE_MODEL))
    return name if name in MODELS else HEADLINE_MODEL


def residuals(model: str) -> np.ndarray:
    """The model's out-of-fold back-test residuals (outcome - forecast, DEU 0-100 scale); empty
    for a model the record does not hold."""
    return np.asarray(_record()["residuals"].get(model, []), dtype=float)


# --------------------------------------------------------------------------- whether


def horizon_years(question: Question, as_of: dt.date | None) -> float | None:
    """The question's horizon in years after ``as_of`` (a date is converted at 365.25 days)."""
    h = question.horizon
    if isinstance(h, dt.date):
        return None if as_of is None else (h - as_of).days / 365.25
    return None if h is None else float(h)


def base_rate_over(rate: float, rate_years: float | None, horizon: float | None) -> float:
    """A base rate over ``rate_years`` as a probability over ``horizon`` years, at a constant
    hazard: 1 - (1 - rate)^(horizon / rate_years). Without both periods, the rate as given."""
    if rate_years is None or horizon is None:
        return rate
    return float(1.0 - (1.0 - rate) ** (horizon / rate_years))


def p_agreement(
    share: float,
    prior: float | None,
    prior_cases: float = PRIOR_CASES,
    model_cases: float = MODEL_CASES,
) -> float:
    """P(agreement): the posterior mean of a Beta(prior_cases * prior, prior_cases * (1 -
    prior)) prior updated with the draws' ratifiable share counted as ``model_cases``
    observations, (prior_cases * prior + model_cases * share) / (prior_cases + model_cases).
    Without a declared prior, even odds (``EVEN_ODDS``): P lies in [0.4, 0.6]."""
    if prior is None:
        prior = EVEN_ODDS
    return float((prior_cases * prior + model_cases * share) / (prior_cases + model_cases))


def question_for(scenario: Scenario, issue: str) -> Question | None:
    """The first question on ``issue`` that declares a base rate, else the first on it."""
    on = [q for q in scenario.questions if q.issue == issue]
    return next((q for q in on if q.base_rate is not None), on[0] if on else None)


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The q-quantile (inverse CDF) of a discrete distribution: the smallest value whose
    cumulative weight reaches q."""
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order]) / weights.sum()
    k = int(np.searchsorted(cum, q - 1e-12))
    return float(values[order][min(k, values.size - 1)])


# --------------------------------------------------------------------------- the headline


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
    p_agreement: float = 1.0
    ratifiable_share: float = 1.0
    base_rate: float | None = None
    horizon_years: float | None = None
    unstable: tuple[float, float] | None = None
    """A cycling EUM's range over its last rounds (the value is then no point forecast)."""

    def to_json(self, samples: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "issue": self.issue,
            "model": self.model,
            "value": self.value,
            "interval80": list(self.interval80),
            "status_quo": self.status_quo,
            "p_agreement": self.p_agreement,
            "bands": self.bands,
            "ratifiable_share": self.ratifiable_share,
            "base_rate": self.base_rate,
            "horizon_years": self.horizon_years,
            "unstable_range": None if self.unstable is None else list(self.unstable),
            "scale": list(self.scale),
            "band_edges": [{"label": b, "low": lo, "high": hi} for b, lo, hi in self.band_edges],
        }
        if samples:
            out["samples"] = list(self.samples)
        return out

    def sentence(self, scale: Scale) -> str:
        """The headline in words, P(status quo holds) first."""
        where = (
            f"unstable, between {self.unstable[0]:.0f} and {self.unstable[1]:.0f}"
            if self.unstable is not None
            else describe_value(scale, self.value)
        )
        within = "" if self.horizon_years is None else f" within {self.horizon_years:.1f} years"
        prior = (
            "no base rate declared: even odds assumed"
            if self.base_rate is None
            else f"base rate {self.base_rate:.1%}"
        ) + f", ratifiable in {self.ratifiable_share:.0%} of draws"
        lo, hi = self.interval80
        return (
            f"status quo holds {1 - self.p_agreement:.0%} at "
            f"{describe_value(scale, self.status_quo)}; agreement{within} "
            f"{self.p_agreement:.0%} ({prior}), landing at {where} by the {self.model} model; "
            f"80% interval {lo:.0f}-{hi:.0f}"
        )


@dataclass(frozen=True)
class _Runs:
    """One model on the cited values and on the draws, links applied draw by draw."""

    point: BlockForecasts
    drawn: BlockForecasts


def _runs(scenario: Scenario, model: str, draws: int, seed: int) -> _Runs:
    plan = design(scenario, draws, seed)
    point = forecast_block(scenario, [], np.empty((1, 0)), [model])
    return _Runs(point, forecast_block(scenario, list(plan.paths), plan.values, [model]))


def _headline(
    scenario: Scenario, issue: str, model: str, runs: _Runs, seed: int,
    base_rate: float | None,
) -> Headline:
    iss: Issue = scenario.issue(issue)
    point = float(runs.point.forecasts[issue][model][0])
    if np.isnan(point):
        raise InputError(scenario.where, [Problem(issue, "no actor weighs this issue")])
    unstable = None
    if model == "eum":  # the run at the cited values, with what the links left
        landed = runs.point.block.scenario_of(0, runs.point.block.link_targets())
        base = forecast_issue(landed, issue, [model])
        if base.eum is not None and not base.eum.converged:
            tail = base.eum.median_by_round[-min(EUM_TAIL, base.eum.rounds) :]
            unstable = (float(tail.min()), float(tail.max()))
    drawn = runs.drawn.forecasts[issue][model]
    xs = np.where(np.isnan(drawn), point, drawn)
    share = float(np.mean(runs.drawn.ratifiable[issue][model]))
    lo, hi = iss.scale.min, iss.scale.max
    rng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
    res = residuals(model)
    err = rng.choice(res, size=xs.size) * (hi - lo) / DEU_SCALE_WIDTH if res.size else 0.0
    where = np.clip(xs + err, lo, hi)
    q = question_for(scenario, issue)
    years = None if q is None else horizon_years(q, scenario.scenario.as_of)
    prior = base_rate
    if prior is None and q is not None and q.base_rate is not None:
        prior = base_rate_over(q.base_rate.value, q.base_rate_years, years)
    p = p_agreement(share, prior)
    sq = disagreement_point(iss)[0]
    values = np.append(where, sq)
    weights = np.append(np.full(where.size, p / where.size), 1.0 - p)
    in_band = band_probabilities(iss, where)
    at_sq = band_probabilities(iss, np.array([sq]))
    mixed = {b: p * in_band[b] + (1 - p) * at_sq[b] for b in in_band}
    # the ledger's samples: the draws, a share round(p * n) of them (chosen by the seed) as
    # agreements, the rest at the status quo
    agree = np.zeros(where.size, dtype=bool)
    agree[rng.permutation(where.size)[: round(p * where.size)]] = True
    return Headline(
        issue=issue,
        model=model,
        value=float(point),
        interval80=(
            weighted_quantile(values, weights, 0.1),
            weighted_quantile(values, weights, 0.9),
        ),
        status_quo=sq,
        bands=mixed,
        samples=tuple(float(v) for v in np.where(agree, where, sq)),
        scale=(lo, hi),
        band_edges=tuple(bands(iss)),
        p_agreement=p,
        ratifiable_share=share,
        base_rate=prior,
        horizon_years=years,
        unstable=unstable,
    )

def headline(
    scenario: Scenario,
    issue: str,
    model: str | None = None,
    draws: int = HEADLINE_DRAWS,
    seed: int = 0,
    base_rate: float | None = None,
) -> Headline:
    """The headline on ``issue``: ``model`` (default: the back-test's selection) over ``draws``
    draws of the cited ranges plus its back-test error, mixed with the status quo by
    P(agreement). ``base_rate`` (over the horizon) overrides the question's declared one."""
    model = model or selected_model()
    if issue not in {i.id for i in scenario.issues}:
        raise KeyError(issue)
    return _headline(scenario, issue, model, _runs(scenario, model, draws, seed), seed,
                     base_rate)


def headlines(
    scenario: Scenario, issues: list[str], draws: int | None = None, seed: int = 0
) -> dict[str, Headline]:
    """The headline of every issue that some actor weighs, by issue id: the draws of all the
    issues evaluated together (``draws`` of them, default :data:`HEADLINE_DRAWS`)."""
    weighed = [i for i in issues if scenario.stances_on(i)]
    if not weighed:
        return {}
    model = selected_model()
    runs = _runs(scenario, model, HEADLINE_DRAWS if draws is None else draws, seed)
    out = {}
    for iid in weighed:
        try:
            out[iid] = _headline(scenario, iid, model, runs, seed, None)
        except InputError:  # nobody with weight on it: no forecast to lead with
            continue
    return out
