"""Plotly figures for the report. Every figure is returned as an HTML fragment without plotly.js
(the page embeds it once), through :func:`figure_html`, so the same input gives the same bytes."""

from __future__ import annotations

import re

import plotly.graph_objects as go
import plotly.io as pio

from realpolitik.analysis.forecast import IssueForecast

MODEL_COLOURS = {"compromise": "#1f77b4", "median": "#2ca02c", "nash": "#9467bd", "eum": "#d62728"}


def html_id(*parts: str) -> str:
    """A safe, deterministic HTML id from free text (issue ids, actor ids): lower-case letters,
    digits and hyphens only; an id that would be empty becomes "x"."""
    slug = "-".join(re.sub(r"[^a-z0-9]+", "-", p.lower()).strip("-") for p in parts)
    slug = re.sub(r"-+", "-", slug).strip("-")
    return slug or "x"


def figure_html(fig: go.Figure, div_id: str) -> str:
    """The figure as an HTML ``<div>`` plus its ``Plotly.newPlot`` call, without plotly.js, with
    the given ``div_id`` (Plotly would draw a random UUID): the same figure gives the same bytes.
    ``div_id`` must be unique in the page; it is slugged with :func:`html_id`."""
    return pio.to_html(
        fig,
        full_html=False,
        include_plotlyjs=False,
        div_id=html_id(div_id),
        config={"displaylogo": False, "responsive": True},
    )


def eum_rounds_figure(fc: IssueForecast) -> go.Figure:
    """Actors' positions by expected-utility round, with every model's forecast marked."""
    inp = fc.inputs
    sc = inp.issue.scale
    fig = go.Figure()
    if fc.eum is not None:
        pos = fc.eum.positions
        rounds = list(range(pos.shape[0]))
        for j, actor in enumerate(inp.actors):
            fig.add_trace(
                go.Scatter(
                    x=rounds,
                    y=pos[:, j],
                    mode="lines+markers",
                    name=actor,
                    line={"width": 1 + 3 * float(inp.saliences[j])},
                    hovertemplate=f"{actor}<br>round %{{x}}: %{{y:.1f}}<extra></extra>",
                )
            )
        fig.add_trace(
            go.Scatter(
                x=rounds,
                y=fc.eum.median_by_round,
                mode="lines",
                name="EUM median",
                line={"color": "black", "dash": "dot", "width": 3},
            )
        )
        last = rounds[-1]
    else:
        last = 0
        fig.add_trace(
            go.Scatter(
                x=[0] * len(inp.actors),
                y=inp.positions,
                mode="markers+text",
                text=inp.actors,
                textposition="middle right",
                name="positions",
            )
        )
    for m, x in fc.forecasts.items():
        if x is None:
            continue
        fig.add_trace(
            go.Scatter(
                x=[last + 0.6],
                y=[x],
                mode="markers+text",
                name=f"{m} forecast",
                marker={"symbol": "diamond", "size": 14, "color": MODEL_COLOURS.get(m, "grey")},
                text=[f"{m} {x:.0f}"],
                textposition="middle right",
            )
        )
    for p, label in sc.points.items():
        fig.add_hline(
            y=p,
            line={"color": "#bbb", "dash": "dash", "width": 1},
            annotation_text=label[:60],
            annotation_position="top left",
            annotation_font_size=10,
        )
    fig.update_layout(
        title=f"{inp.issue.title or inp.issue.id}: positions by expected-utility round",
        xaxis_title="round",
        yaxis_title="position",
        yaxis_range=[sc.min - 0.03 * sc.range, sc.max + 0.03 * sc.range],
        height=460,
        margin={"l": 50, "r": 20, "t": 50, "b": 40},
        legend={"font": {"size": 10}},
        template="plotly_white",
    )
    return fig
