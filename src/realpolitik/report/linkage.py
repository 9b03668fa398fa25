"""The report's issue-linkage section: the trades the exchange model finds and what they move.

:func:`linkage_html` returns an HTML fragment (no plotly.js; the report embeds it once).
"""

from __future__ import annotations

from html import escape

import numpy as np
import plotly.graph_objects as go
from plotly.colors import qualitative

from realpolitik.analysis.linkage import LinkageResult, Trade
from realpolitik.numfmt import fmt
from realpolitik.report.figures import figure_html
from realpolitik.scenario.schema import Scenario


def _trade_rows(trades: list[Trade], names: dict[str, str], titles: dict[str, str]) -> str:
    """One row per trade, issues by title; each gain sits beside the actor it goes to."""
    rows = []
    for t in trades:
        share = f"{t.runs}/{t.repetitions}" if t.repetitions > 1 else ""
        rounds = ", ".join(str(r) for r in t.rounds)
        rows.append(
            "<tr>"
            f"<td>{escape(names.get(t.actor_a, t.actor_a))}</td>"
            f"<td>{escape(titles.get(t.issue_a, t.issue_a))}</td>"
            f"<td class='num'>{fmt(t.from_a)} &rarr; {fmt(t.to_a)}</td>"
            f"<td class='num'>{t.gain_a:.3g}</td>"
            f"<td>{escape(names.get(t.actor_b, t.actor_b))}</td>"
            f"<td>{escape(titles.get(t.issue_b, t.issue_b))}</td>"
            f"<td class='num'>{fmt(t.from_b)} &rarr; {fmt(t.to_b)}</td>"
            f"<td class='num'>{t.gain_b:.3g}</td>"
            f"<td class='num'>{rounds}</td><td class='num'>{share}</td>"
            "</tr>"
        )
    head = (
        "<tr><th>actor giving ground</th><th>on</th><th>from &rarr; to</th>"
        "<th>gain of the actor giving ground</th><th>in return for a move by</th><th>on</th>"
        "<th>from &rarr; to</th><th>gain of the actor moving in return</th><th>rounds</th>"
        "<th>runs</th></tr>"
    )
    return "<table>" + head + "".join(rows) + "</table>"


def positions_figure(result: LinkageResult, scenario: Scenario) -> go.Figure:
    """Each actor's position on each issue before and after the exchanges, and the outcome
    (capability-and-salience-weighted mean) before and after."""
    inp = result.inputs
    titles = [result.titles.get(i, i) for i in inp.issues]
    before, after = result.positions_before, result.positions_after
    names = {a.id: a.name or a.id for a in scenario.actors}
    fig = go.Figure()
    n = len(inp.actors)
    for a, actor in enumerate(inp.actors):
        has = ~np.isnan(before[a])
        if not has.any():
            continue
        offset = (a - (n - 1) / 2) * 0.6 / max(n, 1)
        ys = [k + offset for k in range(len(inp.issues)) if has[k]]
        xb = [float(before[a, k]) for k in range(len(inp.issues)) if has[k]]
        xa = [float(after[a, k]) for k in range(len(inp.issues)) if has[k]]
        xs: list[float | None] = []
        yy: list[float | None] = []
        for y, b, e in zip(ys, xb, xa, strict=True):
            xs += [b, e, None]
            yy += [y, y, None]
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=yy,
                mode="lines+markers",
                name=names.get(actor, actor),
                marker={"symbol": ["circle-open", "circle", "circle"] * len(ys), "size": 8},
                hovertemplate=f"{escape(actor)}: %{{x:.1f}}<extra></extra>",
            )
        )
    k = np.arange(len(inp.issues))
    for label, x, symbol in (
        ("outcome before", result.compromise_before, "diamond-open"),
        ("outcome after", result.compromise_after, "diamond"),
    ):
        fig.add_trace(
            go.Scatter(
                x=x,
                y=k,
                mode="markers",
                name=label,
                marker={"symbol": symbol, "size": 13, "color": "black"},
                hovertemplate=f"{label}: %{{x:.1f}}<extra></extra>",
            )
        )
    fig.update_layout(
        title="Positions before (open) and after (filled) the exchanges",
        xaxis_title="position on the issue's scale",
        yaxis={"tickvals": list(k), "ticktext": titles, "autorange": "reversed"},
        height=120 + 60 * len(inp.issues),
        margin={"l": 10, "r": 10, "t": 50, "b": 40},
        legend={"font": {"size": 10}},
        colorway=qualitative.Dark24,  # 24 colours: no two actors share one in a scenario
    )
    return fig


def linkage_html(
    result: LinkageResult,
    scenario: Scenario,
    focus: str | None = None,
    top: int = 10,
) -> str:
    """HTML fragment: which issues get traded against which (the focus issue, by default the
    scenario's first issue, first), outcomes before and after, what each actor gains, and a
    chart of the positions before and after."""
    inp = result.inputs
    names = {a.id: a.name or a.id for a in scenario.actors}
    if focus is None and inp.issues:
        focus = inp.issues[0]
    trades = result.trades()
    parts = [
        "<p>Stokman &amp; Van Oosten's exchange model (equal-gain version, as implemented by "
        "decide): two actors on opposite sides of two issues, who care about them to different "
        "degrees, each give ground on the issue they care less about, so that both gain "
        "equally in expected utility (salience times the shift of the outcome, in points of the "
        f"0-100 scale). {result.rounds} rounds"
        + (f", {result.repetitions} runs (ties broken at random)" if result.repetitions > 1 else "")
        + f"; seed {result.seed}.</p>"
    ]
    if focus is not None:
        on = [t for t in trades if t.involves(focus)][:top]
        title = escape(result.titles.get(focus, focus))
        parts.append(f"<h3>Trades on {title}</h3>")
        parts.append(_trade_rows(on, names, result.titles) if on
                     else "<p>No exchange moves this issue.</p>")
    parts.append("<h3>Top trades</h3>")
    parts.append(_trade_rows(trades[:top], names, result.titles) if trades
                 else "<p>No exchanges.</p>")
    before, after, sd = result.compromise_before, result.compromise_after, result.compromise_sd
    rows = []
    for k, iid in enumerate(inp.issues):
        spread = f" &plusmn; {sd[k]:.1f}" if result.repetitions > 1 else ""
        rows.append(
            f"<tr><td>{escape(result.titles.get(iid, iid))}</td>"
            f"<td class='num'>{before[k]:.1f}</td><td class='num'>{after[k]:.1f}{spread}</td></tr>"
        )
    parts.append(
        "<h3>Outcomes</h3><table><tr><th>issue</th><th>before</th><th>after</th></tr>"
        + "".join(rows)
        + "</table>"
    )
    gain = result.utility_change()
    order = np.argsort(-gain)
    parts.append(
        "<h3>Who gains from linkage</h3><p class='muted'>Salience-weighted movement of the "
        "outcomes toward each actor's initial positions, summed over issues.</p><table>"
        "<tr><th>actor</th><th>utility change</th></tr>"
        + "".join(
            f"<tr><td>{escape(names.get(inp.actors[a], inp.actors[a]))}</td>"
            f"<td class='num'>{gain[a]:+.2f}</td></tr>"
            for a in order
        )
        + "</table>"
    )
    fig = positions_figure(result, scenario)
    parts.append(figure_html(fig, "fig-linkage-positions"))
    return "\n".join(parts)
