"""``[[links]]``: a forecast moves a relation or another stance, in order; cycles are refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SCENARIO, assert_bad_input, run_cli

from realpolitik.analysis.forecast import forecast_issue
from realpolitik.analysis.links import forecast_linked
from realpolitik.scenario.loader import load_scenario

BRIDGE = """
[[issues]]
id = "bridge"
title = "The bridge"
scale = { min = 0, max = 100 }

[[stances]]
actor = "A"
issue = "bridge"
position = { value = 0, assumed = true, note = "n" }
salience = { value = 0.5, assumed = true, note = "n" }

[[stances]]
actor = "B"
issue = "bridge"
position = { value = 100, assumed = true, note = "n" }
salience = { value = 0.6, assumed = true, note = "n" }
"""


def _link(issue: str, low: float, high: float, target: str, shift: float) -> str:
    return (
        f'\n[[links]]\nissue = "{issue}"\nlow = {low}\nhigh = {high}\n{target}\n'
        f'shift = {{ value = {shift}, assumed = true, note = "test" }}\n'
    )


def _with(mini: Path, *links: str) -> Path:
    text = mini.read_text()
    head, sep, rest = text.partition("[[relations]]")
    mini.write_text(head + BRIDGE + "\n" + sep + rest + "".join(links))
    return mini


def test_a_stance_link_is_applied_before_its_target_issue_is_forecast(mini: Path) -> None:
    # bridge comes after river in the file, but its link moves A's stance on river, so bridge
    # is forecast first. Its median is 0 (A: 0.5 x 0.5 = 0.25 at 0 outweighs B: 0.18 at 100):
    # the link fires and moves A on river from 10 to 100.
    path = _with(mini, _link("bridge", 0, 20, 'stance = { actor = "A", issue = "river" }', 90))
    sc = load_scenario(path)
    linked = forecast_linked(sc, ["median"])
    (applied,) = linked.applied
    assert applied.fired and applied.forecast == 0
    assert (applied.before, applied.after) == (10, 100)
    # river is forecast on A's moved position (and in the file's order in the output)
    assert [f.inputs.issue.id for f in linked.forecast.issues] == ["river", "bridge"]
    assert linked.forecast.issues[0].forecasts["median"] == 100
    assert forecast_issue(sc, "river", ["median"]).forecasts["median"] == 10
    # the input scenario is untouched
    a_river = next(s for s in sc.stances if (s.actor, s.issue) == ("A", "river"))
    assert a_river.position.value == 10


def test_links_outside_their_band_do_nothing_and_relations_are_clipped(mini: Path) -> None:
    path = _with(
        mini,
        _link("river", 50, 100, 'relation = ["A", "B"]', 0.5),  # median 10: not triggered
        _link("river", 0, 20, 'relation = ["A", "B"]', -0.9),  # -0.6 - 0.9 -> clipped to -1
    )
    linked = forecast_linked(load_scenario(path), ["median"])
    assert [a.fired for a in linked.applied] == [False, True]
    assert linked.scenario.relation_value("A", "B") == -1.0
    rel = next(r for r in linked.scenario.relations if set(r.pair) == {"A", "B"})
    assert (rel.value.lo, rel.value.hi) == (-1.0, -1.0)


def test_forecast_and_align_apply_links_and_say_so(mini: Path) -> None:
    path = _with(mini, _link("river", 0, 20, 'relation = ["A", "G"]', -0.8))
    data = json.loads(run_cli("forecast", path, "--json").stdout)
    assert data["links"][0]["fired"] is True and data["links"][0]["after"] == pytest.approx(-0.7)
    text = run_cli("forecast", path).stdout
    assert "Link 0 (river median 10.0 in [0, 20]): relation A-G +0.10 -> -0.70" in text
    r = run_cli("align", path)
    assert r.code == 0, r.stderr
    assert "Link 0" in r.stdout


def test_a_cycle_of_links_is_refused(mini: Path) -> None:
    path = _with(
        mini,
        _link("river", 0, 100, 'stance = { actor = "A", issue = "bridge" }', 5),
        _link("bridge", 0, 100, 'stance = { actor = "B", issue = "river" }', 5),
    )
    assert_bad_input(run_cli("validate", path), str(path), "cycle of links",
                     "bridge -> river -> bridge")  # fmt: skip


@pytest.mark.parametrize(
    ("target", "needle"),
    [
        ('stance = { actor = "G", issue = "bridge" }', "no stance of 'G' on 'bridge'"),
        ('relation = ["A", "Z"]', "unknown actor 'Z'"),
        ('relation = ["A", "B"]\nstance = { actor = "A", issue = "bridge" }', "exactly one"),
    ],
)
def test_bad_link_targets_are_refused(mini: Path, target: str, needle: str) -> None:
    path = _with(mini, _link("river", 0, 100, target, 5))
    assert_bad_input(run_cli("validate", path), str(path), needle)


def test_the_bundled_scenario_has_links_and_the_1956_order() -> None:
    sc = load_scenario(SCENARIO)
    assert sc.links
    order = [ln for ln in sc.links if ln.stance is not None]
    assert any(ln.issue == "sequence" and ln.stance.issue == "kurils" for ln in order)
    assert any(ln.relation and set(ln.relation) == {"RUS", "JPN"} for ln in sc.links)
