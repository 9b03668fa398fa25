"""Plotly figures for the report. Every figure is returned as an HTML fragment without plotly.js
(the page embeds it once)."""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

from realpolitik.analysis.forecast import IssueForecast

MODEL_COLOURS = {"compromise": "#1f77b4", "median": "#2ca02c", "nash": "#9467bd", "eum": "#d62728"}


def fragment(fig: go.Figure) -> str:
    return pio.to_html(
        fig,
        full_html=False,
        include_plotlyjs=False,
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
