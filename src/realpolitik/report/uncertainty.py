"""The report's uncertainty section: per question, how sure the headline is and what would
change it (docs/design.md, Headline; issue 12). It renders results computed elsewhere: the
headline's mixture samples and band odds (:mod:`realpolitik.analysis.headline`), the drop-one
table (:func:`realpolitik.analysis.simulate.drop_one`) and the smallest single changes that
would move the forecast into another labelled band (:func:`realpolitik.analysis.levers.levers`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Any

import numpy as np
import plotly.graph_objects as go

from realpolitik.analysis.headline import Headline
from realpolitik.report.figures import figure_html
from realpolitik.scenario.schema import Scale

HISTOGRAM_BINS = 20
SOBOL_SHOWN = 10
"""The Sobol chart shows the inputs with the largest total indices, at most this many."""
SOBOL_FLOOR = 0.01
"""Inputs whose total index is below this share are counted, not drawn."""


@dataclass(frozen=True)
class IssueUncertainty:
    """What the section shows for one issue."""

    issue: str
    title: str
    scale: Scale
    headline: Headline
    drop_one: list[dict[str, Any]] = field(default_factory=list)
    sobol: list[dict[str, Any]] = field(default_factory=list)
    """:func:`~realpolitik.analysis.simulate.sobol` rows for the headline model, largest ST
    first."""
    levers: list[dict[str, Any]] = field(default_factory=list)
    """One :func:`~realpolitik.analysis.levers.levers` result per target band."""


def _histogram(u: IssueUncertainty) -> str:
    h = u.headline
    lo, hi = h.scale
    width = (hi - lo) / HISTOGRAM_BINS
    edges = np.linspace(lo, hi, HISTOGRAM_BINS + 1)
    counts, _ = np.histogram(np.asarray(h.samples, dtype=float), bins=edges)
    share = counts / max(len(h.samples), 1)
    fig = go.Figure(
        go.Bar(
            x=(edges[:-1] + width / 2).tolist(), y=share.tolist(), width=width * 0.95,
            marker_color="#1f77b4", hovertemplate="%{x:.1f}: %{y:.0%}<extra></extra>",
        )
    )
    for _label, b_lo, _high in h.band_edges[1:]:
        fig.add_vline(x=b_lo, line_dash="dot", line_color="#888")
    fig.update_layout(
        height=260, margin={"l": 60, "r": 30, "t": 20, "b": 50}, showlegend=False,
        xaxis={"title": {"text": "outcome on the issue's scale"}, "range": [lo, hi],
               "automargin": True},
        yaxis={"title": {"text": "share of draws"}, "tickformat": ".0%", "automargin": True},
    )
    return figure_html(fig, f"fig-uncertainty-{u.issue}")


def _sobol_chart(u: IssueUncertainty, names: dict[str, str]) -> str:
    """Total and first-order Sobol indices of the inputs that drive the headline model's
    forecast, with their 95% bootstrap intervals, largest total index on top."""
    shown = [d for d in u.sobol if d["ST"] >= SOBOL_FLOOR][:SOBOL_SHOWN]
    if not shown:
        return "<p>No input's range moves this forecast: there is nothing to apportion.</p>"
    rest = len(u.sobol) - len(shown)
    shown.reverse()  # plotly draws the first bar at the bottom
    labels = [f"{names.get(d['actor'], d['actor'])}: {d['kind']}" for d in shown]
    fig = go.Figure()
    for key, name, colour in (("ST", "total (with interactions)", "#1f77b4"),
                              ("S1", "first order (alone)", "#ff7f0e")):
        fig.add_trace(go.Bar(
            y=labels, x=[d[key] for d in shown], name=name, orientation="h", marker_color=colour,
            error_x={"type": "data", "array": [d[f"{key}_conf"] for d in shown],
                     "thickness": 1, "width": 3},
            customdata=[d["input"] for d in shown],
            hovertemplate="%{customdata}: %{x:.2f}<extra>" + name + "</extra>",
        ))
    fig.update_layout(
        barmode="group", height=150 + 40 * len(shown),
        margin={"l": 60, "r": 30, "t": 40, "b": 50},
        legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"},
        xaxis={"title": {"text": "share of the forecast's variance"}, "automargin": True},
        yaxis={"automargin": True},
    )
    return (
        f"<p>What drives the {escape(u.headline.model)} forecast over the cited ranges: Sobol "
        "indices (the share of the forecast's variance due to each input, alone and with its "
        "interactions; bars give 95% bootstrap intervals)"
        + (f"; {rest} other inputs each explain less than {SOBOL_FLOOR:.0%}" if rest else "")
        + ".</p>"
        + figure_html(fig, f"fig-sobol-{u.issue}")
    )


def _bands_table(h: Headline) -> str:
    rows = "".join(
        f"<tr><td>{escape(label)}</td><td>{lo:g} to {hi:g}</td>"
        f"<td>{h.bands.get(label, 0.0):.0%}</td></tr>"
        for label, lo, hi in h.band_edges
    )
    return (
        "<table><tr><th>labelled outcome</th><th>band of the scale</th>"
        f"<th>probability</th></tr>{rows}</table>"
    )


def _drop_table(u: IssueUncertainty, names: dict[str, str]) -> str:
    if not u.drop_one:
        return "<p>No actor's absence changes who weighs the issue.</p>"
    rows = "".join(
        f"<tr><td>{escape(names.get(d['actor'], d['actor']))}</td>"
        f"<td>{d['shift']:+.1f}</td></tr>"
        for d in u.drop_one
    )
    return (
        f"<table><tr><th>actor left out</th><th>shift of the {escape(u.headline.model)} "
        f"forecast</th></tr>{rows}</table>"
    )


def _change(lever: dict[str, Any]) -> str:
    parts = [f"{escape(c['path'])} from {c['from']:.3g} to {c['to']:.3g}" for c in lever["inputs"]]
    inside = "inside" if lever["within_range"] else "outside"
    return f"{' and '.join(parts)} ({inside} the cited range), forecast {lever['forecast']:.1f}"


def _levers_list(u: IssueUncertainty) -> str:
    items = []
    for result in u.levers:
        lo, hi = result["target"]
        label = next((b for b, b_lo, b_hi in u.headline.band_edges
                      if (b_lo, b_hi) == (lo, hi)), f"{lo:g} to {hi:g}")
        found = result["singles"][:3] or result["pairs"][:2]
        what = (
            "; ".join(_change(lv) for lv in found)
            if found
            else "no single change and no pair of changes within the search bounds does it"
        )
        items.append(f"<li>into '{escape(label)}' ({lo:g} to {hi:g}): {what}</li>")
    if not items:
        return ""
    return (
        "<p>What would have to change: the smallest changes that bring the "
        f"{escape(u.headline.model)} forecast into another labelled band "
        "(sizes in docs/design.md, Levers)</p><ul>" + "".join(items) + "</ul>"
    )


def uncertainty_html(issues: list[IssueUncertainty], names: dict[str, str]) -> str:
    """The section body: per issue the headline in words, the distribution of its outcome
    over the draws, the band odds, the Sobol chart, the drop-one table and the levers."""
    parts = []
    for u in issues:
        parts.append(
            f"<h3>{escape(u.title)}</h3>"
            f"<p>{escape(u.headline.sentence(u.scale))}.</p>"
            + _histogram(u)
            + _bands_table(u.headline)
            + _sobol_chart(u, names)
            + _drop_table(u, names)
            + _levers_list(u)
        )
    return "".join(parts)
