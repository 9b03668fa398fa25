"""Evidence per number: citation kinds, fact dates, source grades, influence, ``validate --strict``.

Built on the mini scenario (tests/data/mini): an old-style file whose stance-level quotes must
keep loading, then edited number by number into the new format.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import MINI, assert_bad_input, edit, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from realpolitik.analysis.forecast import effective_capability, forecast_issue, issue_inputs
from realpolitik.models.bargaining import weighted_median
from realpolitik.scenario.evidence import grade_weight, issue_evidence, meets, strict_problems
from realpolitik.scenario.loader import load_scenario
from realpolitik.scenario.schema import Grade, Scenario
from realpolitik.scenario.validate import validate_scenario

GRADED = """kind = "dataset"
grade = { reliability = "A", credibility = 2, note = "a standard data set" }
"""
ART_GRADE = (
    'path = "article.txt"\ngrade = { reliability = "B", credibility = 2, note = "a wire" }\n'
)

A_CITE = (
    'cite = [{ source = "art", quote = "Alpha\'s leader said he would never give up the '
    'northern bank." }]'
)
B_CITE = 'cite = [{ source = "art", quote = "Beta wants the whole river" }]'
G_CITE = 'cite = [{ source = "art", quote = "Gamma stays neutral" }]'


def _new_style(mini: Path) -> Path:
    """The mini scenario with every number citing its own evidence, kinds and grades."""
    edit(mini, 'kind = "dataset"\n', GRADED)
    edit(mini, 'path = "article.txt"\n', ART_GRADE.replace("\ngrade", "\ndate = 2019-06-01\ngrade"))
    a_q = "Alpha's leader said he would never give up the northern bank."
    edit(
        mini,
        "position = { value = 10, low = 0, high = 20 }\nsalience = { value = 0.9, low = 0.8, "
        f"high = 1.0 }}\n{A_CITE}",
        f'position = {{ value = 10, low = 0, high = 20, cite = [{{ source = "art", quote = '
        f'"{a_q}", kind = "direct" }}] }}\n'
        'salience = { value = 0.9, low = 0.8, high = 1.0, assumed = true, note = "judgement" }',
    )
    edit(
        mini,
        f"position = 100\nsalience = 0.7\n{B_CITE}",
        'position = { value = 100, cite = [{ source = "art", quote = "Beta wants the whole '
        'river", kind = "direct" }] }\nsalience = { value = 0.7, assumed = true, note = "j" }',
    )
    edit(
        mini,
        f"winset = {{ low = 30, high = 70 }}\n{G_CITE}",
        'winset = { low = 30, high = 70, cite = [{ source = "art", quote = "Gamma stays '
        'neutral", kind = "inferred", reasoning = "a neutral accepts the middle" }] }\n'
        'position = { value = 50, cite = [{ source = "art", quote = "Gamma stays neutral", '
        'kind = "direct" }] }',
    )
    text = mini.read_text().replace("position = 50\nsalience = 0.2\n", "salience = 0.2\n", 1)
    g_salience = 'salience = { value = 0.2, assumed = true, note = "j" }\n'
    text = text.replace("salience = 0.2\n", g_salience)
    mini.write_text(text)
    return mini


def _evidence_json(path: Path, *opts: str) -> tuple[int, dict]:
    r = run_cli("validate", "--json", *opts, path)
    return r.code, json.loads(r.stdout)


def test_old_files_load_and_validate_but_their_stance_quotes_are_background(mini: Path) -> None:
    sc = load_scenario(mini)
    assert validate_scenario(sc) == []
    ev = issue_evidence(sc)["river"]
    # a stance-level quote does not say which number it supports: background only
    assert "stances.A.river.position" in ev.listed("background_only")
    assert "stances.A.river.salience" in ev.listed("background_only")
    # the ends of A's ranges have no evidence at all: assumed, listed
    assert "stances.A.river.position.low" in ev.listed("assumed")
    assert run_cli("validate", mini).code == 0
    r = run_cli("validate", "--strict", mini)
    assert_bad_input(r, str(mini), "stances.A.river.position", "rests only on background")
    assert_bad_input(r, "sources[1].grade", "'cinc' is cited but not graded")


def test_the_new_format_passes_strict_with_empty_lists(mini: Path) -> None:
    path = _new_style(mini)
    code, data = _evidence_json(path, "--strict")
    assert code == 0, data
    ev = data["evidence"]["river"]
    assert ev["background_only"] == ev["stale"] == ev["low_grade"] == []
    assert "stances.A.river.salience" in ev["assumed"]
    # strength: A's position is direct from a B2 source (1.0 x 0.8 x 0.8 = 0.64)
    sc = load_scenario(path)
    judged = {n.path: n for n in issue_evidence(sc)["river"].numbers}
    assert judged["stances.A.river.position"].strength == pytest.approx(0.64)
    assert judged["stances.G.river.winset"].strength == pytest.approx(0.6 * 0.64)
    assert judged["actors.A.capability"].strength == pytest.approx(1.0 * 0.8)
    assert 0 < ev["strength"] < 1
    # the issue's strength is the stances' strengths weighted by their weights c x s
    w = {"A": 0.5 * 0.9, "B": 0.3 * 0.7, "G": 0.2 * 0.2}
    expect = sum(ev["stances"][k] * w[k] for k in w) / sum(w.values())
    assert ev["strength"] == pytest.approx(expect, abs=2e-3)


def test_stale_evidence_is_reported_and_fails_strict(mini: Path) -> None:
    path = _new_style(mini)
    # the fact behind Beta's position dates from 2015: five years before as_of
    edit(path, 'river", kind = "direct" }]', 'river", kind = "direct", date = 2015-01-01 }]')
    code, data = _evidence_json(path)
    assert code == 0
    assert data["evidence"]["river"]["stale"] == ["stances.B.river.position"]
    assert_bad_input(run_cli("validate", "--strict", path), "rests only on evidence older")
    # a wider window accepts it
    code, data = _evidence_json(path, "--strict", "--stale-days", "2000")
    assert code == 0 and data["evidence"]["river"]["stale"] == []


def test_sources_below_the_grade_threshold(mini: Path) -> None:
    path = _new_style(mini)
    edit(path, 'reliability = "B", credibility = 2', 'reliability = "D", credibility = 4')
    code, data = _evidence_json(path)
    low = data["evidence"]["river"]["low_grade"]
    assert "stances.A.river.position" in low and "actors.A.capability" not in low
    assert_bad_input(run_cli("validate", "--strict", path), "graded below C3")
    assert _evidence_json(path, "--strict", "--min-grade", "D4")[0] == 0
    assert_bad_input(run_cli("validate", "--min-grade", "Z9", path), "--min-grade", "Z9")


def test_grades_order_and_weights() -> None:
    def g(r: str, c: int) -> Grade:
        return Grade(reliability=r, credibility=c, note="n")  # type: ignore[arg-type]

    assert meets(g("A", 1), "C3") and meets(g("C", 3), "C3")
    assert not meets(g("C", 4), "C3") and not meets(g("D", 1), "C3")
    assert not meets(g("F", 6), "C3") and not meets(None, "F6")
    assert grade_weight(g("A", 1)) == 1.0
    assert grade_weight(g("B", 2)) > grade_weight(g("C", 3)) > grade_weight(g("E", 5))


@pytest.mark.parametrize(
    ("old", "new", "needle"),
    [
        (
            'kind = "inferred", reasoning = "a neutral accepts the middle"',
            'kind = "inferred"',
            "inferred citation needs a one-line reasoning",
        ),
        ('kind = "direct" }]', 'kind = "sure" }]', "kind"),
        ('reliability = "B"', 'reliability = "G"', "reliability"),
        ("credibility = 2", "credibility = 7", "credibility"),
        ('note = "a wire" }', 'note = "" }', "grade.note"),
    ],
)
def test_bad_kinds_and_grades_are_refused(mini: Path, old: str, new: str, needle: str) -> None:
    path = _new_style(mini)
    edit(path, old, new)
    assert_bad_input(run_cli("validate", path), str(path), needle)


def test_influence_replaces_capability_times_salience(mini: Path) -> None:
    path = _new_style(mini)
    base = load_scenario(path)
    # Gamma decides the river alone: influence 0.9, the others only hold a view
    text = path.read_text()
    for actor, inf in (("A", 0.0), ("B", 0.0), ("G", 0.9)):
        marker = f'actor = "{actor}"\nissue = "river"\n'
        text = text.replace(
            marker, marker + f'influence = {{ value = {inf}, assumed = true, note = "n" }}\n'
        )
    path.write_text(text)
    sc = load_scenario(path)
    assert validate_scenario(sc) == []
    inp = issue_inputs(sc, "river")
    weights = inp.capabilities * inp.saliences
    np.testing.assert_allclose(weights, [0.0, 0.0, 0.9])
    # salience is untouched (the EUM's utilities use it); capability carries the influence
    np.testing.assert_allclose(inp.saliences, issue_inputs(base, "river").saliences)
    st = sc.stances_on("river")[2]
    assert effective_capability(st, 0.2) == pytest.approx(0.9 / 0.2)
    # the median follows the one who decides, not the largest capability
    assert forecast_issue(base, "river", ["median"]).forecasts["median"] == 10
    assert forecast_issue(sc, "river", ["median"]).forecasts["median"] == 50
    assert weighted_median(inp.positions, weights) == 50


def test_influence_must_be_non_negative_and_needs_salience(mini: Path) -> None:
    path = _new_style(mini)
    marker = 'actor = "B"\nissue = "river"\n'
    edit(path, marker, marker + "influence = -0.1\n")
    assert_bad_input(run_cli("validate", path), "influence must be >= 0")
    edit(path, "influence = -0.1\n", "influence = 0.3\n")
    edit(path, 'salience = { value = 0.7, assumed = true, note = "j" }', "salience = 0")
    assert_bad_input(run_cli("validate", path), "influence > 0 needs salience > 0")


def test_a_number_resting_on_unclassified_quotes_is_background(mini: Path) -> None:
    path = _new_style(mini)
    edit(path, '"Beta wants the whole river", kind = "direct"', '"Beta wants the whole river"')
    sc = load_scenario(path)
    ev = issue_evidence(sc)["river"]
    assert ev.listed("background_only") == ["stances.B.river.position"]
    assert [p.field for p in strict_problems(sc, issue_evidence(sc))] == [
        "evidence.river: stances.B.river.position"
    ]


def test_the_report_shows_strength_per_issue_and_stance(mini: Path) -> None:
    from realpolitik.report.html import issue_section

    sc = load_scenario(_new_style(mini))
    ev = issue_evidence(sc)["river"]
    html = issue_section(sc, forecast_issue(sc, "river", ["median"])).html
    assert f"<b>Evidence strength</b> {ev.strength:.2f}" in html
    for actor, strength in ev.stances.items():
        assert f"<td>{actor}</td>" in html and f"{strength:.2f}</td>" in html


@settings(max_examples=40, deadline=None)
@given(
    influences=st.lists(st.floats(0.01, 1.0), min_size=3, max_size=3),
    factor=st.floats(0.1, 10.0),
)
def test_scaling_every_influence_leaves_the_forecasts_unchanged(
    influences: list[float], factor: float
) -> None:
    """Influence is a share of the say: the weighted median and the weighted mean depend only on
    the ratios, so multiplying every influence on an issue by one factor changes nothing."""
    base = load_scenario(MINI)

    def with_influence(scale: float) -> dict[str, float | None]:
        data = base.model_dump(mode="python")
        for stance, inf in zip(data["stances"], influences, strict=True):
            stance["influence"] = {"value": inf * scale, "assumed": True, "note": "n"}
        sc = Scenario.model_validate(data)
        inp = issue_inputs(sc, "river")  # the weights are the influences, not c x s
        np.testing.assert_allclose(inp.capabilities * inp.saliences, np.array(influences) * scale)
        return forecast_issue(sc, "river", ["median", "compromise"]).forecasts

    a, b = with_influence(1.0), with_influence(factor)
    assert a["median"] == b["median"]
    assert a["compromise"] == pytest.approx(b["compromise"], rel=1e-9, abs=1e-9)
