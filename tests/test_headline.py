"""One answer per question: the headline mixes "whether" (P(agreement)) with "where" (the selected
model plus its back-test error) and never hides a number behind a label."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import SCENARIO, assert_bad_input, edit, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from realpolitik.analysis.forecast import describe_value, forecast_issue
from realpolitik.analysis.headline import (
    base_rate_over,
    headline,
    p_agreement,
    residuals,
    selected_model,
    weighted_quantile,
)
from realpolitik.analysis.simulate import design
from realpolitik.scenario.inputs import with_values
from realpolitik.scenario.loader import load_scenario
from realpolitik.scenario.schema import Scale

KEYS = {"model", "value", "interval80", "status_quo", "p_agreement", "bands"}
RATE = 'base_rate = { value = 0.2, assumed = true, note = "a test prior" }\n'


def _question(mini: Path, extra: str = RATE) -> Path:
    text = mini.read_text()
    mini.write_text(
        text + '\n[[questions]]\nid = "q"\ntitle = "River"\nissue = "river"\n'
        'horizon = 2\nkind = "territorial"\n' + extra
    )
    return mini


def test_forecast_json_carries_the_headline_end_to_end(mini: Path):
    run = run_cli("forecast", _question(mini), "--draws", "40", "--json")
    assert run.code == 0, run.stderr
    issue = json.loads(run.stdout)["issues"][0]
    head = issue["headline"]
    assert set(head) >= KEYS
    assert head["model"] == selected_model() == "compromise"  # docs/accuracy.md
    assert head["value"] == pytest.approx(issue["forecasts"]["compromise"])
    assert sum(head["bands"].values()) == pytest.approx(1.0)
    assert set(head["bands"]) == {"all to Alpha", "split", "all to Beta"}
    lo, hi = head["interval80"]
    assert 0 <= lo <= hi <= 100
    assert 0.0 <= head["p_agreement"] <= 1.0
    assert head["horizon_years"] == 2.0
    # the pooled rule of docs/design.md with the draws' ratifiable share
    assert head["p_agreement"] == pytest.approx((8 * 0.2 + 2 * head["ratifiable_share"]) / 10)


def test_forecast_text_leads_with_the_headline_and_keeps_the_models(mini: Path):
    run = run_cli("forecast", _question(mini), "--draws", "20")
    assert run.code == 0, run.stderr
    text = " ".join(run.stdout.split())
    assert "status quo holds" in text
    assert text.index("headline") < text.index("compromise") < text.index("median")
    assert "nash" in text and "eum" in text


def test_draws_zero_gives_no_headline(mini: Path):
    run = run_cli("forecast", mini, "--draws", "0", "--json")
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["issues"][0]["headline"] is None


@settings(max_examples=40, deadline=None)
@given(
    share=st.floats(0, 1),
    a=st.floats(0, 1),
    b=st.floats(0, 1),
    years=st.floats(0.1, 20),
)
def test_p_agreement_is_a_probability_monotone_in_the_base_rate(share, a, b, years):
    lo, hi = sorted((a, b))
    p_lo, p_hi = p_agreement(share, base_rate_over(lo, 1.0, years)), p_agreement(
        share, base_rate_over(hi, 1.0, years)
    )
    assert 0.0 <= p_lo <= p_hi <= 1.0
    # without a declared base rate: even odds pooled with the share, never certain
    assert p_agreement(share, None) == pytest.approx((8 * 0.5 + 2 * share) / 10)
    assert 0.4 <= p_agreement(share, None) <= 0.6


def test_base_rate_over_a_horizon_is_a_constant_hazard():
    assert base_rate_over(0.5, 1.0, 2.0) == pytest.approx(0.75)  # two coin flips
    assert base_rate_over(0.3, 1.0, 1.0) == pytest.approx(0.3)
    assert base_rate_over(0.3, None, 5.0) == 0.3  # a rate declared for the horizon itself


def test_headline_p_agreement_rises_with_the_base_rate(mini: Path):
    sc = load_scenario(_question(mini))
    ps = [headline(sc, "river", draws=30, base_rate=r).p_agreement for r in (0.0, 0.3, 0.9)]
    assert ps == sorted(ps) and ps[0] < ps[-1]


def test_the_status_quo_holds_when_no_agreement_is_likely(mini: Path):
    """A base rate of 0 and a win-set that excludes every forecast: all mass on the status quo."""
    edit(mini, "winset = { low = 30, high = 70 }", "winset = { low = 95, high = 100 }")
    sc = load_scenario(_question(mini, RATE.replace("0.2", "0.0")))
    h = headline(sc, "river", draws=30)
    assert h.ratifiable_share == 0.0 and h.p_agreement == 0.0
    assert h.status_quo == 0.0  # the scale minimum: no reference, no status-quo label
    assert h.interval80 == (0.0, 0.0)
    assert h.bands["all to Alpha"] == pytest.approx(1.0)
    assert set(h.samples) == {0.0}


def test_interval_adds_the_back_test_error(mini: Path):
    """With every input fixed, the draws alone give a point; the model error widens it."""
    edit(mini, "position = { value = 10, low = 0, high = 20 }", "position = 10")
    edit(mini, "salience = { value = 0.9, low = 0.8, high = 1.0 }", "salience = 0.9")
    sc = load_scenario(mini)
    # no prior declared: even odds pooled with every draw ratifiable, said in words
    even = headline(sc, "river", draws=50)
    assert even.base_rate is None and even.ratifiable_share == 1.0
    assert even.p_agreement == pytest.approx(0.6)
    assert "no base rate declared: even odds assumed, ratifiable in 100% of draws" in (
        even.sentence(sc.issue("river").scale)
    )
    h = headline(sc, "river", draws=200, base_rate=1.0)  # agreement certain: only "where"
    assert h.p_agreement == 1.0
    res = residuals("compromise")
    want = np.clip(h.value + np.quantile(res, [0.1, 0.9]), 0, 100)
    assert h.interval80[0] == pytest.approx(want[0], abs=6)
    assert h.interval80[1] == pytest.approx(want[1], abs=6)
    assert h.interval80[1] - h.interval80[0] > 20


def test_a_number_is_never_replaced_by_a_label():
    scale = Scale(points={0: "none", 25: "joint economic activity", 50: "1956 declaration: two"})
    assert describe_value(scale, 44) == (
        "44 (between 'joint economic activity' at 25 and '1956 declaration' at 50)"
    )
    assert describe_value(scale, 50.2) == "50 ('1956 declaration')"
    assert describe_value(scale, 80) == "80 (above '1956 declaration' at 50)"
    assert describe_value(Scale(), 12) == "12"


def test_the_bundled_kurils_headline_keeps_its_number():
    sc = load_scenario(SCENARIO)
    h = headline(sc, "kurils", draws=20)
    text = h.sentence(sc.issue("kurils").scale)
    assert text.startswith("status quo holds")
    where = f"{h.value:.0f} (between 'status quo' at 0 and '1956 declaration' at 50)"
    assert f"landing at {where}" in text
    assert h.base_rate is not None and h.horizon_years == pytest.approx(1.0, abs=0.01)


def test_a_cycling_eum_gives_its_range():
    """The bundled sequence issue's EUM keeps cycling: the headline gives its range."""
    sc = load_scenario(SCENARIO)
    fc = forecast_issue(sc, "sequence", ["eum"])
    assert fc.eum is not None and not fc.eum.converged
    h = headline(sc, "sequence", model="eum", draws=5)
    assert h.unstable is not None and h.unstable[0] < h.unstable[1]
    text = h.sentence(sc.issue("sequence").scale)
    assert f"unstable, between {h.unstable[0]:.0f} and {h.unstable[1]:.0f}" in text
    # a draw whose run keeps cycling is no agreement (no win-sets on this issue)
    plan = design(sc, 5, 0)
    runs = [forecast_issue(with_values(sc, plan.draw(k), "draw"), "sequence", ["eum"]).eum
            for k in range(5)]
    assert h.ratifiable_share == pytest.approx(np.mean([r is not None and r.converged
                                                        for r in runs]))
    assert h.ratifiable_share < 1.0


def test_bad_question_fields_are_reported_by_name(mini: Path):
    bad = _question(mini, 'base_rate = { value = 1.5, assumed = true, note = "x" }\n')
    assert_bad_input(run_cli("forecast", bad), "questions", "base_rate")
    edit(bad, "value = 1.5", "value = 0.5")
    edit(bad, "horizon = 2", "horizon = 2019-01-01")  # before as_of 2020-01-01
    assert_bad_input(run_cli("forecast", bad), "questions[0].horizon")


def test_weighted_quantile_matches_the_inverse_cdf():
    v = np.array([3.0, 1.0, 2.0])
    w = np.array([0.2, 0.5, 0.3])
    assert weighted_quantile(v, w, 0.1) == 1.0
    assert weighted_quantile(v, w, 0.5) == 1.0
    assert weighted_quantile(v, w, 0.6) == 2.0
    assert weighted_quantile(v, w, 0.9) == 3.0
