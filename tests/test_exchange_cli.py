"""``realpolitik exchange`` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT, assert_bad_input, run_cli, run_process

COPENHAGEN = ROOT / "data" / "reference" / "decide" / "copenhagen.csv"
CASE = Path(__file__).parent / "data" / "exchange_linkage.toml"


def test_must_show_copenhagen_json_as_a_process() -> None:
    """``realpolitik exchange .../copenhagen.csv --json`` runs and prints only JSON."""
    run = run_process("exchange", str(COPENHAGEN), "--json")
    assert run.code == 0, run.stderr
    js = json.loads(run.stdout)
    assert set(js) == {"issues", "exchanges"}
    assert list(js["issues"]) == [
        "Newtreaty", "DevlopC2020", "Domestred", "MRVdecrease", "Commitments", "Control", "Extra"
    ]  # fmt: skip
    assert "sd" not in js["issues"]["Extra"]
    assert js["exchanges"] and js["exchanges"][0]["round"] == 1
    first = js["exchanges"][0]
    a, b = first["actors"]
    # decide's first exchange of round 1: USA gives ground on Extra (10 -> 90), China & India
    # on Commitments (85 -> 21.89), each gaining 3.2788 (see tests/test_exchange.py)
    assert (a, b) == ("USA", "China_India") and first["issues"] == ["Extra", "Commitments"]
    assert first["moves"][a] == pytest.approx(80.0)
    assert first["moves"][b] == pytest.approx(21.893662728249193 - 85.0)
    assert first["gains"][a] == pytest.approx(3.278817733990148)


def test_repetitions_seed_and_determinism() -> None:
    args = ("exchange", str(COPENHAGEN), "--json", "--repetitions", "3", "--seed", "7")
    one = run_cli(*args)
    two = run_cli(*args)
    assert one.code == 0 and one.stdout == two.stdout
    js = json.loads(one.stdout)
    assert all("sd" in e for e in js["issues"].values())
    assert {e["repetition"] for e in js["exchanges"]} == {0, 1, 2}
    other = run_cli("exchange", str(COPENHAGEN), "--json", "--repetitions", "3", "--seed", "8")
    assert other.stdout != one.stdout  # ties are broken at random
    pooled = run_cli(*args, "--workers", "2")
    assert pooled.stdout == one.stdout


def test_rounds_option() -> None:
    js = json.loads(run_cli("exchange", str(CASE), "--json", "--rounds", "0").stdout)
    assert js["exchanges"] == []
    for entry in js["issues"].values():
        assert entry["compromise_after"] == entry["compromise_before"]
    js2 = json.loads(run_cli("exchange", str(CASE), "--json", "--rounds", "2").stdout)
    assert {e["round"] for e in js2["exchanges"]} <= {1, 2}


def test_human_output() -> None:
    run = run_cli("exchange", str(CASE), "--focus", "islands", "-r", "2", "--pair", "RUS,JPN")
    assert run.code == 0
    assert "Islands for investment" in run.stdout
    assert "Linkage on islands" in run.stdout
    assert "RUS-JPN trades" in run.stdout
    assert "mean of 2 runs" in run.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--focus", "nowhere"), "unknown issue 'nowhere'"),
        (("--pair", "RUS"), "--pair"),
        (("--pair", "RUS,XYZ"), "unknown actor 'XYZ'"),
        (("--pair", "RUS"), "two actor ids"),
        (("--rounds", "-1"), "--rounds"),
        (("--repetitions", "0"), "--repetitions"),
    ],
)
def test_bad_options_exit_2(args, needle) -> None:
    run = run_cli("exchange", str(CASE), *args)
    assert run.code == 2, (run.code, run.stdout, run.stderr)
    assert needle in run.stderr


def test_bad_inputs_exit_2(tmp_path: Path) -> None:
    assert_bad_input(run_cli("exchange", str(tmp_path / "missing.csv")), "no such")
    bad = tmp_path / "bad.toml"
    bad.write_text("[scenario]\nid = 'x'\n", encoding="utf-8")
    assert_bad_input(run_cli("exchange", str(bad), "--json"), "actors")
