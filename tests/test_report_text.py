"""The report's summary for a reader (report/text.py: forecast, linkage and alignment sentences
per question) and the figure helpers it relies on (report/figures.py: dodge, html_id)."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
from conftest import SCENARIO
from hypothesis import given
from hypothesis import strategies as st

from realpolitik.analysis.alignment import align_scenario
from realpolitik.analysis.forecast import forecast_scenario
from realpolitik.analysis.linkage import exchange_scenario
from realpolitik.report.figures import dodge, html_id
from realpolitik.report.html import summary_block
from realpolitik.report.text import (
    MODEL_NAMES,
    change_in_words,
    forecast_sentences,
    linkage_sentences,
    pair_alignment_sentences,
    scenario_summary,
    tipping_sentence,
)
from realpolitik.scenario.loader import load_scenario


@pytest.fixture(scope="module")
def bundled():
    sc = load_scenario(SCENARIO)
    return sc, forecast_scenario(sc)


@pytest.fixture(scope="module")
def kurils(bundled):
    _, fc = bundled
    return next(f for f in fc.issues if f.inputs.issue.id == "kurils")


def test_disagreeing_models_are_grouped_by_the_scale_point_they_come_nearest(kurils):
    text = forecast_sentences(kurils)[0]
    assert text.startswith("The models disagree on Southern Kurils")
    groups: dict[str, list[str]] = {}
    for m, x in kurils.forecasts.items():
        assert f"{MODEL_NAMES[m]} ({x:.0f})" in text
        groups.setdefault(kurils.nearest_label(x), []).append(m)
    # one clause per distinct label, each naming exactly its models
    clauses = text.split(": ", 1)[1].rstrip(".").split("; ")
    assert len(clauses) == len(groups) >= 2
    for clause, (label, models) in zip(clauses, groups.items(), strict=True):
        assert f"“{label}”" in clause
        assert sorted(m for m in MODEL_NAMES if MODEL_NAMES[m] + " (" in clause) == sorted(models)


def test_agreeing_models_are_one_sentence_with_their_span(kurils):
    same = dataclasses.replace(kurils, forecasts={m: 48.0 + k for k, m in
                                                  enumerate(kurils.forecasts)},
                               eum=None, nash_feasible=None, extra={})
    label = kurils.nearest_label(49.5)
    assert all(kurils.nearest_label(x) == label for x in same.forecasts.values())
    assert forecast_sentences(same) == [
        f"All 4 models on {kurils.inputs.issue.title} point to “{label}” (48 to 51 scale 0-100)."
    ]
    none = dataclasses.replace(same, forecasts={m: None for m in kurils.forecasts})
    title = kurils.inputs.issue.title
    assert forecast_sentences(none) == [f"No model gives a forecast on {title}."]


def test_ratification_is_said_from_the_win_sets(kurils):
    tl = kurils.extra["twolevel"]
    assert tl["zone_of_agreement"] is None  # the bundled scenario: RUS-public [0, 10] vs [50, 100]
    assert ("No outcome could be ratified at home: the domestic win-sets (JPN-public and "
            "RUS-public) do not overlap.") in forecast_sentences(kurils)
    overlap = {**tl, "zone_of_agreement": [40.0, 60.0], "blocking": {"median": ["RUS-public"],
                                                                      "eum": []}}
    lines = forecast_sentences(dataclasses.replace(kurils, extra={"twolevel": overlap}))
    assert ("The weighted median (RUS-public would block it) lies outside a domestic "
            "win-set.") in lines
    both = {**overlap, "blocking": {"median": ["RUS-public"], "eum": ["JPN-public"]}}
    lines = forecast_sentences(dataclasses.replace(kurils, extra={"twolevel": both}))
    assert ("The weighted median (RUS-public would block it) and the expected-utility model "
            "(JPN-public would block it) lie outside a domestic win-set.") in lines
    fine = {**overlap, "blocking": {"median": [], "eum": []}}
    lines = forecast_sentences(dataclasses.replace(kurils, extra={"twolevel": fine}))
    assert lines[-1].startswith("Every forecast lies inside the domestic win-sets")


def test_one_paragraph_per_question_else_per_issue(bundled):
    sc, fc = bundled
    items = scenario_summary(sc, fc)
    assert [h for h, _ in items] == [q.title for q in sc.questions]
    assert items[0][1][0] == forecast_sentences(
        next(f for f in fc.issues if f.inputs.issue.id == sc.questions[0].issue))[0]
    bare = sc.model_copy(update={"questions": []})
    items = scenario_summary(bare, fc)
    assert [h for h, _ in items] == [i.title or i.id for i in sc.issues]
    links = scenario_summary(bare, fc, links=[("A", False), ("B", True), ("B", True)])[-1]
    assert links == ("Links", ["2 of the scenario's 3 links fire (on B)."])
    none = scenario_summary(bare, fc, links=[("A", False)])[-1][1][0]
    assert none.startswith("0 of the scenario's 1 link fires: no forecast falls in a band")


def test_trades_and_alignment_of_the_question_pair(bundled):
    sc, _ = bundled
    names = {a.id: a.name or a.id for a in sc.actors}
    linkage = exchange_scenario(sc, rounds=10, repetitions=2, seed=0)
    lines = linkage_sentences(linkage, "kurils", ("RUS", "JPN"), names)
    k = linkage.inputs.issues.index("kurils")
    before, after = linkage.compromise_before[k], linkage.compromise_after[k]
    assert f"from {before:.0f} to {after:.0f}" in lines[0]
    top = next(t for t in linkage.trades() if t.involves("kurils"))
    assert f"{names[top.actor_a]} gives ground on" in lines[0]
    assert "kurils" not in " ".join(lines)  # titles, never ids
    n = sum({t.actor_a, t.actor_b} == {"RUS", "JPN"} for t in linkage.trades())
    assert lines[1].startswith(f"Russia and Japan find {n} trade")
    assert linkage_sentences(linkage, None, ("RUS", "ZZZ"), names) == [
        "Russia and ZZZ find no trade with each other."]

    al = align_scenario(sc)
    lines = pair_alignment_sentences(al, ("RUS", "JPN"))
    assert lines[0].startswith("Russia and Japan are predicted on opposite sides")
    # RUS-JPN is the tipping pair: the gist here, the full sentence in the alignment section
    m = al.tipping.model
    assert m.to is None and "No value of Russia-Japan relations" in tipping_sentence(al)
    assert lines[1] == (f"No value of Russia-Japan relations in [-1, +1] changes that (it would "
                        f"take {m.threshold:+.2f}; now {m.value:+.2f}).")
    lines = pair_alignment_sentences(al, ("RUS", "CHN"))
    assert lines == ["Russia and China are predicted on the same side: "
                     "{RUS, CHN, PRK} vs {JPN, USA, KOR}."]
    assert pair_alignment_sentences(al, ("RUS", "XXX")) == []


def test_what_if_paths_in_words():
    names = {"RUS": "Russia", "USA": "United States", "RUS-public": "Russian public"}
    titles = {"sanctions": "Western sanctions"}
    assert change_in_words("relations.RUS-USA", 0, names, titles) == (
        "Russia-United States relations set to +0")
    assert change_in_words("relations.RUS-public-USA", -0.5, names, titles) == (
        "Russian public-United States relations set to -0.5")
    assert change_in_words("stances.USA.sanctions.position", 40, names, titles) == (
        "United States' position on Western sanctions set to 40")
    assert change_in_words("actors.RUS.capability", 2, names, titles) == (
        "Russia's capability set to 2")
    assert change_in_words("relations.XX-YY", 1, names, titles) == "relations.XX-YY = 1"


def test_summary_block_escapes_and_keeps_order():
    html = summary_block([("<b>Q</b>", ["One.", "Two & three."]), ("Links", ["None."])])
    assert html == ("<h3>&lt;b&gt;Q&lt;/b&gt;</h3><p>One. Two &amp; three.</p>"
                    "<h3>Links</h3><p>None.</p>")


@given(st.lists(st.sampled_from([0.0, 10.0, 10.0, 50.0, 100.0, 37.5]), min_size=1, max_size=12),
       st.floats(0.1, 3.0))
def test_dodge_spreads_equal_values_and_leaves_lone_ones(values, step):
    v = np.array(values)
    off = dodge(v, step)
    for x in set(values):
        idx = np.flatnonzero(v == x)
        o = off[idx]
        assert o.mean() == pytest.approx(0.0, abs=1e-9)  # centred on the true value
        assert np.all(np.diff(o) == pytest.approx(step))  # side by side, in input order
    assert np.all(off[[list(values).count(x) == 1 for x in values]] == 0)


@given(st.text(max_size=30))
def test_html_id_is_a_safe_slug(text):
    s = html_id("fig", text)
    assert re.fullmatch(r"[A-Za-z0-9_.\-]+", s) and s.startswith("fig")
    assert html_id("fig", text) == s
    # scenario ids (schema: letters, digits, _ . -) keep their identity
    ids = ["kurils", "Kurils", "a.b", "a_b", "a-b"]
    assert len({html_id("fig-issue", i) for i in ids}) == len(ids)


def test_rounds_figure_draws_equal_positions_apart_and_keeps_true_values(kurils):
    from realpolitik.report.figures import eum_rounds_figure

    fig = eum_rounds_figure(kurils)
    actors = [t for t in fig.data if t.name in kurils.inputs.actors]
    assert len(actors) == len(kurils.inputs.actors)
    last = np.array([t.y[-1] for t in actors])
    true = np.array([t.customdata[-1] for t in actors])
    assert np.allclose(true, kurils.eum.positions[-1])  # hover shows the model's numbers
    assert len(set(np.round(true))) < len(true)  # several actors end at the same position...
    assert len(set(np.round(last, 6))) == len(last)  # ...and are drawn apart
    forecasts = [t for t in fig.data if t.name.endswith(" forecast")]
    assert [t.x[0] for t in forecasts] == list(kurils.forecasts)  # one column per model
    assert fig.layout.xaxis.dtick == 1  # whole rounds

    static = eum_rounds_figure(dataclasses.replace(kurils, eum=None))
    pts = static.data[0]
    assert list(pts.customdata) == list(kurils.inputs.positions)
    assert len(set(np.round(pts.y, 6))) == len(pts.y)
