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
# CINC 2017, the last full year before as_of, from COW NMC v7 (cow_nmc_cinc.csv, ccode 365, 710,
# 740, 2, 732, 731).
CINC_2017 = {
    "RUS": 0.03576345,
    "CHN": 0.22204082,
    "JPN": 0.029783078,
    "USA": 0.12164623,
    "KOR": 0.022983249,
    "PRK": 0.014227722,
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
            assert "2017" in (a.capability.note or "")
            assert a.capability.value == pytest.approx(CINC_2017[a.id], rel=1e-9)
        elif a.id == "EU":
            # a bloc: no parent state, an assumed capability (its members' CINC) with a note
            assert a.kind == "bloc" and a.parent is None
            assert a.capability.assumed and a.capability.note and a.capability.ranged
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
    assert {"public", "leader", "bloc"} <= kinds
    assert {"RUS-public", "JPN-public", "USA-president", "EU"} <= set(ids)


def test_cinc_matches_the_projects_copy_of_nmc() -> None:
    """The hard-coded CINC values above equal the project's copy of NMC v7."""
    path = ROOT / "data" / "cow" / "cow_nmc_cinc.csv"
    codes = {"2": "USA", "365": "RUS", "710": "CHN", "740": "JPN", "732": "KOR", "731": "PRK"}
    found = {}
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["year"] == "2017" and row["ccode"] in codes:
                found[codes[row["ccode"]]] = float(row["cinc"])
    assert found == pytest.approx(CINC_2017, rel=1e-9)


def test_issues_have_labelled_scales_and_enough_stances(scenario: Scenario) -> None:
    assert 8 <= len(scenario.issues) <= 14
    actor_ids = {a.id for a in scenario.actors}
    for issue in scenario.issues:
        sc = issue.scale
        assert (sc.min, sc.max) == (0, 100), issue.id
        assert 2 <= len(sc.points) <= 5, issue.id
        assert issue.reference is not None and sc.min <= issue.reference <= sc.max
        stances = scenario.stances_on(issue.id)
        assert len(stances) >= 3, issue.id
        assert {s.actor for s in stances} <= actor_ids
        for s in stances:
            # ranges everywhere: they feed the uncertainty analysis
            assert s.position.ranged and s.salience.ranged, (s.actor, issue.id)
        # influence by who decides: on an issue either every stance has one or none has
        with_influence = {s.influence is not None for s in stances}
        assert len(with_influence) == 1, issue.id


def test_the_issues_the_articles_argue(scenario: Scenario) -> None:
    ids = {i.id for i in scenario.issues}
    assert {"kurils", "sequence", "joint-activity", "island-security", "sanctions",
            "western-sanctions"} <= ids  # fmt: skip
    # joint economic activity is counted on one scale only
    for issue in scenario.issues:
        if issue.id != "joint-activity":
            labels = " ".join(issue.scale.points.values())
            assert "joint activit" not in labels and "joint economic" not in labels, issue.id
    # the 1956 order: treaty first, then the two islands, is a point of the sequence issue
    assert any("1956" in label for label in scenario.issue("sequence").scale.points.values())
    # the EU and the US president take part on the Western sanctions
    actors = {s.actor for s in scenario.stances_on("western-sanctions")}
    assert {"EU", "USA", "USA-president", "RUS"} <= actors


def test_kurils_scale_is_the_design_scale(scenario: Scenario) -> None:
    points = scenario.issue("kurils").scale.points
    assert sorted(points) == [0, 50, 100]
    assert "status quo" in points[0]
    assert "1956" in points[50] and "all four" in points[100]
    assert scenario.issue("kurils").reference == 0


def test_influence_follows_who_decides(scenario: Scenario) -> None:
    st = {(s.actor, s.issue): s for s in scenario.stances}
    caps = {a.id: a.capability.value for a in scenario.actors}

    def share(actor: str, issue: str) -> float:
        ws = {s.actor: s.weight(caps[s.actor]) for s in scenario.stances_on(issue)}
        return ws[actor] / sum(ws.values())

    # Japan decides its own sanctions; Russia and China decide their military cooperation
    assert share("JPN", "sanctions") > 0.5
    assert share("RUS", "rus-chn-military") + share("CHN", "rus-chn-military") > 0.9
    # the two signatories hold most of the say on the territory and the treaty's order
    assert share("RUS", "kurils") + share("JPN", "kurils") > 0.6
    # third parties that only hold a view: influence 0, still a stance
    for who, issue in (("JPN", "rus-chn-military"), ("CHN", "far-east-investment")):
        inf = st[(who, issue)].influence
        assert inf is not None and inf.value == 0 and inf.assumed and inf.note
    # no article states China's view on the islands: no stance
    assert ("CHN", "kurils") not in st


def test_a_relation_for_every_pair_of_states(scenario: Scenario) -> None:
    for a, b in itertools.combinations(STATES, 2):
        assert scenario.relation_value(a, b) is not None, (a, b)
    # the public, the press and the islanders relate to their own state
    for actor in scenario.actors:
        if actor.parent is not None and actor.kind != "leader":
            assert scenario.relation_value(actor.id, actor.parent) is not None, actor.id


def test_domestic_winsets(scenario: Scenario) -> None:
    st = {(s.actor, s.issue): s for s in scenario.stances}
    rus = st[("RUS-public", "kurils")]
    jpn = st[("JPN-public", "kurils")]
    assert rus.winset is not None and jpn.winset is not None
    # Levada: 78% oppose handing over any island -> the 1956 formula (50) is outside
    assert rus.winset.low <= 0 <= rus.winset.high
    assert not rus.winset.low <= 50 <= rus.winset.high
    assert any("78 percent" in c.quote and "Levada" in c.quote for c in rus.winset.cite)
    # Japanese opinion open to a deal, growing numbers expecting all four -> 50..100
    assert jpn.winset.low <= 50 and jpn.winset.high >= 100
    assert not jpn.winset.low <= 25 <= jpn.winset.high
    assert any("all four" in c.quote for c in jpn.winset.cite)
    # the quote is whole: the first half ("more open to a deal") is not dropped
    assert all("more open to a deal" in c.quote for c in jpn.position.cite)
    # the two publics' win-sets do not overlap: no zone of agreement on the articles' evidence
    assert max(rus.winset.low, jpn.winset.low) > min(rus.winset.high, jpn.winset.high)


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


def test_every_number_cites_its_own_evidence(scenario: Scenario) -> None:
    """No stance-level quote covers several numbers; each quote has a kind; inferred ones say
    how; every source is graded; a number without quotes is assumed with a note."""
    for s in scenario.stances:
        assert not s.cite, (s.actor, s.issue)
        for v in (s.position, s.salience, s.influence):
            if v is None:
                continue
            assert v.cite or (v.assumed and v.note), (s.actor, s.issue)
            for c in [*v.cite, *v.low_cite, *v.high_cite]:
                assert c.kind in ("direct", "inferred"), (s.actor, s.issue, c.quote)
                assert c.kind != "inferred" or c.reasoning
    for r in scenario.relations:
        assert bool(r.cite) != r.assumed, r.pair
        if r.assumed:
            assert r.note
    for src in scenario.sources:
        assert src.grade is not None and src.grade.note, src.id


def test_the_defects_of_the_first_version_stay_fixed(scenario: Scenario) -> None:
    text = SCENARIO.read_text(encoding="utf-8")
    quotes = [c.quote for _, cs in scenario._citations() for c in cs]
    # the 1956 Joint Declaration ended the state of war: no quote says otherwise
    assert not any("technically at war" in q for q in quotes)
    # NMC v7 runs to 2022: no claim that 2016 is its last year
    assert "last year of NMC" not in text
    # the Kashin quote keeps its second half
    assert "far greater than" in text.split("avoid the term", 1)[1].split("\n", 1)[0]


def test_counter_evidence_is_cited(scenario: Scenario) -> None:
    st = {(s.actor, s.issue): s for s in scenario.stances}
    # Russia-China frictions (seed-000) set the low end of Russia's military cooperation
    low = st[("RUS", "rus-chn-military")].position.low_cite
    assert any("yet to completely trust China" in c.quote for c in low)
    rel = next(r for r in scenario.relations if set(r.pair) == {"RUS", "CHN"})
    assert any("possibility of a rift" in c.quote for c in rel.cite)
    # the Far East is "not economically important to Moscow" tempers Russia's salience
    sal = st[("RUS", "far-east-investment")].salience
    assert any("not economically important" in c.quote for c in sal.cite) and sal.value <= 0.6


def test_strict_validation_passes_with_empty_lists() -> None:
    from typer.testing import CliRunner

    from realpolitik.cli import app

    res = CliRunner().invoke(app, ["validate", "--strict", "--json", str(SCENARIO)])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["valid"] is True
    assert set(data["evidence"]) == {i.id for i in load_scenario(SCENARIO).issues}
    for issue, ev in data["evidence"].items():
        assert ev["background_only"] == [] and ev["stale"] == [] and ev["low_grade"] == [], issue
        assert 0 < ev["strength"] <= 1, issue
    # the numbers no quote supports are listed, not hidden
    assert all(ev["assumed"] for ev in data["evidence"].values())


def _copy_project(tmp_path: Path) -> Path:
    (tmp_path / "scenarios").mkdir()
    shutil.copytree(ROOT / "data" / "articles", tmp_path / "data" / "articles")
    dst = tmp_path / "scenarios" / SCENARIO.name
    shutil.copy(SCENARIO, dst)
    return dst


def test_a_broken_quote_is_reported_with_its_field_path(tmp_path: Path, scenario: Scenario) -> None:
    dst = _copy_project(tmp_path)
    assert validate_scenario(load_scenario(dst)) == []
    target = "Major Japanese newspapers think that the joint economic activity project"
    k = next(
        i
        for i, s in enumerate(scenario.stances)
        if s.position.cite and s.position.cite[0].quote.startswith(target)
    )
    text = dst.read_text(encoding="utf-8")
    assert text.count(target) == 2  # the position's quote and its low end's
    broken = text.replace(target, "Major Japanese newspapers think that the project", 1)
    dst.write_text(broken, "utf-8")
    problems = validate_scenario(load_scenario(dst))
    assert [p.field for p in problems] == [f"stances[{k}].position.cite[0].quote"]
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
