"""The bundled scenario scenarios/northeast-asia-2018.toml: valid, cited, complete.

Checks the contract of the issue that asked for it: at least 8 actors including the six states,
at least 6 issues with >= 4 stances each, a relation for every pair of states, the domestic
win-sets the articles support, and every quote found verbatim in its source.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import re
import shutil
from pathlib import Path

import pytest

from realpolitik.scenario.citations import normalise, source_text
from realpolitik.scenario.loader import load_scenario
from realpolitik.scenario.schema import Scenario
from realpolitik.scenario.validate import quote_count, validate_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "northeast-asia-2018.toml"
STATES = ("RUS", "CHN", "JPN", "USA", "KOR", "PRK")
# CINC 2016 from COW NMC v7 (cow_nmc.csv, ccode 365, 710, 740, 2, 732, 731).
CINC_2016 = {
    "RUS": 0.036467496,
    "CHN": 0.23082519,
    "JPN": 0.033020228,
    "USA": 0.13325359,
    "KOR": 0.02325763,
    "PRK": 0.013477664,
}


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario(SCENARIO)


def test_validates_with_no_problems(scenario: Scenario) -> None:
    assert validate_scenario(scenario) == []


def test_every_quote_is_in_its_source_file(scenario: Scenario) -> None:
    # Independent of validate_scenario: read each source and look for every quote.
    texts = {
        s.id: normalise(source_text(ROOT / s.path)) for s in scenario.sources if s.path is not None
    }
    n = 0
    for path, cites in scenario._citations():
        for c in cites:
            assert c.source in texts, f"{path}: quote from a source without a file: {c.source}"
            assert normalise(c.quote) in texts[c.source], f"{path}: {c.quote!r}"
            assert len(c.quote) <= 250, f"{path}: keep quotes short ({len(c.quote)} chars)"
            n += 1
    assert n == quote_count(scenario) >= 100
    # every article is used
    assert {c.source for _, cs in scenario._citations() for c in cs} == set(texts)


def test_actors(scenario: Scenario) -> None:
    ids = [a.id for a in scenario.actors]
    assert len(ids) >= 8
    assert set(STATES) <= set(ids)
    for a in scenario.actors:
        if a.id in STATES:
            assert a.kind == "state" and a.parent is None
            assert a.capability.source == "cow-nmc-v7"
            assert "2016" in (a.capability.note or "")
            assert a.capability.value == pytest.approx(CINC_2016[a.id], rel=1e-9)
        else:
            # domestic actor: a parent state, an assumed capability with a note, a range,
            # and less capability than its state
            assert a.parent in STATES, a.id
            cap = a.capability
            assert cap.assumed and cap.note, a.id
            assert cap.ranged, a.id
            parent = scenario.actor(a.parent).capability.value
            assert 0 < cap.lo <= cap.value <= cap.hi < parent, a.id
    kinds = {a.kind for a in scenario.actors if a.id not in STATES}
    assert "public" in kinds
    assert {"RUS-public", "JPN-public"} <= set(ids)


def test_cinc_matches_the_projects_copy_of_nmc() -> None:
    """The hard-coded CINC values above equal the project's copy of NMC v7."""
    path = ROOT / "data" / "cow" / "cow_nmc_cinc.csv"
    codes = {"2": "USA", "365": "RUS", "710": "CHN", "740": "JPN", "732": "KOR", "731": "PRK"}
    found = {}
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["year"] == "2016" and row["ccode"] in codes:
                found[codes[row["ccode"]]] = float(row["cinc"])
    assert found == pytest.approx(CINC_2016, rel=1e-9)


def test_issues_have_labelled_scales_and_enough_stances(scenario: Scenario) -> None:
    assert len(scenario.issues) >= 6
    actor_ids = {a.id for a in scenario.actors}
    for issue in scenario.issues:
        sc = issue.scale
        assert (sc.min, sc.max) == (0, 100), issue.id
        assert 2 <= len(sc.points) <= 5, issue.id
        assert issue.reference is not None and sc.min <= issue.reference <= sc.max
        stances = scenario.stances_on(issue.id)
        assert len(stances) >= 4, issue.id
        assert {s.actor for s in stances} <= actor_ids
        for s in stances:
            # ranges everywhere: they feed the uncertainty analysis
            assert s.position.ranged and s.salience.ranged, (s.actor, issue.id)


def test_kurils_scale_is_the_design_scale(scenario: Scenario) -> None:
    points = scenario.issue("kurils").scale.points
    assert sorted(points) == [0, 25, 50, 100]
    assert "status quo" in points[0] and "joint economic activity" in points[25]
    assert "1956" in points[50] and "all four" in points[100]
    assert scenario.issue("kurils").reference == 0


def test_a_relation_for_every_pair_of_states(scenario: Scenario) -> None:
    for a, b in itertools.combinations(STATES, 2):
        assert scenario.relation_value(a, b) is not None, (a, b)
    # domestic actors relate to their own state
    for actor in scenario.actors:
        if actor.parent is not None:
            assert scenario.relation_value(actor.id, actor.parent) is not None, actor.id


def test_domestic_winsets(scenario: Scenario) -> None:
    st = {(s.actor, s.issue): s for s in scenario.stances}
    rus = st[("RUS-public", "kurils")]
    jpn = st[("JPN-public", "kurils")]
    assert rus.winset is not None and jpn.winset is not None
    # Levada: 78% oppose handing over any island -> the 1956 formula (50) is outside
    assert rus.winset.low <= 0 <= rus.winset.high
    assert not rus.winset.low <= 50 <= rus.winset.high
    assert any("78 percent" in c.quote and "Levada" in c.quote for c in rus.cite)
    # Japanese opinion expecting all four -> all four inside, joint activity alone outside
    assert jpn.winset.low <= 100 <= jpn.winset.high
    assert not jpn.winset.low <= 25 <= jpn.winset.high
    assert any("all four" in c.quote for c in jpn.cite)
    # the two publics' win-sets do not overlap: no zone of agreement on the articles' evidence
    assert max(rus.winset.low, jpn.winset.low) > min(rus.winset.high, jpn.winset.high)


def test_disagreement_between_articles_is_carried_by_the_range(scenario: Scenario) -> None:
    s = next(x for x in scenario.stances if (x.actor, x.issue) == ("RUS", "scs-ruling"))
    quotes = {(c.source, c.quote) for c in s.cite}
    assert any(
        src == "seed-002" and "support China's position to not recognize" in q for src, q in quotes
    )
    assert any(
        src == "seed-004" and "does not go as far as endorsing China's claims" in q
        for src, q in quotes
    )
    china = next(x for x in scenario.stances if (x.actor, x.issue) == ("CHN", "scs-ruling"))
    # the low end reaches China's position, the high end the neutral point
    assert s.position.lo <= china.position.value
    assert s.position.hi >= 50


def test_late_sources_are_only_background(scenario: Scenario) -> None:
    as_of = scenario.scenario.as_of
    assert as_of == dt.date(2018, 9, 30)
    late = {s.id for s in scenario.sources if s.date is not None and s.date > as_of}
    assert late == {"seed-001"}
    for s in scenario.sources:
        if s.id in late:
            assert s.note and "as_of" in s.note
    # every stance or relation citing a late source says why in its note
    for item in [*scenario.stances, *scenario.relations]:
        if any(c.source in late for c in item.cite):
            assert item.note and "as_of" in item.note


def test_unsupported_numbers_are_marked_assumed(scenario: Scenario) -> None:
    for r in scenario.relations:
        assert bool(r.cite) != r.assumed, r.pair
        if r.assumed:
            assert r.note
    for s in scenario.stances:
        assert s.cite or (s.assumed and s.note), (s.actor, s.issue)


def _copy_project(tmp_path: Path) -> Path:
    (tmp_path / "scenarios").mkdir()
    shutil.copytree(ROOT / "data" / "articles", tmp_path / "data" / "articles")
    dst = tmp_path / "scenarios" / SCENARIO.name
    shutil.copy(SCENARIO, dst)
    return dst


def test_a_broken_quote_is_reported_with_its_field_path(tmp_path: Path, scenario: Scenario) -> None:
    dst = _copy_project(tmp_path)
    assert validate_scenario(load_scenario(dst)) == []
    target = "he refused to concede anything on the Kurile Islands"
    k = next(i for i, s in enumerate(scenario.stances) if s.cite and s.cite[0].quote == target)
    text = dst.read_text(encoding="utf-8")
    assert text.count(target) == 1
    dst.write_text(text.replace(target, "he conceded everything on the Kurile Islands"), "utf-8")
    problems = validate_scenario(load_scenario(dst))
    assert [p.field for p in problems] == [f"stances[{k}].cite[0].quote"]
    assert "not found" in problems[0].message


def test_a_missing_source_file_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dst = _copy_project(tmp_path)
    monkeypatch.chdir(tmp_path)  # the resolver also tries the working directory
    (tmp_path / "data" / "articles" / "002_19f43fb25c6b9484.txt").unlink()
    problems = validate_scenario(load_scenario(dst))
    assert any(re.fullmatch(r"sources\[\d+\]\.path", p.field) for p in problems)


def test_forecast_gives_four_models_per_issue(scenario: Scenario) -> None:
    from realpolitik.analysis.forecast import forecast_scenario

    result = forecast_scenario(scenario).to_json()
    assert len(result["issues"]) == len(scenario.issues) >= 6
    for issue in result["issues"]:
        fc = issue["forecasts"]
        assert set(fc) == {"compromise", "median", "nash", "eum"}
        for model in ("compromise", "median", "eum"):
            assert 0 <= fc[model] <= 100, (issue["id"], model)
    kurils = next(i for i in result["issues"] if i["id"] == "kurils")
    assert kurils["twolevel"]["zone_of_agreement"] is None


def test_cli_forecast_json() -> None:
    from typer.testing import CliRunner

    from realpolitik.cli import app

    res = CliRunner().invoke(app, ["forecast", str(SCENARIO), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    issues = data["issues"]
    assert sum(set(i["forecasts"]) >= {"compromise", "median", "nash", "eum"} for i in issues) >= 6
