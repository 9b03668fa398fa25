"""The report's "Shocks" section: the sources' own what-ifs and what each one moves."""

from __future__ import annotations

from html import escape
from typing import Any

from realpolitik.report.text import change_in_words
from realpolitik.scenario.schema import Shock


def _sides(a: dict[str, Any] | None) -> str:
    if a is None:
        return "none"
    return " vs ".join("{" + ", ".join(g) + "}" for g in a["sides"] if g)


def shocks_html(
    results: list[tuple[Shock, dict[str, Any]]],
    titles: dict[str, str] | None = None,
    names: dict[str, str] | None = None,
) -> str:
    """One block per shock: its changes in words (the what-if path on hover), its provenance,
    and the forecasts and alignment it moves (``analysis.whatif.whatif`` results); issues by
    their ``titles`` and actors by their ``names`` (id -> text)."""
    titles, names = titles or {}, names or {}
    parts = [
        "<p>Each shock re-runs the forecasts (links applied) and the alignment with the numbers "
        "below changed (<code>realpolitik whatif</code>).</p>"
    ]
    for shock, res in results:
        changes = "; ".join(
            f'<span title="{escape(p)} = {v:g}">{escape(change_in_words(p, v, names, titles))}'
            "</span>" for p, v in shock.changes.items())
        why = "; ".join(f"&ldquo;{escape(c.quote)}&rdquo; [{escape(c.source)}]" for c in shock.cite)
        rows = []
        for d in res["diff"]:
            if d["kind"] == "forecast":
                b, c = d["base"], d["changed"]
                rows.append(
                    f"<tr><td>{escape(titles.get(d['issue'], d['issue']))} ({d['model']})</td>"
                    f"<td class='num'>{'-' if b is None else f'{b:.1f}'}</td>"
                    f"<td class='num'>{'-' if c is None else f'{c:.1f}'}</td></tr>"
                )
            else:
                rows.append(
                    f"<tr><td>alignment</td><td>{escape(_sides(d['base']))}</td>"
                    f"<td>{escape(_sides(d['changed']))}</td></tr>"
                )
        table = (
            "<table><tr><th>what</th><th>base</th><th>after the shock</th></tr>"
            + "".join(rows)
            + "</table>"
            if rows
            else "<p>Nothing moves.</p>"
        )
        parts.append(
            f"<h3>{escape(shock.title or shock.id)}</h3><p class='muted'>{changes}. "
            f"{why}{' ' + escape(shock.note) if shock.note else ''}</p>{table}"
        )
    return "".join(parts)
