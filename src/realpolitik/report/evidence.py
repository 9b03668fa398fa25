"""The report's "Evidence from the articles" section: the events and stance claims `ingest`
finds in the scenario's own sources, per pair of actors on a timeline, each with its quote."""

from __future__ import annotations

from collections import defaultdict
from html import escape
from typing import Any

import plotly.graph_objects as go

from realpolitik.news.events import PENTA
from realpolitik.report.figures import figure_html

MAX_QUOTES = 6
"""Quotes listed per pair (the most recent first); the timeline shows every event."""
COLOURS = {0: "#888888", 1: "#4c9be8", 2: "#1a6fc4", 3: "#e8914c", 4: "#c43c1a"}


def _key(e: dict[str, Any]) -> tuple[Any, ...]:
    """What a reader sees of an event: the same line found twice (the same sentence in two
    copies of an article, or coded twice) is listed once."""
    return (e["date"], e["source"], e["target"], e["penta"], e["score"], e["quote"])


def _pair(e: dict[str, Any]) -> str:
    a, b = sorted((e["source"], e["target"]))
    return f"{a}-{b}"


def timeline(events: list[dict[str, Any]]) -> go.Figure:
    """Events by date (x) and pair (y), coloured by penta class, the quote on hover."""
    fig = go.Figure()
    dated = [e for e in events if e["date"]]
    for k, name in PENTA.items():
        pts = [e for e in dated if e["penta"] == k]
        if not pts:
            continue
        fig.add_trace(
            go.Scatter(
                x=[e["date"] if len(e["date"]) == 10 else (e["date"] + "-01-01")[:10] for e in pts],
                y=[_pair(e) for e in pts],
                mode="markers",
                name=name,
                marker={"color": COLOURS[k], "size": 9, "opacity": 0.8},
                text=[f"{e['source']} -> {e['target']}: {e['quote'][:160]}" for e in pts],
                hovertemplate="%{x}<br>%{text}<extra></extra>",
            )
        )
    fig.update_layout(
        title="Events in the sources, by pair of actors",
        height=380,
        margin={"l": 110, "r": 30, "t": 50, "b": 40},
        xaxis_title="date the sentence reports",
        yaxis_title="",
    )
    return fig


def evidence_html(found: dict[str, Any], titles: dict[str, str] | None = None) -> str:
    """The timeline, then per pair its events (most recent first) and the stance claims
    (issues by their ``titles``, id -> title)."""
    titles = titles or {}
    events = list({_key(e): e for e in found["events"] if e["source"] != e["target"]}.values())
    if not events and not found["claims"]:
        return "<p>No events or stance claims found in the sources.</p>"
    parts = [
        "<p>What <code>realpolitik ingest</code> reads in the scenario's own articles: events "
        "(who did what to whom, CAMEO penta class, Goldstein score) and stance claims, each "
        "with its verbatim quote. They are coded by rules for a person to review, not numbers "
        "the forecasts use.</p>",
        figure_html(timeline(events), "fig-evidence-timeline"),
    ]
    by_pair: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in events:
        by_pair[_pair(e)].append(e)
    for pair in sorted(by_pair, key=lambda p: (-len(by_pair[p]), p)):
        rows = sorted(by_pair[pair], key=lambda e: e["date"] or "", reverse=True)
        items = "".join(_event_item(e) for e in rows[:MAX_QUOTES])
        more = f"<li>... and {len(rows) - MAX_QUOTES} more</li>" if len(rows) > MAX_QUOTES else ""
        parts.append(f"<h4>{escape(pair)} ({len(rows)} events)</h4><ul>{items}{more}</ul>")
    direct = [c for c in found["claims"] if c["kind"] == "direct"]
    if direct:
        rows_html = "".join(_claim_row(c, titles) for c in direct)
        parts.append(
            "<h4>Stance claims stated directly</h4><table><tr><th>actor</th><th>issue</th>"
            "<th>nearest labelled position</th><th>kind</th><th>date</th><th>quote</th></tr>"
            f"{rows_html}</table>"
        )
    return "\n".join(parts)


def _event_item(e: dict[str, Any]) -> str:
    score = "" if e["score"] is None else f" ({e['score']:+g})"
    return (
        f"<li>{escape(e['date'] or '?')}: {escape(e['source'])} &rarr; {escape(e['target'])}, "
        f"{escape(PENTA[e['penta']])}{score}: "
        f"<span class='quote'>&ldquo;{escape(e['quote'])}&rdquo;</span></li>"
    )


def _claim_row(c: dict[str, Any], titles: dict[str, str]) -> str:
    pos = "-" if c["position"] is None else f"{c['position']:g}"
    return (
        f"<tr><td>{escape(c['actor'])}</td><td>{escape(titles.get(c['issue'], c['issue']))}</td>"
        f"<td class='num'>{pos}</td><td>{escape(c['kind'])}</td>"
        f"<td>{escape(c['date'] or '-')}</td>"
        f"<td class='quote'>&ldquo;{escape(c['quote'])}&rdquo;</td></tr>"
    )
