"""Scenario schema, loader and validation: good files load, every bad file is named precisely."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import MINI, assert_bad_input, edit, run_cli

from realpolitik.errors import InputError
from realpolitik.scenario.loader import load_scenario
from realpolitik.scenario.validate import validate_scenario


def test_mini_loads_and_validates():
    sc = load_scenario(MINI)
    assert [a.id for a in sc.actors] == ["A", "B", "G"]
    assert sc.issue("river").scale.nearest_label(47) == (50.0, "split")
    assert sc.stances[0].position.lo == 0 and sc.stances[0].position.hi == 20
    assert sc.relation_value("B", "A") == -0.6
    assert validate_scenario(sc) == []


def test_validate_cli_counts_quotes():
    r = run_cli("validate", MINI)
    assert r.code == 0 and "4 quotes found verbatim" in r.stdout


def test_quote_not_found_is_reported_with_its_path(mini: Path):
    edit(mini, "Beta wants the whole river", "Beta wants the entire river")
    problems = validate_scenario(load_scenario(mini))
    assert [p.field for p in problems] == ["stances[1].cite[0].quote"]
    assert_bad_input(run_cli("validate", mini), str(mini), "stances[1].cite[0].quote")


def test_uncited_number_needs_assumed_and_note(mini: Path):
    edit(mini, 'assumed = true\nnote = "no evidence either way"\n', "")
    problems = validate_scenario(load_scenario(mini))
    assert [p.field for p in problems] == ["relations[1].value"]
    edit(mini, 'value = 0.1\n', 'value = 0.1\nassumed = true\n')
    problems = validate_scenario(load_scenario(mini))
    assert "note" in problems[0].message


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('actor = "B"', 'actor = "Z"', "stances[1].actor"),
        ("salience = 0.7", "salience = 1.5", "stances[1].salience"),
        ("salience = 0.7", "salience = nan", "stances[1].salience"),
        ("position = 100", "position = 120", "stances[1].position"),
        ("value = 0.5,", "value = -1.0,", "actors[0].capability"),
        ("low = 0, high = 20", "low = 15, high = 20", "stances[0].position"),
        ('pair = ["A", "G"]', 'pair = ["A", "Q"]', "relations[1].pair"),
        ("value = -0.6,", "value = -1.6,", "relations[0].value"),
        (
            'source = "art", quote = "Gamma',
            'source = "nope", quote = "Gamma',
            "stances[2].cite[0].source",
        ),
        ('title = "The river"', 'title = "The river"\ncolour = "blue"', "issues[0].colour"),
    ],
)
def test_bad_values_name_file_and_field(mini: Path, old: str, new: str, field: str):
    edit(mini, old, new)
    with pytest.raises(InputError) as err:
        load_scenario(mini)
    assert field in [p.field for p in err.value.problems], err.value
    assert_bad_input(run_cli("validate", mini), str(mini), field)
    assert_bad_input(run_cli("forecast", mini, "--json"), str(mini), field)


def test_malformed_toml(mini: Path):
    mini.write_text("[scenario\nid = 3")
    assert_bad_input(run_cli("validate", mini), str(mini), "malformed TOML")


def test_empty_file(mini: Path):
    mini.write_text("")
    assert_bad_input(run_cli("forecast", mini), str(mini), "empty")


def test_huge_file(tmp_path: Path):
    big = tmp_path / "big.toml"
    with big.open("w") as f:
        line = "# " + "x" * 1000 + "\n"
        for _ in range(50 * 1024):
            f.write(line)
    assert big.stat().st_size > 50_000_000
    assert_bad_input(run_cli("validate", big), str(big), "limit")


def test_missing_file(tmp_path: Path):
    assert_bad_input(run_cli("forecast", tmp_path / "none.toml"), "none.toml", "no such")


def test_missing_source_file(mini: Path):
    (mini.parent / "article.txt").unlink()
    assert_bad_input(run_cli("validate", mini), str(mini), "sources[0].path", "not found")


def test_demo_with_bad_scenario_writes_nothing(mini: Path, tmp_path: Path):
    edit(mini, "salience = 0.7", "salience = 1.5")
    out = tmp_path / "out"
    assert_bad_input(run_cli("demo", mini, "--output", out), str(mini))
    assert not out.exists()


def test_schema_command_prints_json_schema():
    import json

    r = run_cli("schema")
    schema = json.loads(r.stdout)
    assert r.code == 0 and "stances" in schema["properties"]


def test_reference_problems_keep_their_own_fields(mini: Path):
    """Every broken reference is its own Problem with its own field, even when the unknown id
    contains "; " and ": " (which a message joined into one string and split again would cut)."""
    edit(mini, 'actor = "B"', 'actor = "Z; actors[9].id: oops"')
    edit(mini, 'id = "G"', 'id = "A"')
    edit(mini, 'pair = ["A", "G"]', 'pair = ["A", "Q"]')
    with pytest.raises(InputError) as err:
        load_scenario(mini)
    got = [(p.field, p.message) for p in err.value.problems]
    assert ("actors[2].id", "duplicate actor id 'A' (first at actors[0])") in got
    assert ("stances[1].actor", "unknown actor 'Z; actors[9].id: oops'") in got
    assert ("stances[2].actor", "unknown actor 'G'") in got
    assert ("relations[1].pair", "unknown actor 'Q'") in got
    assert not any(f == "actors[9].id" for f, _ in got)
    assert len(got) == len(set(got))
