"""The self-contained HTML report: plotly.js embedded from the installed package, no network."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import plotly.offline
from jinja2 import Environment, PackageLoader, select_autoescape

from realpolitik import __version__
from realpolitik.analysis.forecast import IssueForecast, ScenarioForecast
from realpolitik.report.figures import eum_rounds_figure, figure_html
from realpolitik.scenario.evidence import issue_evidence
from realpolitik.scenario.schema import Scenario, Stance


@dataclass
class Section:
    anchor: str
    title: str
    html: str


def _env() -> Environment:
    return Environment(
        loader=PackageLoader("realpolitik.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )


def _quotes(st: Stance) -> str:
    cites = st.cite + st.position.cite + st.salience.cite
    if st.influence is not None:
        cites = cites + st.influence.cite
    if cites:
        return "<br>".join(
            f'<span class="quote">&ldquo;{escape(c.quote)}&rdquo;</span> '
            f'<span class="muted">[{escape(c.source)}]</span>'
            for c in cites
        )
    if st.assumed:
        return f'<span class="muted">assumed: {escape(st.note or "")}</span>'
    srcs = {v.source for v in (st.position, st.salience) if v.source}
    return f'<span class="muted">{escape(", ".join(sorted(srcs)))}</span>'


def _range(v: float, lo: float, hi: float) -> str:
    return f"{v:g}" if lo == hi else f"{v:g} <span class='muted'>[{lo:g}, {hi:g}]</span>"


def issue_section(scenario: Scenario, fc: IssueForecast) -> Section:
    issue = fc.inputs.issue
    rows = []
    for m, x in fc.forecasts.items():
        shown = "no forecast" if x is None else f"{x:.1f}"
        rows.append(
            f"<tr><td>{m}</td><td class='num'>{shown}</td><td>{escape(fc.describe(m))}</td></tr>"
        )
    table = (
        "<table><tr><th>model</th><th>forecast</th><th>reading</th></tr>"
        + "".join(rows)
        + "</table>"
    )
    tl = fc.extra.get("twolevel")
    if tl:
        zone = tl["zone_of_agreement"]
        zone_s = "empty" if zone is None else f"[{zone[0]:g}, {zone[1]:g}]"
        blocked = "; ".join(
            f"{m}: blocked by {', '.join(b)}" for m, b in tl["blocking"].items() if b
        )
        table += (
            f"<p><b>Two-level check</b> (Putnam 1988): zone of possible agreement of the "
            f"domestic win-sets {zone_s}. "
            f"{escape(blocked) or 'Every forecast can be ratified.'}</p>"
        )
    ev = issue_evidence(scenario)[issue.id]
    stance_rows = []
    for st in scenario.stances_on(issue.id):
        p, s = st.position, st.salience
        ws = f"[{st.winset.low:g}, {st.winset.high:g}]" if st.winset else ""
        inf = "" if st.influence is None else f"{st.influence.value:g}"
        stance_rows.append(
            f"<tr><td>{escape(st.actor)}</td><td class='num'>{_range(p.value, p.lo, p.hi)}</td>"
            f"<td class='num'>{_range(s.value, s.lo, s.hi)}</td><td>{ws}</td>"
            f"<td class='num'>{inf}</td><td class='num'>{ev.stances[st.actor]:.2f}</td>"
            f"<td>{_quotes(st)}</td></tr>"
        )
    flagged = ", ".join(
        f"{len(ev.listed(k))} {k.replace('_', ' ')}"
        for k in ("background_only", "stale", "low_grade", "assumed")
        if ev.listed(k)
    )
    stances = (
        f"<p><b>Evidence strength</b> {ev.strength:.2f} (0..1; docs/scenario-format.md, "
        f"Evidence){': ' + escape(flagged) + ' numbers' if flagged else ''}.</p>"
        "<table><tr><th>actor</th><th>position</th><th>salience</th><th>win-set</th>"
        "<th>influence</th><th>strength</th><th>evidence</th></tr>"
        + "".join(stance_rows)
        + "</table>"
    )
    scale = ", ".join(f"{k:g} = {escape(v)}" for k, v in sorted(issue.scale.points.items()))
    html = (
        f"<p>{escape(issue.description)}</p>"
        f"<p class='muted'>Scale {issue.scale.min:g}..{issue.scale.max:g}"
        f"{': ' + scale if scale else ''}</p>"
        + table
        + figure_html(eum_rounds_figure(fc), f"fig-issue-{issue.id}")
        + "<h3>Stances</h3>"
        + stances
    )
    return Section(f"issue-{issue.id}", issue.title or issue.id, html)


def summary_block(items: list[tuple[str, list[str]]]) -> str:
    """The summary's HTML: per question (or issue) its heading and its sentences as a
    paragraph (``report.text.scenario_summary``)."""
    return "".join(
        f"<h3>{escape(head)}</h3><p>{escape(' '.join(lines))}</p>" for head, lines in items
    )


def render_report(
    scenario: Scenario,
    forecast: ScenarioForecast,
    extra_sections: list[Section] | None = None,
    summary_html: str = "",
) -> str:
    sections = []
    if summary_html:
        sections.append(Section("summary", "Summary", f"<div class='summary'>{summary_html}</div>"))
    sections += [issue_section(scenario, fc) for fc in forecast.issues]
    sections += extra_sections or []
    info = scenario.scenario
    return (
        _env()
        .get_template("report.html.j2")
        .render(
            title=info.title or info.id,
            scenario_id=info.id,
            as_of=info.as_of,
            version=__version__,
            sections=sections,
            sources=scenario.sources,
            plotly_js=plotly.offline.get_plotlyjs(),
        )
    )
