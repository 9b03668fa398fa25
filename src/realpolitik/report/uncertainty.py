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


@dataclass(frozen=True)
class IssueUncertainty:
    """What the section shows for one issue."""

    issue: str
    title: str
    scale: Scale
    headline: Headline
    drop_one: list[dict[str, Any]] = field(default_factory=list)
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
    over the draws, the band odds, the drop-one table and the levers."""
    parts = []
    for u in issues:
        parts.append(
            f"<h3>{escape(u.title)}</h3>"
            f"<p>{escape(u.headline.sentence(u.scale))}.</p>"
            + _histogram(u)
            + _bands_table(u.headline)
            + _drop_table(u, names)
            + _levers_list(u)
        )
    return "".join(parts)
