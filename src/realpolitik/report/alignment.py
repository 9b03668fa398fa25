"""Alignment section of the report: the network of coalitions (Plotly), the stable
configurations, the strategic triangles, the tipping sentence and the table of single changes
that would move the tipping pair's first actor off its partner's side, as one HTML fragment.

The fragment carries no plotly.js: the report page embeds it once.
"""

from __future__ import annotations

from html import escape

import numpy as np
import plotly.graph_objects as go

from realpolitik.analysis.alignment import AlignmentResult
from realpolitik.report.figures import figure_html
from realpolitik.report.text import (
    TRIAD_NAMES,
    alignment_summary,
    alternatives_sentence,
    tipping_sentence,
)

COALITION_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
POSITIVE, NEGATIVE = "#2ca02c", "#d62728"


def _layout(labels: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Node positions and label positions: every actor on one unit circle, each coalition on
    its own arc (in actor order) with an empty slot between coalitions. No three points of a
    circle are collinear, so no edge runs through a node or along another edge; the layout
    depends on the labels alone (deterministic). Labels sit outside the circle."""
    k = int(labels.max()) + 1
    order = [int(m) for c in range(k) for m in np.flatnonzero(labels == c)]
    slots: list[int] = []
    s = 0
    for c in range(k):
        size = int(np.sum(labels == c))
        slots += list(range(s, s + size))
        s += size + (1 if k > 1 else 0)
    total = max(s, 1)
    xy = np.zeros((labels.size, 2))
    where = [""] * labels.size
    for m, slot in zip(order, slots, strict=True):
        a = np.pi / 2 + 2 * np.pi * (slot + 1) / total
        xy[m] = (np.cos(a), np.sin(a))
        c, sn = float(np.cos(a)), float(np.sin(a))
        where[m] = ("top center" if sn > 0.7 else "bottom center" if sn < -0.7
                    else "middle left" if c < 0 else "middle right")
    return xy, where


def network_figure(result: AlignmentResult) -> go.Figure:
    """Actors as nodes coloured by predicted coalition and sized by capability; relations as
    edges, green for positive and red for negative, thicker when stronger."""
    inp = result.inputs
    lab = np.asarray(result.landscape.best.labels)
    xy, where = _layout(lab)
    p = inp.propensities
    fig = go.Figure()
    i_idx, j_idx = np.nonzero(np.triu(p, 1))
    top = float(np.abs(p).max()) or 1.0
    mids_x, mids_y, mids_t = [], [], []
    for sign, colour, name in ((1, POSITIVE, "positive"), (-1, NEGATIVE, "negative")):
        for lo, hi, width in ((0.0, 1 / 3, 1.0), (1 / 3, 2 / 3, 2.5), (2 / 3, np.inf, 4.5)):
            sel = [(i, j) for i, j in zip(i_idx, j_idx, strict=True)
                   if np.sign(p[i, j]) == sign and lo < abs(p[i, j]) / top <= hi]
            if not sel:
                continue
            xs: list[float | None] = []
            ys: list[float | None] = []
            for i, j in sel:
                xs += [float(xy[i, 0]), float(xy[j, 0]), None]
                ys += [float(xy[i, 1]), float(xy[j, 1]), None]
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", hoverinfo="skip",
                                     line={"color": colour, "width": width},
                                     opacity=0.55, name=f"{name} ties", showlegend=False))
    for i, j in zip(i_idx, j_idx, strict=True):
        mids_x.append(float(xy[i, 0] + xy[j, 0]) / 2)
        mids_y.append(float(xy[i, 1] + xy[j, 1]) / 2)
        mids_t.append(f"{inp.actors[i]}-{inp.actors[j]}: {p[i, j]:+.2f}")
    if mids_x:
        fig.add_trace(go.Scatter(x=mids_x, y=mids_y, mode="markers", hovertext=mids_t,
                                 hoverinfo="text", marker={"size": 6, "opacity": 0},
                                 showlegend=False))
    for c in range(int(lab.max()) + 1):
        members = np.flatnonzero(lab == c)
        fig.add_trace(go.Scatter(
            x=xy[members, 0], y=xy[members, 1], mode="markers+text",
            text=[inp.actors[m] for m in members], textposition=[where[m] for m in members],
            hovertext=[f"{inp.name(int(m))}<br>size {inp.sizes[m]:.3f}<br>frustration "
                       f"{result.frustration[m]:.3g}" for m in members],
            hoverinfo="text", name=f"coalition {c + 1}",
            marker={"size": [14 + 60 * float(np.sqrt(inp.sizes[m])) for m in members],
                    "color": COALITION_COLOURS[c % len(COALITION_COLOURS)],
                    "line": {"color": "white", "width": 1}}))
    fig.update_layout(
        title="Predicted alignment (nodes: coalitions; edges: green +, red -)",
        xaxis={"visible": False, "range": [-1.8, 1.8]},
        yaxis={"visible": False, "scaleanchor": "x", "range": [-1.35, 1.35]},
        height=460, margin={"l": 10, "r": 10, "t": 50, "b": 10}, plot_bgcolor="white",
        legend={"orientation": "h"})
    return fig


def alternatives_table(result: AlignmentResult) -> str:
    """The least single changes that move the tipping pair's first actor off its partner's
    side (relations within [-1, 1], sizes times a factor up to 10), smallest first."""
    t = result.tipping
    if t is None or t.partner is None:
        return ""
    inp = result.inputs
    a = inp.name(t.model.i)
    b = inp.name(inp.actors.index(t.partner))
    head = f"<h3>What single change would move {escape(a)} off {escape(b)}'s side?</h3>"
    if not t.alternatives:  # none within range, or not searched: the sentence says which
        return head + f"<p>{escape(alternatives_sentence(result) or '')}</p>"
    rows = []
    for n, alt in enumerate(t.alternatives, 1):
        if alt.kind == "relation":
            what = "relation " + escape("-".join(inp.actors[k] for k in alt.actors))
            frm, to, change = f"{alt.value:+.2f}", f"{alt.to:+.3f}", f"{alt.change:+.3f}"
        else:
            what = "size of " + escape(inp.actors[alt.actors[0]])
            frm, to, change = f"{alt.value:.3f}", f"{alt.to:.3f}", f"&times;{alt.change:.3g}"
        who = escape(", ".join(inp.actors[k] for k in alt.switchers))
        rows.append(f"<tr><td class='num'>{n}</td><td>{what}</td><td class='num'>{frm}</td>"
                    f"<td class='num'>{to}</td><td class='num'>{change}</td><td>{who}</td></tr>")
    return (head + "<table><tr><th>#</th><th>change</th><th>from</th><th>to</th>"
            "<th>by</th><th>switching sides</th></tr>" + "".join(rows) + "</table>"
            "<p class='muted'>Exact thresholds: beyond <i>to</i> the predicted configuration "
            "parts the two. Sizes are shares of the landscape's total before the change.</p>")


def alignment_html(result: AlignmentResult, *, max_configurations: int = 10) -> str:
    """The alignment section's body (the caller gives the heading): network figure, summary,
    tipping, alternatives, configurations, triads; every sentence once."""
    inp, land = result.inputs, result.landscape
    fig = figure_html(network_figure(result), "fig-alignment-network")
    tip = tipping_sentence(result)
    shown_apart = {tip, alternatives_sentence(result)}  # the tipping paragraph and the table
    summary = "".join(f"<li>{escape(s)}</li>" for s in alignment_summary(result)
                      if s not in shown_apart and not s.startswith("Strategic triangles"))
    rows = []
    for n, c in enumerate(land.minima[:max_configurations]):
        sides = " <b>vs</b> ".join(escape(", ".join(g)) for g in result.sides(c.labels) if g)
        rows.append(f"<tr><td class='num'>{n}</td><td>{sides}</td>"
                    f"<td class='num'>{c.energy:.4g}</td><td class='num'>{c.basin:.1%}</td></tr>")
    more = (f"<p class='muted'>{len(land.minima) - max_configurations} more stable "
            "configurations not shown.</p>" if len(land.minima) > max_configurations else "")
    configs = ("<table><tr><th>#</th><th>sides</th><th>energy</th><th>basin</th></tr>"
               + "".join(rows) + "</table>" + more)
    trows = []
    for t in result.triads:
        roles = ", ".join(f"{escape(inp.actors[m])}: {r}" for m, r in zip(t.members, t.roles,
                                                                        strict=True))
        trows.append(f"<tr><td>{escape('-'.join(inp.actors[m] for m in t.members))}</td>"
                     f"<td>{TRIAD_NAMES[t.type]}</td><td>{roles}</td></tr>")
    triad_table = ("<table><tr><th>triad</th><th>type (Dittmer 1981)</th><th>roles</th></tr>"
                   + "".join(trows) + "</table>") if trows else (
        "<p class='muted'>No triad of actors forms a strategic triangle.</p>")
    frows = "".join(f"<tr><td>{escape(inp.name(i))}</td><td class='num'>{inp.sizes[i]:.3f}</td>"
                    f"<td class='num'>{result.frustration[i]:.3g}</td></tr>"
                    for i in range(len(inp.actors)))
    ftable = ("<table><tr><th>actor</th><th>size (share)</th><th>frustration</th></tr>"
              + frows + "</table>")
    tip_html = f"<p class='tipping'><b>Tipping point.</b> {escape(tip)}</p>" if tip else ""
    notes = "".join(f"<li>{escape(n)}</li>" for n in inp.notes)
    return (
        "<div class='alignment'>"
        "<p class='muted'>Landscape theory (Axelrod &amp; Bennett 1993): energy E = "
        "&sum;<sub>i&lt;j</sub> s<sub>i</sub> s<sub>j</sub> p<sub>ij</sub> d<sub>ij</sub>, lower "
        "is a better fit; basin = share of starting configurations whose steepest descent ends "
        "there.</p>"
        f"{fig}<ul>{summary}</ul>{tip_html}{alternatives_table(result)}"
        f"<h3>Stable configurations</h3>{configs}"
        f"<h3>Strategic triangles</h3>{triad_table}"
        f"<h3>Sizes and frustration in the prediction</h3>{ftable}"
        f"<h3>Inputs: {escape(inp.title)}</h3><ul class='muted'>{notes}</ul>"
        "</div>"
    )
