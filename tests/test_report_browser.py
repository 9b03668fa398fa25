"""The demo report in a real browser (headless Chromium driven by Playwright), offline: every
Plotly chart renders, no label is clipped (text boxes measured against the plot area and the
chart's svg), equal forecasts and equal positions do not overprint, the round axis has whole
rounds, the alignment network puts no three states on a line, and each section appears once."""

from __future__ import annotations

import itertools
import os
import shutil
from collections import Counter
from typing import Any

import pytest
from conftest import ROOT, run_process
from playwright.sync_api import sync_playwright

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
IN_CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")
TOLERANCE = 1.0  # px: anti-aliasing of text boxes

# Every text of every chart, measured in the page: tick labels, titles, legend entries and
# annotations against the chart's svg; text drawn at data points (forecast values, actor labels)
# against the plot area of its own subplot (Plotly clips there: "median 2" for "median 20").
MEASURE = """
() => [...document.querySelectorAll('.plotly-graph-div')].map(gd => {
  const svg = gd.querySelector('.main-svg').getBoundingClientRect();
  const box = r => ({left: r.left, right: r.right, top: r.top, bottom: r.bottom});
  const texts = [...gd.querySelectorAll('.main-svg text')]
    .filter(t => t.textContent.trim() && t.getBoundingClientRect().width > 0)
    .map(t => ({text: t.textContent, box: box(t.getBoundingClientRect())}));
  const subplots = [];
  for (const g of gd.querySelectorAll('.cartesianlayer g.subplot')) {
    const id = [...g.classList].find(c => c !== 'subplot');
    const p = gd._fullLayout._plots[id];
    if (!p) continue;
    const area = {left: svg.left + p.xaxis._offset, right: svg.left + p.xaxis._offset
                  + p.xaxis._length, top: svg.top + p.yaxis._offset,
                  bottom: svg.top + p.yaxis._offset + p.yaxis._length};
    const points = [...g.querySelectorAll('.textpoint text')]
      .filter(t => t.textContent.trim())
      .map(t => ({text: t.textContent, box: box(t.getBoundingClientRect())}));
    const xticks = [...g.querySelectorAll('.xaxislayer-above .xtick text')]
      .map(t => t.textContent);
    subplots.push({id, area, points, xticks});
  }
  const nodes = gd._fullData.filter(t => (t.mode || '').includes('markers+text')
                                        && !gd.id.startsWith('fig-issue'))
    .flatMap(t => Array.from(t.x, (x, k) => [x, t.y[k], t.text[k]]));
  return {id: gd.id, svg: box(svg), texts, subplots, nodes};
})
"""

SECTIONS = """
() => ({
  h2: [...document.querySelectorAll('h2')].map(h => h.textContent.trim()),
  ids: [...document.querySelectorAll('[id]')].map(e => e.id),
  nav: [...document.querySelectorAll('nav a')].map(a => a.getAttribute('href').slice(1)),
  empty: [...document.querySelectorAll('section')]
    .filter(s => ![...s.children].some(c => c.tagName !== 'H2' && c.textContent.trim()))
    .map(s => s.id),
  sentences: [...document.querySelectorAll('p, li')].map(e => e.textContent.trim())
    .filter(t => t.length > 40),
  emptyH3: [...document.querySelectorAll('h3')]
    .filter(h => !h.nextElementSibling || /^H[23]$/.test(h.nextElementSibling.tagName))
    .map(h => h.textContent),
})
"""


def _inside(inner: dict[str, float], outer: dict[str, float]) -> bool:
    return (inner["left"] >= outer["left"] - TOLERANCE
            and inner["right"] <= outer["right"] + TOLERANCE
            and inner["top"] >= outer["top"] - TOLERANCE
            and inner["bottom"] <= outer["bottom"] + TOLERANCE)


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (min(a["right"], b["right"]) - max(a["left"], b["left"]) > TOLERANCE
            and min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > TOLERANCE)


@pytest.fixture(scope="module")
def page_data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if CHROMIUM is None:
        # in CI a missing browser is a failure, not a skip: .ci/run installs Debian's chromium
        assert not IN_CI, "CI=true but chromium is not installed (.ci/run installs it)"
        pytest.skip("Debian's chromium is not installed (CI installs it in .ci/run)")
    tmp = tmp_path_factory.mktemp("browser")
    r = run_process("demo", "--output", tmp / "out", cwd=ROOT)
    assert r.code == 0, r.stderr
    report = tmp / "out" / "northeast-asia-2018" / "report.html"
    html = report.read_text()
    n_charts = html.count("Plotly.newPlot(")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            requests: list[str] = []
            page.on("request", lambda req: requests.append(req.url))
            page.goto(report.as_uri())
            page.wait_for_function(
                f"document.querySelectorAll('.plotly-graph-div .main-svg').length >= "
                f"{2 * n_charts}", timeout=60_000)
            charts = page.evaluate(MEASURE)
            sections = page.evaluate(SECTIONS)
        finally:
            browser.close()
    return {"html": html, "n_charts": n_charts, "charts": charts, "sections": sections,
            "requests": requests}


def test_every_chart_renders_offline(page_data):
    assert page_data["n_charts"] >= 8
    assert len(page_data["charts"]) == page_data["n_charts"]
    assert all(u.startswith(("file:", "data:", "about:")) for u in page_data["requests"])
    ids = [c["id"] for c in page_data["charts"]]
    assert len(set(ids)) == len(ids) and all(i.startswith("fig-") for i in ids)


def test_no_label_is_clipped(page_data):
    clipped = []
    for chart in page_data["charts"]:
        clipped += [(chart["id"], t["text"]) for t in chart["texts"]
                    if not _inside(t["box"], chart["svg"])]
        for sp in chart["subplots"]:
            clipped += [(chart["id"], sp["id"], p["text"]) for p in sp["points"]
                        if not _inside(p["box"], sp["area"])]
    assert not clipped, clipped
    # the check measures something: forecast values and actor labels were found
    labels = [p for c in page_data["charts"] for sp in c["subplots"] for p in sp["points"]]
    assert len(labels) >= 9 * 4


def test_labels_at_data_points_do_not_overprint(page_data):
    for chart in page_data["charts"]:
        for sp in chart["subplots"]:
            for a, b in itertools.combinations(sp["points"], 2):
                assert not _overlap(a["box"], b["box"]), (chart["id"], a["text"], b["text"])


def test_rounds_are_whole_numbers(page_data):
    issue_charts = [c for c in page_data["charts"] if c["id"].startswith("fig-issue-")]
    assert len(issue_charts) == 9
    for chart in issue_charts:
        ticks = next(sp["xticks"] for sp in chart["subplots"] if sp["id"] == "xy")
        assert ticks and all(t.isdigit() for t in ticks), (chart["id"], ticks)


def test_network_puts_no_three_states_on_a_line(page_data):
    net = next(c for c in page_data["charts"] if c["id"] == "fig-alignment-network")
    nodes = net["nodes"]
    assert len(nodes) == 6
    for (x1, y1, a), (x2, y2, b), (x3, y3, c) in itertools.combinations(nodes, 3):
        area = abs((x2 - x1) * (y3 - y1) - (x3 - x1) * (y2 - y1)) / 2
        assert area > 0.05, (a, b, c, area)


def test_each_section_appears_once(page_data):
    s = page_data["sections"]
    dup = [h for h, n in Counter(s["h2"]).items() if n > 1]
    assert not dup, dup
    assert sum(h.startswith("Alignment") for h in s["h2"]) == 1
    for head in ("Summary", "Issue linkage: who trades what", "Alignment: who sides with whom",
                 "Shocks: the sources' own what-ifs", "Evidence from the articles", "Sources"):
        assert head in s["h2"]
    dup_ids = [i for i, n in Counter(s["ids"]).items() if n > 1]
    assert not dup_ids, dup_ids
    assert s["nav"] and all(a in s["ids"] for a in s["nav"])
    assert not s["empty"], s["empty"]
    assert not s["emptyH3"], s["emptyH3"]
    repeated = [t for t, n in Counter(s["sentences"]).items() if n > 1]
    assert not repeated, repeated
    assert page_data["html"].count("Tipping point.") == 1


def test_backtest_page_labels_are_not_clipped(tmp_path):
    """The back-test page's charts (box plot, PIT histograms) under the same measurement."""
    if CHROMIUM is None:
        assert not IN_CI, "CI=true but chromium is not installed (.ci/run installs it)"
        pytest.skip("Debian's chromium is not installed (CI installs it in .ci/run)")
    from conftest import REF

    from realpolitik.analysis.backtest import run_backtest
    from realpolitik.report.backtest import write_report

    result = run_backtest(REF / "deu3" / "deu3_dev.tsv", models=["compromise", "median"],
                          n_boot=200)
    page_path = write_report(result, tmp_path / "bt.html")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(page_path.as_uri())
            page.wait_for_function(
                "document.querySelectorAll('.plotly-graph-div .main-svg').length >= 4",
                timeout=60_000)
            charts = page.evaluate(MEASURE)
            heads = page.evaluate("[...document.querySelectorAll('h2')].map(h => h.textContent)")
        finally:
            browser.close()
    assert [c["id"] for c in charts] == ["fig-backtest-errors", "fig-backtest-pit"]
    clipped = [(c["id"], t["text"]) for c in charts for t in c["texts"]
               if not _inside(t["box"], c["svg"])]
    assert not clipped, clipped
    assert len(heads) == len(set(heads))
