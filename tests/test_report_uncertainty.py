"""The report's uncertainty section (issue 12): headline odds, the distribution of the draws,
the drop-one table and what would have to change, for each question's issue."""

from __future__ import annotations

import re

import pytest
from conftest import SCENARIO

from realpolitik.analysis.headline import headlines
from realpolitik.app.demo import uncertainty
from realpolitik.report.uncertainty import uncertainty_html
from realpolitik.scenario.loader import load_scenario


@pytest.fixture(scope="module")
def section() -> tuple[list, str]:
    sc = load_scenario(SCENARIO)
    heads = headlines(sc, ["kurils"], draws=20)
    found = uncertainty(sc, heads)
    names = {a.id: a.name or a.id for a in sc.actors}
    return found, uncertainty_html(found, names)


def test_one_block_per_question_issue(section):
    found, html = section
    sc = load_scenario(SCENARIO)
    asked = {q.issue for q in sc.questions if q.issue == "kurils"}
    assert [u.issue for u in found] == sorted(asked)
    assert html.count("<h3>") == len(found)
    assert html.count("Plotly.newPlot(") == 2 * len(found)  # a histogram and a Sobol chart each


def test_band_odds_are_the_headlines_and_sum_to_one(section):
    found, html = section
    h = found[0].headline
    shown = [float(p) / 100 for p in re.findall(r"<td>(\d+)%</td>", html)]
    assert len(shown) == len(h.band_edges)
    assert sum(shown) == pytest.approx(1.0, abs=0.02)
    assert shown == [pytest.approx(h.bands[b], abs=0.005) for b, _, _ in h.band_edges]


def test_drop_one_rows_are_real_shifts_largest_first(section):
    found, html = section
    shifts = [d["shift"] for d in found[0].drop_one]
    assert shifts and all(abs(a) >= abs(b) for a, b in zip(shifts, shifts[1:], strict=False))
    # leaving out Russia moves the compromise forecast towards Japan's position
    russia = next(d for d in found[0].drop_one if d["actor"] == "RUS")
    assert russia["shift"] > 0 and "Russia" in html


def test_levers_target_every_other_band(section):
    found, html = section
    u = found[0]
    h = u.headline
    here = [b for b, lo, hi in h.band_edges if lo <= h.value <= hi]
    assert len(u.levers) == len(h.band_edges) - len(here[:1])
    for result in u.levers:
        lo, hi = result["target"]
        for lv in result["singles"]:
            assert lo <= lv["forecast"] <= hi  # each change really lands in its band
    assert "What would have to change" in html


def test_sobol_chart_ranks_the_inputs_that_drive_the_forecast(section):
    """The compromise forecast on the Kurils is a weighted mean: its variance comes from the
    positions of the heavy actors (Russia, Japan), and first-order and total indices agree
    within their intervals (no interactions to speak of in a near-linear model)."""
    found, html = section
    table = found[0].sobol
    assert found[0].headline.model == "compromise"
    assert {d["actor"] for d in table[:2]} == {"RUS", "JPN"}
    assert all(d["kind"] == "position" for d in table[:2])
    assert sum(d["ST"] for d in table) == pytest.approx(1.0, abs=0.15)
    for d in table[:2]:
        assert abs(d["S1"] - d["ST"]) <= d["S1_conf"] + d["ST_conf"] + 0.05
    assert 'id="fig-sobol-kurils"' in html and "Russia: position" in html
