"""Plotly figures for the report. Every figure is returned as an HTML fragment without plotly.js
(the page embeds it once), through :func:`figure_html`, so the same input gives the same bytes."""

from __future__ import annotations

import re

import numpy as np
import numpy.typing as npt
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from realpolitik.analysis.forecast import IssueForecast

MODEL_COLOURS = {"compromise": "#1f77b4", "median": "#2ca02c", "nash": "#9467bd", "eum": "#d62728"}


def html_id(*parts: str) -> str:
    """A safe, deterministic HTML id from free text, parts joined by "-": letters, digits and
    ``_ . -`` are kept (so distinct scenario ids give distinct HTML ids), any other run of
    characters becomes "-"; an id that would be empty becomes "x"."""
    slug = "-".join(re.sub(r"[^A-Za-z0-9_.\-]+", "-", p) for p in parts).strip("-")
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


def dodge(values: npt.ArrayLike, step: float) -> np.ndarray:
    """Vertical offsets that draw equal values side by side: values closer than ``step / 2``
    form a group, and a group of g values is spread to (q - (g - 1) / 2) * step, q = 0..g-1 in
    input order. Singletons get 0. Deterministic; the hover text keeps the true values."""
    v = np.asarray(values, dtype=float)
    out = np.zeros(v.size)
    order = np.argsort(v, kind="stable")
    start = 0
    for k in range(1, v.size + 1):
        if k == v.size or not v[order[k]] - v[order[k - 1]] < step / 2:
            group = np.sort(order[start:k])
            out[group] = (np.arange(group.size) - (group.size - 1) / 2) * step
            start = k
    return out


def eum_rounds_figure(fc: IssueForecast) -> go.Figure:
    """Left: actors' positions by expected-utility round (whole rounds on the axis; actors at the
    same position drawn side by side). Right: every model's forecast in its own column, so equal
    forecasts never overprint, with its value written inside the plot."""
    inp = fc.inputs
    sc = inp.issue.scale
    step = 0.012 * sc.range
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, column_widths=[0.82, 0.18],
                        horizontal_spacing=0.02)
    shown: list[float] = [sc.min, sc.max]
    if fc.eum is not None:
        pos = np.asarray(fc.eum.positions, dtype=float)
        off = np.vstack([dodge(row, step) for row in pos])
        rounds = list(range(pos.shape[0]))
        for j, actor in enumerate(inp.actors):
            y = pos[:, j] + off[:, j]
            shown += [float(y.min()), float(y.max())]
            fig.add_trace(
                go.Scatter(
                    x=rounds,
                    y=y,
                    customdata=pos[:, j],
                    mode="lines+markers",
                    name=actor,
                    line={"width": 1 + 3 * float(inp.saliences[j])},
                    hovertemplate=f"{actor}<br>round %{{x}}: %{{customdata:.1f}}<extra></extra>",
                ),
                row=1, col=1,
            )
        fig.add_trace(
            go.Scatter(
                x=rounds,
                y=fc.eum.median_by_round,
                mode="lines",
                name="EUM median",
                line={"color": "black", "dash": "dot", "width": 3},
            ),
            row=1, col=1,
        )
        x_range = [-0.3, max(rounds[-1], 1) + 0.3]
    else:
        x0 = np.asarray(inp.positions, dtype=float)
        y = x0 + dodge(x0, step)
        shown += [float(y.min()), float(y.max())]
        fig.add_trace(
            go.Scatter(
                x=[0] * len(inp.actors),
                y=y,
                customdata=x0,
                mode="markers+text",
                text=inp.actors,
                textposition="middle right",
                name="positions",
                hovertemplate="%{text}: %{customdata:.1f}<extra></extra>",
            ),
            row=1, col=1,
        )
        x_range = [-0.3, 1.0]
    high = sc.min + 0.85 * sc.range
    for m, x in fc.forecasts.items():
        if x is None:
            continue
        fig.add_trace(
            go.Scatter(
                x=[m],
                y=[x],
                mode="markers+text",
                name=f"{m} forecast",
                marker={"symbol": "diamond", "size": 13, "color": MODEL_COLOURS.get(m, "grey")},
                text=[f"{x:.0f}"],
                textposition="bottom center" if x > high else "top center",
                hovertemplate=f"{m}: %{{y:.1f}}<extra></extra>",
            ),
            row=1, col=2,
        )
    for p, label in sc.points.items():
        fig.add_hline(
            y=p,
            line={"color": "#bbb", "dash": "dash", "width": 1},
            annotation_text=label[:60],
            annotation_position="top left",
            annotation_font_size=10,
            row=1, col=1,
        )
    pad = 0.05 * sc.range
    fig.update_layout(
        title="Positions by expected-utility round, and each model's forecast",
        height=460,
        margin={"l": 50, "r": 20, "t": 50, "b": 40},
        legend={"font": {"size": 10}},
        template="plotly_white",
    )
    fig.update_xaxes(title_text="round", tickmode="linear", tick0=0, dtick=1, range=x_range,
                     row=1, col=1)
    fig.update_xaxes(title_text="forecast", row=1, col=2)
    fig.update_yaxes(title_text="position", range=[min(shown) - pad, max(shown) + pad],
                     row=1, col=1)
    return fig
