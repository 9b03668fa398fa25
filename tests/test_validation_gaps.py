"""Gaps found by a new-user walkthrough: inputs that passed validation and then crashed a command,
or were silently accepted. Each is refused with exit status 2, naming the file and the field."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from conftest import MINI, ROOT, assert_bad_input, edit, run_cli

from realpolitik.analysis.forecast import forecast_scenario
from realpolitik.analysis.linkage import exchange_scenario
from realpolitik.errors import InputError
from realpolitik.scenario.loader import load_any, load_scenario
from realpolitik.scenario.validate import validate_scenario

BUNDLED = ROOT / "scenarios" / "northeast-asia-2018.toml"
EC = ROOT / "data" / "reference" / "bdm" / "ec_emissions_1994.csv"


def zero_saliences(path: Path) -> Path:
    edit(path, "salience = { value = 0.9, low = 0.8, high = 1.0 }", "salience = 0")
    edit(path, "salience = 0.7", "salience = 0")
    return edit(path, "salience = 0.2", "salience = 0")


# 1. an issue nobody weighs ----------------------------------------------------------------------


def test_unweighted_issue_is_refused_by_validate_and_every_command(mini: Path, tmp_path: Path):
    zero_saliences(mini)
    problems = validate_scenario(load_scenario(mini))
    assert [p.field for p in problems] == ["issues[0]"]
    assert "'river'" in problems[0].message
    for args in (("validate",), ("forecast",), ("forecast", "--json"), ("exchange",)):
        r = run_cli(args[0], mini, *args[1:])
        assert_bad_input(r, "mini.toml", "issues[0]", "'river'")
        assert "nan" not in r.stdout and r.stdout.strip() == ""
    out = tmp_path / "out"
    assert_bad_input(run_cli("demo", mini, "--output", out), "issues[0]", "'river'")
    assert not out.exists()


def test_one_weighted_actor_is_enough(mini: Path):
    edit(mini, "salience = 0.7", "salience = 0")
    edit(mini, "salience = 0.2", "salience = 0")
    sc = load_scenario(mini)
    assert validate_scenario(sc) == []
    fc = forecast_scenario(sc, models=("compromise", "median")).issues[0].forecasts
    assert fc == {"compromise": 10.0, "median": 10.0}  # only Alpha weighs the river


def test_zero_capabilities_alone_also_unweight_the_issue(mini: Path):
    for cap in ("value = 0.5,", "value = 0.3,", "value = 0.2,"):
        edit(mini, cap, "value = 0,")
    assert [p.field for p in validate_scenario(load_scenario(mini))] == ["issues[0]"]


def test_forecast_and_exchange_refuse_unweighted_issues_without_validate(mini: Path):
    sc = load_scenario(zero_saliences(mini))
    with pytest.raises(InputError) as err:
        forecast_scenario(sc)
    assert err.value.file == str(mini.resolve())
    assert [p.field for p in err.value.problems] == ["issues[0]"]
    with pytest.raises(InputError) as err:
        exchange_scenario(sc, rounds=2)
    assert [p.field for p in err.value.problems] == ["issues[0]"]


def test_exchange_names_only_the_unweighted_issue(tmp_path: Path):
    case = tmp_path / "linkage.toml"
    text = (ROOT / "tests" / "data" / "exchange_linkage.toml").read_text()
    # every salience on "sanctions" (the second issue) set to 0
    blocks = text.split("[[stances]]")
    for k, b in enumerate(blocks):
        if 'issue = "sanctions"' in b:
            blocks[k], n = re.subn(r"salience = [0-9.]+", "salience = 0", b)
            assert n == 1
    case.write_text("[[stances]]".join(blocks))
    sc = load_scenario(case)
    assert sum(s.salience.value for s in sc.stances_on("sanctions")) == 0
    with pytest.raises(InputError) as err:
        exchange_scenario(sc, rounds=2)
    assert [p.field for p in err.value.problems] == ["issues[1]"]
    assert "'sanctions'" in err.value.problems[0].message


def test_bdm_with_every_capability_zero(tmp_path: Path):
    csv = tmp_path / "zero.csv"
    csv.write_text("Actor,Capability,Position,Salience\nA,0,10,50\nB,0,90,60\n")
    for cmd in ("validate", "forecast", "exchange"):
        assert_bad_input(run_cli(cmd, csv), str(csv), "Capability", "every Capability is 0")
    csv.write_text("Actor,Capability,Position,Salience\nA,1,10,0\nB,2,90,0\n")
    assert_bad_input(run_cli("forecast", csv), str(csv), "every Salience is 0")
    csv.write_text("Actor,Capability,Position,Salience\nA,0,10,50\nB,2,90,0\n")
    assert_bad_input(run_cli("forecast", csv), str(csv), "Capability 0 or Salience 0")


# 2. source = "<id>" on a value must name a [[sources]] entry --------------------------------------


def test_unknown_value_source_is_reported_with_its_path(mini: Path):
    edit(mini, 'capability = { value = 0.3, source = "cinc" }',
         'capability = { value = 0.3, source = "cinc-v2" }')  # fmt: skip
    edit(mini, "position = 100\n", 'position = { value = 100, source = "nowhere" }\n')
    problems = validate_scenario(load_scenario(mini))
    fields = ["actors[1].capability.source", "stances[1].position.source"]
    assert [p.field for p in problems] == fields
    assert "'cinc-v2'" in problems[0].message and "'nowhere'" in problems[1].message
    assert_bad_input(
        run_cli("validate", mini), str(mini), "actors[1].capability.source", "cinc-v2"
    )


def test_known_value_sources_stay_valid():
    assert validate_scenario(load_scenario(MINI)) == []
    assert validate_scenario(load_scenario(BUNDLED)) == []
    assert validate_scenario(load_any(EC)) == []  # importers name their own dataset source


# 3. BDM CSV: duplicate actors and extra cells -----------------------------------------------------


def test_bdm_refuses_duplicates_and_extra_cells_all_at_once(tmp_path: Path):
    csv = tmp_path / "bad.csv"
    csv.write_text(
        "Actor,Capability,Position,Salience\n"
        "Belgium,0.08,7,40\n"
        "France,0.16,4,70\n"
        "belgium,0.08,7,40\n"
        "Denmark,0.03,8,40,99\n"
        "Italy,x,4,70\n"
    )
    with pytest.raises(InputError) as err:
        load_any(csv)
    assert err.value.file == str(csv)
    got = {(p.field, p.message) for p in err.value.problems}
    assert ("line 4, Actor", "actor 'belgium' is listed twice (first on line 2)") in got
    assert any(f == "line 5, column 5" and "'99'" in m for f, m in got)
    assert any(f == "line 6, Capability" and "not a number" in m for f, m in got)
    assert len(got) == 3
    r = run_cli("forecast", csv)
    assert_bad_input(r, str(csv), "line 4, Actor", "line 5, column 5", "line 6, Capability")


def test_bdm_line_numbers_count_blank_lines(tmp_path: Path):
    csv = tmp_path / "gaps.csv"
    csv.write_text("Actor,Capability,Position,Salience\n\nA,1,0,50\n\nA,1,10,50\n")
    with pytest.raises(InputError) as err:
        load_any(csv)
    assert [str(p) for p in err.value.problems] == [
        "line 5, Actor: actor 'A' is listed twice (first on line 3)"
    ]


def test_bdm_trailing_empty_cells_and_extra_named_columns_are_fine(tmp_path: Path):
    csv = tmp_path / "ok.csv"
    csv.write_text(
        "Actor,Capability,Position,Salience,Note\n"
        "A,1,0,50,hawk\n"
        "B,2,100,80,\n"
        "C,1,40,30,dove,,\n"
    )
    sc = load_any(csv)
    assert [a.id for a in sc.actors] == ["A", "B", "C"]
    assert [s.salience.value for s in sc.stances] == [0.5, 0.8, 0.3]


def test_bdm_reference_file_still_imports_exactly():
    sc = load_any(EC)
    assert len(sc.actors) == 10 and len({a.name for a in sc.actors}) == 10
    w = np.array([sc.actor(s.actor).capability.value * s.salience.value for s in sc.stances])
    assert (w > 0).all()


# 4. strict numbers and booleans ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("salience = 0.7", 'salience = { value = "0.7", source = "cinc" }',
         "stances[1].salience.value"),
        ("position = 100\n", 'position = { value = 100, high = "100", source = "cinc" }\n',
         "stances[1].position.high"),
        ("value = 0.5,", 'value = "0.5",', "actors[0].capability.value"),
        ("salience = 0.7", "salience = true", "stances[1].salience"),
        ("assumed = true, note", 'assumed = "yes", note', "actors[2].capability.assumed"),
        ("assumed = true\n", 'assumed = "yes"\n', "relations[1].assumed"),
        ("winset = { low = 30, high = 70 }", 'winset = { low = "30", high = 70 }',
         "stances[2].winset.low"),
        ("scale = { min = 0,", 'scale = { min = "0",', "issues[0].scale.min"),
    ],
)  # fmt: skip
def test_numbers_and_flags_must_not_be_strings(mini: Path, old: str, new: str, field: str):
    edit(mini, old, new)
    with pytest.raises(InputError) as err:
        load_scenario(mini)
    assert field in [p.field for p in err.value.problems], err.value
    assert_bad_input(run_cli("validate", mini), str(mini), field)


def test_integers_still_count_as_numbers(mini: Path):
    edit(mini, "value = 0.5,", "value = 1,")
    edit(mini, 'pair = ["A", "G"]', 'pair = ["A", "G"]\ndirected = true')
    sc = load_scenario(mini)
    assert sc.actors[0].capability.value == 1.0 and isinstance(sc.actors[0].capability.value, float)
    assert sc.relations[1].directed is True
    assert validate_scenario(sc) == []


def test_bundled_scenario_still_validates_from_the_cli():
    r = run_cli("validate", BUNDLED, "--json")
    assert r.code == 0, r.stderr
    assert json.loads(r.stdout)


def test_a_source_dated_after_as_of_is_a_warning_not_an_error() -> None:
    """The bundled scenario cites one article written after its as_of date (for background
    only): validate passes, and says so on stderr and in the JSON."""
    r = run_cli("validate", BUNDLED, "--json")
    assert r.code == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["valid"] is True
    assert [w["field"] for w in report["warnings"]] == ["sources[1].date"]
    assert "after as_of 2018-09-30" in r.stderr
