"""The main job: a scenario -> forecasts, linkage, alignment, and the HTML report.

What the summary talks about comes from the scenario's ``[[questions]]``: forecasts on each
question's focus issue; the first question's focus issue and pair lead the linkage summary; the
first pair named by a question is the alignment's tipping pair.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from realpolitik.analysis.alignment import align_scenario
from realpolitik.analysis.forecast import ScenarioForecast, forecast_scenario
from realpolitik.analysis.headline import Headline, headlines
from realpolitik.analysis.levers import levers
from realpolitik.analysis.linkage import exchange_scenario
from realpolitik.analysis.links import forecast_linked
from realpolitik.analysis.simulate import drop_one, sobol
from realpolitik.analysis.whatif import Change, run, whatif
from realpolitik.files import check_writable, write_atomic
from realpolitik.news.ingest import ingest
from realpolitik.report.alignment import alignment_html
from realpolitik.report.evidence import evidence_html
from realpolitik.report.html import Section, render_report, summary_block
from realpolitik.report.linkage import linkage_html
from realpolitik.report.shocks import shocks_html
from realpolitik.report.text import alignment_summary, linkage_summary, scenario_summary
from realpolitik.report.uncertainty import IssueUncertainty, uncertainty_html
from realpolitik.scenario.citations import resolve_source_path
from realpolitik.scenario.limits import slug
from realpolitik.scenario.loader import load_scenario
from realpolitik.scenario.rules import check_exchange_work, check_for_models
from realpolitik.scenario.schema import Question, Scenario

DEMO_REPETITIONS = 20
"""Exchange-model runs the demo averages (ties broken at random in each)."""
DEMO_SOBOL_SAMPLES = 256
"""Sobol base samples for the report's chart (Saltelli: 256 x (inputs + 2) model runs)."""

@dataclass
class DemoResult:
    scenario: Scenario
    forecast: ScenarioForecast
    report: Path
    summary: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    headlines: dict[str, Headline] = field(default_factory=dict)


def question_summary(
    forecast: ScenarioForecast, question: Question, heads: dict[str, Headline] | None = None
) -> list[str]:
    """The headline on the question's focus issue, then one line per model (and the domestic
    zone of agreement)."""
    lines = []
    for fc in forecast.issues:
        if fc.inputs.issue.id != question.issue:
            continue
        head = (heads or {}).get(fc.inputs.issue.id)
        if head is not None:
            lines.append(f"{question.title}: {head.sentence(fc.inputs.issue.scale)}")
        for m in fc.forecasts:
            lines.append(f"{question.title}, {m}: {fc.describe(m)}")
        tl = fc.extra.get("twolevel")
        if tl:
            zone = tl["zone_of_agreement"]
            lines.append(
                f"{question.title}, domestic win-sets: zone of possible agreement "
                + ("empty" if zone is None else f"[{zone[0]:g}, {zone[1]:g}]")
            )
    return lines


def uncertainty(scenario: Scenario, heads: dict[str, Headline]) -> list[IssueUncertainty]:
    """For each question's issue with a headline: the Sobol indices and the drop-one table of
    the headline model and, for every other labelled band, the smallest changes that would
    bring the headline model's forecast there."""
    out = []
    for iid in dict.fromkeys(q.issue for q in scenario.questions if q.issue in heads):
        h, iss = heads[iid], scenario.issue(iid)
        here = next((k for k, (_, lo, hi) in enumerate(h.band_edges) if lo <= h.value <= hi), -1)
        targets = [(lo, hi) for k, (_, lo, hi) in enumerate(h.band_edges) if k != here]
        out.append(IssueUncertainty(
            iid, iss.title or iid, iss.scale, h, drop_one(scenario, iid, h.model),
            sobol(scenario, iid, h.model, DEMO_SOBOL_SAMPLES, seed=0),
            [levers(scenario, iid, h.model, t, top=3) for t in targets],
        ))
    return out


def source_files(scenario: Scenario) -> list[Path]:
    """The scenario's article files that can be found (datasets have no file)."""
    found = (resolve_source_path(s.path, scenario.origin) for s in scenario.sources if s.path)
    return [p for p in found if p is not None]


def report_path(scenario: Scenario, out_root: Path) -> Path:
    """Where the demo's report of ``scenario`` goes: ``<out_root>/<scenario id>/report.html``."""
    return out_root / slug(scenario.scenario.id) / "report.html"  # never ".." or a path


def run_demo(scenario_path: Path, out_root: Path) -> DemoResult:
    scenario = load_scenario(scenario_path)
    check_for_models(scenario)  # evidence problems are warnings (scenario/rules.py)
    check_writable(report_path(scenario, out_root), None, inputs=[scenario_path])  # before work
    original = scenario
    titles = {i.id: i.title or i.id for i in original.issues}
    names = {a.id: a.name or a.id for a in original.actors}
    if scenario.links:
        linked = forecast_linked(scenario)
        forecast, scenario = linked.forecast, linked.scenario  # relations as the links left them
        applied = [a.sentence() for a in linked.applied]
        fired = [(titles[a.link.issue], a.fired) for a in linked.applied]
    else:
        forecast = forecast_scenario(scenario)
        applied, fired = [], []
    linkage, alignment = None, None
    heads = headlines(original, [f.inputs.issue.id for f in forecast.issues])
    summary = [line for q in scenario.questions for line in question_summary(forecast, q, heads)]
    summary += applied
    sections: list[Section] = []
    if len(scenario.issues) > 1:
        check_exchange_work(scenario, 10, DEMO_REPETITIONS, scenario.where)
        linkage = exchange_scenario(scenario, rounds=10, repetitions=DEMO_REPETITIONS, seed=0)
        main = scenario.questions[0] if scenario.questions else None
        focus, pair = (main.issue, main.pair) if main else (None, None)
        summary += linkage_summary(linkage, top=3, focus=focus, pair=pair)
        sections.append(
            Section(
                "linkage",
                "Issue linkage: who trades what",
                linkage_html(linkage, scenario, focus=focus),
            )
        )
    if len(scenario.relations) > 0:
        alignment = align_scenario(scenario)  # tipping: the first question's pair
        # every sentence but the long list of triads (the report's table shows those)
        summary += [s for s in alignment_summary(alignment) if not s.startswith("Strategic")]
        sections.append(
            Section("alignment", "Alignment: who sides with whom", alignment_html(alignment))
        )
    if original.shocks:
        base = run(original)
        results = [
            (sh, whatif(original, [Change(p, v) for p, v in sh.changes.items()], base=base,
                        where=f"shocks[{k}]"))
            for k, sh in enumerate(original.shocks)
        ]  # fmt: skip
        sections.append(
            Section("shocks", "Shocks: the sources' own what-ifs",
                    shocks_html(results, titles, names))
        )
    if heads:
        sections.append(
            Section("uncertainty", "How sure, and what would change it",
                    uncertainty_html(uncertainty(original, heads), names))
        )
    articles = source_files(original)
    if articles:
        found = ingest(articles, original.scenario.as_of, original)
        sections.append(
            Section("evidence", "Evidence from the articles",
                    evidence_html(found.to_json(), titles))
        )
    summary_html = summary_block(scenario_summary(scenario, forecast, linkage, alignment, fired))
    html = render_report(scenario, forecast, sections, summary_html)
    report = report_path(scenario, out_root)
    write_atomic(report, html)
    return DemoResult(scenario, forecast, report, summary, sections, heads)
