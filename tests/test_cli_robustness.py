"""CLI robustness found by a new user's walkthrough: unwritable output paths are bad input (exit 2,
nothing half-written), `validate --json` always answers in JSON, every command takes `--json`,
the forecast table shows the two-level ratification flags, align names the file and the clash."""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from pathlib import Path

import pytest
from conftest import REF, ROOT, SCENARIO, assert_bad_input, run_cli

from realpolitik.errors import InputError
from realpolitik.files import check_folder, check_writable, make_folder, write_atomic

KTAB_XML = REF / "ktab" / "smpExample.xml"
DEU_DEV = REF / "deu3" / "deu3_dev.tsv"
MODELS = ("compromise", "median", "nash", "eum")


def _listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture
def blocker(tmp_path: Path) -> Path:
    """A plain file where a folder would have to be."""
    f = tmp_path / "plain"
    f.write_text("keep me\n")
    return f


# 1. A bad output path is bad input, named, and leaves nothing behind --------------------------


def test_convert_output_under_a_file(blocker: Path, tmp_path: Path):
    target = blocker / "x.toml"
    before = _listing(tmp_path)
    r = run_cli("convert", KTAB_XML, "--to", "toml", "-o", target)
    assert_bad_input(r, str(target), f"{blocker} is a file, not a folder")
    assert "internal error" not in r.stderr
    assert _listing(tmp_path) == before and blocker.read_text() == "keep me\n"


def test_convert_output_is_a_folder(tmp_path: Path):
    r = run_cli("convert", KTAB_XML, "-o", tmp_path)
    assert_bad_input(r, str(tmp_path), "it is a folder")
    assert _listing(tmp_path) == []


def test_demo_out_is_an_existing_file(blocker: Path, tmp_path: Path):
    r = run_cli("demo", "--output", blocker)
    assert_bad_input(r, str(blocker), "is a file, not a folder")
    assert "internal error" not in r.stderr
    assert _listing(tmp_path) == ["plain"] and blocker.read_text() == "keep me\n"


def test_align_html_is_a_folder(tmp_path: Path):
    (tmp_path / "keep.txt").write_text("x")
    r = run_cli("align", SCENARIO, "--report", tmp_path)
    assert_bad_input(r, str(tmp_path), "cannot write", "it is a folder")
    assert r.stdout == ""
    assert _listing(tmp_path) == ["keep.txt"]


def test_backtest_report_is_a_folder_fails_before_the_work(tmp_path: Path):
    r = run_cli("backtest", DEU_DEV, "--report", tmp_path)
    assert_bad_input(r, str(tmp_path), "it is a folder")
    # refused before the back-test ran: no warnings of the run, nothing written
    assert "procedural" not in r.stderr and r.stdout == ""
    assert _listing(tmp_path) == []


def test_backtest_fit_under_a_file(blocker: Path, tmp_path: Path):
    target = blocker / "params.json"
    r = run_cli("backtest", DEU_DEV, "--fit", target, "--no-report")
    assert_bad_input(r, str(target), "is a file, not a folder")
    assert "procedural" not in r.stderr and r.stdout == ""
    assert _listing(tmp_path) == ["plain"]


def test_write_atomic_refusals_name_the_path_and_leave_nothing(blocker: Path, tmp_path: Path):
    cases = [
        (blocker / "a" / "b.txt", "is a file, not a folder"),
        (tmp_path, "it is a folder"),
    ]
    for path, needle in cases:
        with pytest.raises(InputError) as exc:
            write_atomic(path, "data")
        assert exc.value.file == str(path)
        assert needle in str(exc.value) and "cannot write" in str(exc.value)
    with pytest.raises(InputError, match="it is a file"):
        make_folder(blocker)
    with pytest.raises(InputError, match="is a file, not a folder"):
        check_folder(blocker / "deeper" / "still")
    assert _listing(tmp_path) == ["plain"]
    # and the good paths still work, creating folders on the way
    check_writable(tmp_path / "new" / "f.txt")
    write_atomic(tmp_path / "new" / "f.txt", "hello")
    assert (tmp_path / "new" / "f.txt").read_text() == "hello"
    assert make_folder(tmp_path / "d1" / "d2").is_dir()
    assert not list(tmp_path.rglob("*.tmp"))


def test_write_atomic_os_error_becomes_input_error(tmp_path: Path, monkeypatch):
    """A failure only the write itself finds (here: a full disk) is still bad input, no temp."""
    import os

    def full(*_a: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(InputError, match="no space left on device"):
        write_atomic(tmp_path / "f.txt", "x")
    assert _listing(tmp_path) == []


# 2. validate --json answers in JSON when the file does not load -----------------------------


def test_validate_json_on_a_file_that_does_not_load(tmp_path: Path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[scenario]\nid = "x"\n[[actors]]\nid = 1\n')
    r = run_cli("validate", bad, "--json")
    assert_bad_input(r, str(bad), "actors[0].id")
    data = json.loads(r.stdout)
    assert data["valid"] is False and data["file"] == str(bad)
    assert {"field": "actors[0].id", "message": "Input should be a valid string"} in (
        data["problems"]
    )
    # the human form is unchanged: the message on stderr, nothing on stdout
    h = run_cli("validate", bad)
    assert_bad_input(h, str(bad), "actors[0].id")
    assert h.stdout == ""


def test_validate_json_on_missing_and_malformed_files(tmp_path: Path):
    missing = tmp_path / "nope.toml"
    r = run_cli("validate", missing, "--json")
    assert_bad_input(r, str(missing))
    data = json.loads(r.stdout)
    assert data["valid"] is False and data["problems"][0]["message"] == "no such scenario file"
    broken = tmp_path / "broken.toml"
    broken.write_text("[scenario\n")
    r = run_cli("validate", broken, "--json")
    assert_bad_input(r, "malformed TOML")
    assert "malformed TOML" in json.loads(r.stdout)["problems"][0]["message"]


def test_validate_json_on_a_quote_problem_also_says_it_on_stderr(tmp_path: Path):
    mini = ROOT / "tests" / "data" / "mini"
    shutil.copy(mini / "mini.toml", tmp_path / "mini.toml")
    (tmp_path / "article.txt").write_text("nothing quoted here\n")
    r = run_cli("validate", tmp_path / "mini.toml", "--json")
    data = json.loads(r.stdout)
    assert r.code == 2 and data["valid"] is False and data["problems"]
    for p in data["problems"]:
        assert p["message"] in r.stderr


def test_validate_json_on_a_good_file():
    r = run_cli("validate", SCENARIO, "--json")
    assert r.code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["valid"] is True and data["problems"] == [] and data["quotes"] > 0


# 3. every command takes --json ------------------------------------------------------------


def test_schema_json_flag_prints_the_same_schema():
    plain, flagged = run_cli("schema"), run_cli("schema", "--json")
    assert plain.code == flagged.code == 0
    assert json.loads(plain.stdout) == json.loads(flagged.stdout)
    assert "actors" in json.loads(flagged.stdout)["properties"]


@pytest.mark.parametrize(
    ("path", "fmt"),
    [(KTAB_XML, "ktab-xml"), (REF / "decide" / "copenhagen.csv", "decide")],
    ids=["ktab-xml", "decide"],
)
def test_convert_json_summary_and_file(tmp_path: Path, path: Path, fmt: str):
    out = tmp_path / "sub" / "s.toml"
    r = run_cli("convert", path, "--to", "toml", "-o", out, "--json")
    assert r.code == 0, r.stderr
    data = json.loads(r.stdout)  # only JSON on stdout
    assert data == {"output": str(out), "format": fmt, "actors": data["actors"],
                    "issues": data["issues"]}
    # the counts are those of the written scenario, read back independently
    written = tomllib.loads(out.read_text())
    assert data["actors"] == len(written["actors"]) > 0
    assert data["issues"] == len(written["issues"]) > 0
    # without --output the TOML travels inside the JSON and equals the plain output
    inline = json.loads(run_cli("convert", path, "--json").stdout)
    assert inline["output"] is None and inline["toml"] == run_cli("convert", path).stdout


def test_every_command_takes_json():
    from realpolitik.cli import app

    for cmd in app.registered_commands:
        name = cmd.name or cmd.callback.__name__
        r = run_cli(name, "--help")
        assert r.code == 0 and "--json" in r.stdout, name


# 4. the forecast table shows the two-level ratification flags --------------------------------


_ROW = re.compile(r"│\s*(compromise|median|nash|eum)\s*│\s*(-|[\d.]+)( †)?\s*│")


def _table_marks(text: str) -> dict[str, bool]:
    return {m.group(1): bool(m.group(3)) for m in _ROW.finditer(text)}


def _scenario_with_winsets(tmp_path: Path, rus: str, jpn: str) -> Path:
    text = SCENARIO.read_text()
    # the bundled win-sets carry a note and quotes after their bounds: replace the bounds only
    for old, new in (("winset = { low = 0, high = 10,", rus),
                     ("winset = { low = 50, high = 100,", jpn)):
        assert text.count(old) == 1, old
        text = text.replace(old, new.removesuffix(" }") + ",")
    p = tmp_path / "s.toml"
    p.write_text(text)
    return p


@pytest.mark.parametrize(
    ("rus", "jpn"),
    [
        (None, None),  # the bundled scenario: no zone of agreement, nothing ratified
        ("winset = { low = 0, high = 100 }", "winset = { low = 0, high = 100 }"),
        ("winset = { low = 0, high = 30 }", "winset = { low = 0, high = 100 }"),
        ("winset = { low = 0, high = 100 }", "winset = { low = 40, high = 100 }"),
    ],
    ids=["bundled", "all-inside", "rus-narrow", "jpn-floor"],
)
def test_forecast_table_marks_exactly_the_unratified_forecasts(tmp_path: Path, rus, jpn):
    path = SCENARIO if rus is None else _scenario_with_winsets(tmp_path, rus, jpn)
    js = json.loads(run_cli("forecast", path, "--issue", "kurils", "--json").stdout)
    ratified = js["issues"][0]["twolevel"]["ratified"]
    r = run_cli("forecast", path, "--issue", "kurils")
    assert r.code == 0, r.stderr
    marks = _table_marks(r.stdout)
    assert set(marks) == set(MODELS), r.stdout
    assert marks == {m: not ok for m, ok in ratified.items()}
    assert "outside a domestic ratifier's win-set" in r.stdout
    zone = js["issues"][0]["twolevel"]["zone_of_agreement"]
    flat = " ".join(r.stdout.split())
    assert ("zone of possible agreement empty" in flat) == (zone is None)
    if rus is None:
        assert not any(ratified.values())  # the walkthrough's case: all false, all marked
        assert "RUS-public [0, 10]" in flat and "JPN-public [50, 100]" in flat


def test_forecast_table_without_winsets_has_no_legend():
    r = run_cli("forecast", REF / "bdm" / "ec_emissions_1994.csv")
    assert r.code == 0, r.stderr
    assert "†" not in r.stdout and "win-set" not in r.stdout


# 5. align names the file and the clash --------------------------------------------------


def test_align_on_a_file_without_relations_names_the_file():
    path = REF / "decide" / "copenhagen.csv"
    r = run_cli("align", path)
    assert_bad_input(r, str(path), "relations: none between its 11 actors", "at least two actors")
    assert "copenhagen: " not in r.stderr.replace(str(path), "")


def test_align_scenario_with_year_says_they_cannot_be_combined():
    r = run_cli("align", SCENARIO, "--year", "1914")
    assert_bad_input(r, "cannot be combined", "--year", str(SCENARIO))
    assert "unknown state" not in r.stderr


def test_align_year_with_state_codes_still_works():
    r = run_cli("align", "--year", "1914", "GMY", "RUS", "FRN", "--json")
    assert r.code == 0, r.stderr
    assert set(json.loads(r.stdout)["frustration"]) == {"GMY", "RUS", "FRN"}


def test_align_too_few_actors_with_relations_says_how_many(tmp_path: Path):
    text = (ROOT / "tests" / "data" / "align_northeast_asia.toml").read_text()
    p = tmp_path / "a.toml"
    p.write_text(text)
    r = run_cli("align", p, "--actors", "RUS")
    assert_bad_input(r, str(p), "at least two actors", "found 1")


# 6. flags show no value type in help ----------------------------------------------------


def test_flags_show_no_bool_metavar():
    r = run_cli("backtest", "--help")
    assert r.code == 0
    assert "<bool>" not in r.stdout
    assert "<path>" in r.stdout  # options that take values keep their type


def test_version_matches_the_package() -> None:
    from realpolitik import __version__

    r = run_cli("--version")
    assert r.code == 0 and r.stdout.strip() == f"realpolitik {__version__}"


def test_brackets_in_user_text_are_printed_as_they_are(tmp_path: Path):
    """Titles, names and quotes are user text: a bracket in them is not rich markup (a stray
    closing tag was an internal error in every table that showed a title)."""
    text = SCENARIO.read_text(encoding="utf-8")
    marked = re.sub(r'^title = "(.*)"$', r'title = "\1 [/x] [bold]b"', text, flags=re.M)
    assert marked != text
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "articles").symlink_to(ROOT / "data" / "articles")
    f = tmp_path / "marked.toml"
    f.write_text(marked, encoding="utf-8")
    for command in ("forecast", "exchange", "align", "validate"):
        run = run_cli(command, f)
        assert run.code == 0, (command, run.stdout, run.stderr)
        assert command == "validate" or "[/x] [bold]b" in run.stdout, command


def test_a_reader_that_goes_away_is_no_internal_error():
    """`realpolitik forecast ... | head -1`: the command stops quietly (141, as for SIGPIPE)."""
    import subprocess
    import sys

    exe = Path(sys.executable).with_name("realpolitik")
    p = subprocess.Popen([str(exe), "ingest", *sorted(map(str, (ROOT / "data" / "articles")
                                                          .glob("*.txt"))),
                          "--scenario", str(SCENARIO)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.stdout is not None and p.stderr is not None
    p.stdout.readline()
    p.stdout.close()
    err = p.stderr.read()
    assert p.wait(timeout=300) == 141 and err == b""
    # --json: 200 KB of JSON into a pipe nobody reads (the JSON writer's own path)
    p = subprocess.Popen([str(exe), "ingest", *sorted(map(str, (ROOT / "data" / "articles")
                                                          .glob("*.txt"))),
                          "--scenario", str(SCENARIO), "--json"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdout.close()
    err = p.stderr.read()
    assert p.wait(timeout=300) == 141 and err == b""


def test_demo_refuses_a_report_path_that_is_a_folder_before_the_work(tmp_path: Path):
    (tmp_path / "northeast-asia-2018" / "report.html").mkdir(parents=True)
    run = run_cli("demo", "-o", tmp_path)
    assert_bad_input(run, "report.html", "folder")
    assert not (tmp_path / "northeast-asia-2018" / "report.html").is_file()
