"""The house: bundled files are package resources, scenarios declare their own questions, and no
id of the bundled scenario is hard-coded in the code."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import ROOT, assert_bad_input, run_cli

import realpolitik
from realpolitik import paths
from realpolitik.errors import InputError
from realpolitik.scenario.loader import load_scenario
from realpolitik.scenario.validate import validate_scenario

PACKAGE = Path(realpolitik.__file__).resolve().parent
RESOURCE_DIRS = ("data", "scenarios")
"""Package folders that hold data (they may name anything), not code."""


def _code_files() -> list[Path]:
    return [
        p for p in PACKAGE.rglob("*")
        if p.is_file() and p.suffix in (".py", ".j2", ".html", ".js", ".css")
        and p.relative_to(PACKAGE).parts[0] not in RESOURCE_DIRS
    ]


def _patterns(ids: list[str]) -> list[re.Pattern[str]]:
    """An id hard-coded in the code is a string literal: ``"kurils"``, ``("RUS", "JPN")``. Prose
    may name an id as a word ("EU legislation", "the EU of a challenge") without quotes."""
    return [re.compile(rf"""["']{re.escape(x)}["']""") for x in ids]


def test_no_id_of_the_bundled_scenario_in_the_code() -> None:
    s = load_scenario(paths.bundled_scenario())
    ids = [a.id for a in s.actors] + [i.id for i in s.issues] + [q.id for q in s.questions]
    assert "kurils" in ids and "RUS" in ids  # the scan below looks for real ids
    files = _code_files()
    assert PACKAGE / "app" / "demo.py" in files and PACKAGE / "cli" / "align.py" in files
    hits = [
        f"{f.relative_to(PACKAGE)}:{n}: {line.strip()}"
        for f in files
        for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1)
        for pat in _patterns(ids)
        if pat.search(line)
    ]
    assert hits == []


def test_the_id_scan_finds_a_hard_coded_id() -> None:
    pats = _patterns(["RUS", "kurils", "rus-chn-military"])
    assert any(p.search('pair = ("RUS", "JPN")') for p in pats)
    assert any(p.search('if issue.id != "kurils":') for p in pats)
    assert not any(p.search("The Kurils question; RUSSIA; rus-chn-military-x") for p in pats)


def test_bundled_files_are_package_resources_found_from_any_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert not hasattr(paths, "PROJECT_ROOT")
    scenario = paths.bundled_scenario()
    assert scenario.is_relative_to(PACKAGE)
    assert paths.data_file("cow", "cow_states.csv").is_relative_to(PACKAGE)
    assert paths.package_file("analysis", "fitted", "deu3.json").is_file()
    # the scenario's `path = "data/articles/..."` sources resolve inside the package
    assert validate_scenario(load_scenario(scenario)) == []
    with pytest.raises(InputError, match="no-such.csv"):
        paths.data_file("no-such.csv")


def test_checkout_symlinks_point_into_the_package() -> None:
    for name in RESOURCE_DIRS:
        link = ROOT / name
        assert link.is_symlink() and link.resolve() == (ROOT / "src" / "realpolitik" / name)


def test_bundled_scenario_declares_its_questions() -> None:
    s = load_scenario(paths.bundled_scenario())
    assert s.questions, "the demo and align read the scenario's [[questions]]"
    q = s.questions[0]
    assert q.issue in {i.id for i in s.issues}
    assert q.pair is not None and s.question_pair() == q.pair


QUESTION = '\n[[questions]]\nid = "q"\ntitle = "River"\nissue = "river"\npair = ["A", "B"]\n'


def _with_question(mini: Path, text: str) -> Path:
    mini.write_text(mini.read_text() + text)
    return mini


def test_a_question_loads_and_drives_the_default_tipping_pair(mini: Path) -> None:
    s = load_scenario(_with_question(mini, QUESTION))
    assert [(q.id, q.issue, q.pair) for q in s.questions] == [("q", "river", ("A", "B"))]
    doc = json.loads(run_cli("align", mini, "--json").stdout)
    assert doc["tipping"]["pair"] == ["A", "B"]
    # the first question that names a pair gives it
    other = mini.with_name("other.toml")
    other.write_text(mini.read_text().replace(QUESTION, "")
                     + '\n[[questions]]\nid = "p"\ntitle = "No pair"\nissue = "river"\n'
                     + QUESTION.replace('["A", "B"]', '["B", "G"]'))
    assert json.loads(run_cli("align", other, "--json").stdout)["tipping"]["pair"] == ["B", "G"]
    assert json.loads(run_cli("align", other, "--json", "--pair", "A,G").stdout)[
        "tipping"]["pair"] == ["A", "G"]


@pytest.mark.parametrize("old,new,needles", [
    ('issue = "river"\npair', 'issue = "lake"\npair', ["questions[0].issue", "lake"]),
    ('pair = ["A", "B"]\n', 'pair = ["A", "Z"]\n', ["questions[0].pair", "'Z'"]),
    ('pair = ["A", "B"]\n', 'pair = ["A", "A"]\n', ["questions[0].pair", "two different"]),
    ('title = "River"\n', "", ["questions[0].title"]),
])
def test_bad_questions_are_named_by_field(mini: Path, old: str, new: str,
                                          needles: list[str]) -> None:
    text = QUESTION.replace(old, new) if old in QUESTION else QUESTION
    assert text != QUESTION
    _with_question(mini, text)
    assert_bad_input(run_cli("validate", mini), str(mini), *needles)


def test_duplicate_question_ids_are_named(mini: Path) -> None:
    _with_question(mini, QUESTION + QUESTION)
    assert_bad_input(run_cli("validate", mini), "questions[1].id", "duplicate")


def test_json_schema_describes_questions() -> None:
    schema = json.loads(run_cli("schema").stdout)
    assert schema["properties"]["questions"]["type"] == "array"
    q = schema["$defs"]["Question"]
    assert set(q["required"]) == {"id", "title"} and {"issue", "pair"} <= set(q["properties"])
