"""One CLI dialect (docs/design.md, CLI contract): the README's reference matches the commands'
own options both ways, renamed options still work under their old spelling with a warning,
contradicting options are refused naming both, and every bad number is exit 2."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer.main
from conftest import REF, ROOT, assert_bad_input, run_cli

from realpolitik.cli import app
from realpolitik.cli.common import modernise

DEV = REF / "deu3" / "deu3_dev.tsv"
COPENHAGEN = REF / "decide" / "copenhagen.csv"
EC = REF / "bdm" / "ec_emissions_1994.csv"
ALIGN = ROOT / "tests" / "data" / "align_northeast_asia.toml"
WWI = ROOT / "data" / "alignment" / "wwi_signed_ties_1872_1907.csv"
BUNDLED = ROOT / "scenarios" / "northeast-asia-2018.toml"
OPTION = re.compile(r"(?<![\w\-])--?[a-z][a-z\-]*(?![\w\-])")


def leaves(cmd: object = None, path: tuple[str, ...] = ()) -> Iterator[tuple[str, object]]:
    """Every command the user can run, as ("ledger record", click command)."""
    cmd = cmd if cmd is not None else typer.main.get_command(app)
    subs = getattr(cmd, "commands", None)
    if subs:
        for name, sub in subs.items():
            yield from leaves(sub, (*path, name))
    else:
        yield " ".join(path), cmd


COMMANDS = dict(leaves())


def options(cmd: object) -> list[list[str]]:
    """The names of each visible option (``-h``/``--help`` and ``--json`` aside)."""
    found = []
    for p in cmd.params:  # type: ignore[attr-defined]
        names = [*p.opts, *p.secondary_opts]
        if p.param_type_name == "option" and not p.hidden and "--json" not in names:
            found.append(names)
    return found


def metavars(cmd: object) -> list[str]:
    return [p.metavar or p.name.upper() for p in cmd.params  # type: ignore[attr-defined]
            if p.param_type_name == "argument"]


def known(cmd: object) -> set[str]:
    return {n for names in options(cmd) for n in names} | {"--json", "-h", "--help"}


def readme_rows() -> dict[str, list[tuple[str, str]]]:
    """README's reference table: command -> [(synopsis, description)], each row's command the
    longest command name its synopsis starts with."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Command-line reference", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, list[tuple[str, str]]] = {}
    for line in section.splitlines():
        m = re.match(r"\| `realpolitik ([^`]*)` \| (.*) \|$", line)
        if not m:
            continue
        synopsis, description = m.group(1).replace("\\|", "|"), m.group(2)
        names = [c for c in COMMANDS if (synopsis + " ").startswith(c + " ")]
        assert names, f"README row for an unknown command: {synopsis}"
        rows.setdefault(max(names, key=len), []).append((synopsis, description))
    return rows


def mentioned(name: str, text: str) -> bool:
    return re.search(rf"(?<![\w\-]){re.escape(name)}(?![\w\-])", text) is not None


def test_readme_reference_lists_every_command_option_and_argument():
    rows = readme_rows()
    assert set(rows) == set(COMMANDS), set(COMMANDS) ^ set(rows)
    for name, cmd in COMMANDS.items():
        synopses = " ".join(s for s, _ in rows[name])
        for names in options(cmd):
            assert any(mentioned(n, synopses) for n in names), (name, names)
        for metavar in metavars(cmd):
            assert metavar in synopses, (name, metavar)


def test_readme_reference_mentions_no_option_that_does_not_exist():
    for name, found in readme_rows().items():
        ok = known(COMMANDS[name]) | {"--db"}  # the run store row names other commands' --db
        for synopsis, description in found:
            for opt in OPTION.findall(synopsis + " " + description):
                assert opt in ok, (name, opt)


def test_design_contract_names_only_real_options():
    text = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    block = text.split("## CLI contract", 1)[1].split("```", 2)[1]
    for line in block.splitlines():
        m = re.match(r"realpolitik (\w+)(?: (\w+))?", line)
        if not m or "(planned" in line:
            continue
        group = [c for c in COMMANDS if c.split()[0] == m.group(1)]
        assert group, line
        ok = set().union(*(known(COMMANDS[c]) for c in group))
        for opt in OPTION.findall(line.split("#", 1)[0]):
            assert opt in ok, (line, opt)


@pytest.mark.parametrize("path", [*COMMANDS, "", "runs", "ledger"])
def test_short_help_everywhere(path: str):
    r = run_cli(*path.split(), "-h")
    assert r.code == 0, r.stderr
    assert "Usage:" in r.stdout and "--help" in r.stdout


def squeeze(text: str) -> str:
    return "".join(text.replace("\u2502", "").split())


def test_help_texts_are_whole_sentences(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("COLUMNS", "100")
    for name, cmd in COMMANDS.items():
        helps = [cmd.help or ""] + [p.help or "" for p in cmd.params if not p.hidden]  # type: ignore[attr-defined]
        shown = squeeze(run_cli(*name.split(), "-h").stdout)
        for h in helps:
            assert squeeze(h) in shown, (name, h)  # nothing eaten as markup
            assert h.strip(), (name, "a command or option without help")
            assert h.rstrip().endswith((".", ")")), (name, h)
            assert "\n" not in h.split("\n\n")[0], (name, h)


# --------------------------------------------------------------------------- renames


def warned(stderr: str, old: str, new: str) -> bool:
    return f"{old} is deprecated" in stderr and f"use {new}" in stderr


def test_old_and_new_spellings_give_the_same_forecast(mini: Path):
    new = run_cli("forecast", EC, "-m", "eum", "--rounds", "3", "--json")
    old = run_cli("forecast", EC, "--model", "eum", "--max-rounds", "3", "--json")
    assert new.code == old.code == 0, old.stderr
    assert json.loads(new.stdout) == json.loads(old.stdout)
    assert warned(old.stderr, "--max-rounds", "--rounds") and "deprecated" not in new.stderr
    assert len(json.loads(new.stdout)["issues"][0]["eum"]["median_by_round"]) == 4


def test_old_and_new_pair_spellings_in_align(tmp_path: Path):
    new = run_cli("align", ALIGN, "--pair", "RUS,JPN", "--json")
    old = run_cli("align", ALIGN, "--tipping", "RUS", "JPN", "--json")
    same = run_cli("align", "--tipping", "RUS,JPN", ALIGN, "--json")  # old name, new value
    assert new.code == old.code == same.code == 0, old.stderr
    assert json.loads(new.stdout) == json.loads(old.stdout) == json.loads(same.stdout)
    assert json.loads(new.stdout)["tipping"] is not None
    assert warned(old.stderr, "--tipping", "--pair")


def test_old_and_new_report_spellings_in_align(tmp_path: Path):
    for flag in ("--report", "--html"):
        out = tmp_path / f"{flag[2:]}.html"
        r = run_cli("align", ALIGN, flag, out)
        assert r.code == 0, r.stderr
        assert "<" in out.read_text()
    assert warned(r.stderr, "--html", "--report")


def test_old_and_new_year_spellings_in_balance():
    new = run_cli("balance", WWI, "--year", "1907", "--json")
    old = run_cli("balance", WWI, "--at=1907", "--json")
    assert new.code == old.code == 0, old.stderr
    assert json.loads(new.stdout) == json.loads(old.stdout)
    assert json.loads(new.stdout)["windows"][0]["frustration"] == 0
    assert warned(old.stderr, "--at", "--year")


def test_old_and_new_output_spellings_in_whatif(mini: Path, tmp_path: Path):
    for flag in ("-o", "--output", "--save"):
        out = tmp_path / f"changed{flag.strip('-')}.toml"
        r = run_cli("whatif", mini, "--set", "relations.A-B=0.2", flag, out)
        assert r.code == 0, r.stderr
        assert "0.2" in out.read_text()
    assert warned(r.stderr, "--save", "--output")


def test_old_and_new_output_spellings_in_demo(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for flag in ("-o", "--output", "--out"):
        r = run_cli("demo", flag, blocker / "out")
        assert_bad_input(r, str(blocker))
    assert warned(r.stderr, "--out", "--output")


def test_old_and_new_model_spellings_in_backtest():
    for flag in ("-m", "--model", "--models"):
        assert_bad_input(run_cli("backtest", DEV, flag, "oracle", "--no-report"), "oracle")
    r = run_cli("backtest", DEV, "--models", "oracle", "--no-report")
    assert warned(r.stderr, "--models", "--model")


def test_old_and_new_issue_spellings_in_ledger(mini: Path):
    for flag in ("--issue", "--question"):
        r = run_cli("ledger", "record", mini, flag, "sea", "--resolves-by", "2999-01-01")
        assert_bad_input(r, "unknown issue 'sea'", "--issue")
    assert warned(r.stderr, "--question", "--issue")


def test_old_and_new_limit_spellings_in_exchange():
    new = run_cli("exchange", COPENHAGEN, "--limit", "2")
    old = run_cli("exchange", COPENHAGEN, "--top", "2")
    assert new.code == old.code == 0, old.stderr
    assert new.stdout == old.stdout
    assert warned(old.stderr, "--top", "--limit")


def test_modernise_rewrites_only_old_spellings():
    renamed: dict[str, str | tuple[str, int]] = {"--old": "--new", "--two": ("--pair", 2)}
    assert modernise(["x", "--old", "1", "--two", "A", "B", "--two=C,D"], renamed) == [
        "x", "--new", "1", "--pair", "A,B", "--pair=C,D"]
    assert modernise(["--two", "A,B", "f"], renamed) == ["--pair", "A,B", "f"]
    assert modernise(["--", "--old"], renamed) == ["--", "--old"]
    assert modernise(["--older", "-o"], renamed) == ["--older", "-o"]


# --------------------------------------------------------------------------- conflicts


@pytest.mark.parametrize(
    ("args", "first", "second"),
    [
        (("backtest", DEV, "--report", "x.html", "--no-report"), "--report", "--no-report"),
        (("backtest", DEV, "--params", "p.json", "--fit", "f.json", "--no-report"),
         "--params", "--fit"),
        (("forecast", BUNDLED, "-m", "compromise", "--rounds", "5"), "--rounds", "--model"),
        (("forecast", BUNDLED, "-m", "nash,median", "--probability", "pairwise"),
         "--probability", "--model"),
        (("align", "--backtest", "1950:1960", "--seed", "3"), "--backtest", "--seed"),
        (("align", "--backtest", "1950:1960", "--pair", "USA,RUS"), "--backtest", "--pair"),
        (("align", "--backtest", "1950:1960", ALIGN), "--backtest", "SCENARIO"),
        (("align", "--year", "1914", "--actors", "GBR"), "--year", "--actors"),
        (("align", ALIGN, "--k", "3", "--pair", "RUS,JPN"), "--pair", "--k"),
        (("align", ALIGN, "--center", "3"), "--center", "--matrix"),
        (("simulate", BUNDLED, "--resume", "abc", "--draws", "10"), "--resume", "--draws"),
        (("simulate", BUNDLED, "--executor", "tcp://127.0.0.1:1", "--workers", "2"),
         "--executor", "--workers"),
    ],
)
def test_conflicting_options_are_refused_naming_both(args: tuple, first: str, second: str):
    assert_bad_input(run_cli(*args), first, second)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("forecast", BUNDLED, "--model", ""), "empty"),
        (("forecast", BUNDLED, "-m", ","), "empty"),
        (("backtest", DEV, "--model", "", "--no-report"), "empty"),
        (("exchange", COPENHAGEN, "--pair", "x,x"), "twice"),
        (("exchange", COPENHAGEN, "--pair", "x"), "A,B"),
        (("align", ALIGN, "--pair", "RUS,RUS"), "twice"),
        (("align", ALIGN, "--pair", "RUS,XYZ"), "XYZ"),
    ],
)
def test_values_that_contradict_themselves_are_refused(args: tuple, needle: str):
    assert_bad_input(run_cli(*args), needle)


# --------------------------------------------------------------------------- numbers


def test_backtest_params_must_be_a_small_regular_file(tmp_path: Path):
    assert_bad_input(run_cli("backtest", DEV, "--params", tmp_path, "--no-report"),
                     str(tmp_path), "directory")
    assert_bad_input(run_cli("backtest", DEV, "--params", "/dev/zero", "--no-report"),
                     "/dev/zero", "not a regular file")
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (2 << 20))
    assert_bad_input(run_cli("backtest", DEV, "--params", big, "--no-report"), "limit")


BAD_NUMBERS = [
    (("backtest", DEV, "--no-report", "--seed"), "--seed", ["-1", "4294967296", "x"]),
    (("backtest", DEV, "--no-report", "--bootstrap"), "--bootstrap", ["-5", "99"]),
    (("exchange", COPENHAGEN, "--seed"), "--seed", ["-1"]),
    (("exchange", COPENHAGEN, "--repetitions"), "--repetitions", ["0", "-3", "10001"]),
    (("exchange", COPENHAGEN, "--workers"), "--workers", ["0", "-1", "257"]),
    (("exchange", COPENHAGEN, "--rounds"), "--rounds", ["-1", "1001"]),
    (("exchange", COPENHAGEN, "--limit"), "--limit", ["0"]),
    (("forecast", EC, "--rounds"), "--rounds", ["0", "-2", "1001", "nan"]),
    (("align", ALIGN, "--seed"), "--seed", ["-1"]),
    (("align", ALIGN, "--k"), "--k", ["1", "-2", "11"]),
    (("align", "--sizes", "s.csv", "--matrix", "m.csv", "--center"), "--center",
     ["nan", "inf", "-inf", "1e308"]),
    (("align", "--backtest", "1950:1960", "--horizon"), "--horizon", ["0", "-1"]),
    (("balance", WWI, "--time-limit"), "--time-limit", ["0", "-1", "nan", "inf"]),
    (("simulate", BUNDLED, "--seed"), "--seed", ["-1"]),
    (("simulate", BUNDLED, "--draws"), "--draws", ["0", "-5"]),
    (("simulate", BUNDLED, "--workers"), "--workers", ["0"]),
    (("validate", BUNDLED, "--stale-days"), "--stale-days", ["-1"]),
    (("ledger", "record", BUNDLED, "--issue", "kurils", "--resolves-by", "2999-01-01",
      "--draws"), "--draws", ["0", "10001"]),
    (("ledger", "record", BUNDLED, "--issue", "kurils", "--resolves-by", "2999-01-01",
      "--seed"), "--seed", ["-1"]),
    (("ledger", "resolve", "abc", "--outcome"), "--outcome", ["nan", "inf"]),
    (("runs", "list", "--limit"), "--limit", ["0"]),
]


@pytest.mark.parametrize(
    ("args", "option", "value"),
    [(a, o, v) for a, o, values in BAD_NUMBERS for v in values],
)
def test_bad_numbers_are_exit_2_naming_the_option(args: tuple, option: str, value: str):
    assert_bad_input(run_cli(*args, value), option)


@pytest.mark.parametrize(("option", "value"), [("--probability", "gauss"),
                                               ("--to", "json")])
def test_choices_are_enums(option: str, value: str):
    cmd = "forecast" if option == "--probability" else "convert"
    r = run_cli(cmd, BUNDLED, option, value)
    assert_bad_input(r, option)
    assert "scholz" in r.stderr or "toml" in r.stderr


@pytest.mark.parametrize("cmd", [("levers", BUNDLED, "--issue", "kurils", "--target", "40:60"),
                                 ("simulate", BUNDLED)])
def test_one_model_is_a_choice(cmd: tuple):
    r = run_cli(*cmd, "-m", "oracle")
    assert_bad_input(r, "--model", "oracle")
    assert "compromise" in r.stderr  # the choices are listed


def test_capability_choice_ignores_case():
    assert_bad_input(run_cli("backtest", DEV, "--capability", "wealth", "--no-report"),
                     "--capability")
    r = run_cli("backtest", DEV, "--capability", "VOTES", "--model", "oracle", "--no-report")
    assert_bad_input(r, "oracle")  # VOTES is accepted; the bad model is what fails


# --------------------------------------------------------------------------- progress


def progress_run(*args: str) -> subprocess.CompletedProcess[str]:
    """A real process whose stderr counts as a terminal (rich honours FORCE_COLOR)."""
    exe = Path(sys.executable).with_name("realpolitik")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "realpolitik"]
    env = {**os.environ, "FORCE_COLOR": "1", "COLUMNS": "100"}
    return subprocess.run(cmd + [str(a) for a in args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=300)


@pytest.mark.parametrize(
    ("args", "label"),
    [
        (("exchange", COPENHAGEN, "-r", "12"), "exchange: runs"),
        (("forecast", EC, "-m", "eum", "--rounds", "200"), "forecast: issues"),
        (("balance", WWI), "balance: windows"),
        (("levers", BUNDLED, "--issue", "kurils", "--target", "45:55"), "levers: kurils"),
    ],
)
def test_progress_goes_to_stderr_and_json_stays_clean(args: tuple, label: str):
    p = progress_run(*args, "--json")
    assert p.returncode == 0, p.stderr
    json.loads(p.stdout)  # nothing but JSON on stdout
    assert label in p.stderr
    assert "\x1b" not in p.stdout
