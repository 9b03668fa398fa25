"""``realpolitik whatif``: paths, differences from the base run, --save, bad paths (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SCENARIO, assert_bad_input, run_cli

from realpolitik.analysis.forecast import forecast_issue
from realpolitik.analysis.whatif import Change, apply_changes
from realpolitik.scenario.loader import load_scenario


def test_changes_apply_to_the_named_numbers_only(mini: Path) -> None:
    sc = load_scenario(mini)
    changed = apply_changes(
        sc,
        [
            Change("relations.A-B", 0.5),
            Change("relations.B-G", -0.2),  # no such relation yet: added, marked assumed
            Change("stances.B.river.position", 60),
            Change("actors.G.capability", 0.9),
        ],
    )
    assert changed.relation_value("A", "B") == 0.5
    assert changed.relation_value("G", "B") == -0.2
    st = {s.actor: s for s in changed.stances}
    assert st["B"].position.value == 60 and st["B"].position.assumed
    assert changed.actor("G").capability.value == 0.9
    # everything else is untouched, and the input is not modified
    assert st["A"].position == sc.stances[0].position
    assert sc.relation_value("A", "B") == -0.6
    # the forecast on the changed scenario equals one on a hand-edited copy
    text = mini.read_text().replace("position = 100\n", "position = 60\n")
    g_cap = 'capability = { value = 0.2, assumed = true, note = "small neutral state" }'
    text = text.replace(g_cap, "capability = 0.9")
    mini.write_text(text)
    by_hand = load_scenario(mini)
    for model in ("compromise", "median", "nash"):
        assert (
            forecast_issue(changed, "river", [model]).forecasts
            == forecast_issue(by_hand, "river", [model]).forecasts
        )


def test_json_has_base_changed_and_diff(mini: Path) -> None:
    r = run_cli("whatif", mini, "--set", "stances.A.river.position=90", "--json")
    assert r.code == 0, r.stderr
    data = json.loads(r.stdout)
    assert set(data) == {"changes", "base", "changed", "diff"}
    moved = {(d["issue"], d["model"]) for d in data["diff"] if d["kind"] == "forecast"}
    assert ("river", "compromise") in moved
    for d in data["diff"]:
        if d["kind"] == "forecast":
            assert data["base"]["forecasts"][d["issue"]][d["model"]] == d["base"]
            assert data["changed"]["forecasts"][d["issue"]][d["model"]] == d["changed"]
    # A pulls the compromise (weighted mean) up: 10 -> 90 on A's weight 0.45 of 0.70
    base = data["base"]["forecasts"]["river"]["compromise"]
    after = data["changed"]["forecasts"]["river"]["compromise"]
    assert after - base == pytest.approx(80 * 0.45 / (0.45 + 0.21 + 0.04))


def test_alignment_change_is_reported(mini: Path) -> None:
    r = run_cli("whatif", mini, "--set", "relations.A-B=0.9", "--set", "relations.A-G=-0.9",
                "--json")  # fmt: skip
    data = json.loads(r.stdout)
    kinds = [d["kind"] for d in data["diff"]]
    assert kinds.count("alignment") == 1
    d = next(d for d in data["diff"] if d["kind"] == "alignment")
    assert {frozenset(s) for s in d["changed"]["sides"] if s} != {
        frozenset(s) for s in d["base"]["sides"] if s
    }


def test_unknown_paths_and_bad_values_exit_2(mini: Path) -> None:
    assert_bad_input(run_cli("whatif", mini, "--set", "stances.A.lake.position=5"),
                     "stances.A.lake.position", "no stance")  # fmt: skip
    assert_bad_input(run_cli("whatif", mini, "--set", "weather.today=5"), "weather.today",
                     "unknown input path")  # fmt: skip
    assert_bad_input(run_cli("whatif", mini, "--set", "relations.A-Z=0.1"), "relations.A-Z")
    assert_bad_input(run_cli("whatif", mini, "--set", "actors.A.capability=x"), "not a number")
    assert_bad_input(run_cli("whatif", mini, "--set", "stances.A.river.salience=3"),
                     "stances.A.river.salience", "salience")  # fmt: skip


def test_save_writes_a_new_file_never_the_input(mini: Path, tmp_path: Path) -> None:
    before = mini.read_text()
    assert_bad_input(run_cli("whatif", mini, "--set", "relations.A-B=0.2", "--output", mini),
                     "this command's input")  # fmt: skip
    assert mini.read_text() == before
    out = tmp_path / "changed.toml"
    r = run_cli("whatif", mini, "--set", "relations.A-B=0.2", "--output", out)
    assert r.code == 0, r.stderr
    saved = load_scenario(out)
    assert saved.relation_value("A", "B") == 0.2
    assert run_cli("validate", out).code == 0
    assert mini.read_text() == before


def test_the_bundled_scenario_whatif_contract() -> None:
    r = run_cli("whatif", SCENARIO, "--set", "relations.RUS-JPN=0.6", "--json")
    assert r.code == 0, r.stderr
    data = json.loads(r.stdout)
    assert set(data) >= {"base", "changed", "diff"} and isinstance(data["diff"], list)
    assert set(data["base"]["forecasts"]) == {i.id for i in load_scenario(SCENARIO).issues}


def test_shocks_are_checked_by_validate(mini: Path) -> None:
    text = mini.read_text() + (
        '\n[[shocks]]\nid = "thaw"\nchanges = { "relations.A-B" = 0.5, "stances.A.lake.position"'
        ' = 1 }\nassumed = true\nnote = "n"\n'
    )
    mini.write_text(text)
    assert_bad_input(run_cli("validate", mini), str(mini), "shocks[0].changes",
                     "stances.A.lake.position", "no stance")  # fmt: skip
    mini.write_text(text.replace(', "stances.A.lake.position" = 1', ""))
    assert run_cli("validate", mini).code == 0
    mini.write_text(text.replace(', "stances.A.lake.position" = 1', "").replace(
        'assumed = true\nnote = "n"\n', ""))  # fmt: skip
    assert_bad_input(run_cli("validate", mini), "shocks[0]", "needs cite")


def test_the_bundled_shocks_match_their_whatif_runs() -> None:
    from realpolitik.analysis.whatif import run, whatif

    sc = load_scenario(SCENARIO)
    assert {s.id for s in sc.shocks} == {"us-friendlier", "japan-lifts-sanctions",
                                         "rus-chn-cooling"}  # fmt: skip
    base = run(sc)
    shock = next(s for s in sc.shocks if s.id == "japan-lifts-sanctions")
    res = whatif(sc, [Change(p, v) for p, v in shock.changes.items()], base=base)
    moved = {(d["issue"], d["model"]): d["changed"] for d in res["diff"] if d["kind"] == "forecast"}
    # Japan decides its own sanctions (influence 0.70): the median follows it to 0
    assert moved[("sanctions", "median")] == 0


def test_one_number_set_twice_is_refused(mini: Path) -> None:
    assert_bad_input(run_cli("whatif", mini, "--set", "relations.A-B=0.1", "--set",
                             "relations.A-B=0.2"), "relations.A-B", "set twice")
