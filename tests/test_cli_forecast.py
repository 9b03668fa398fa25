"""End-to-end runs of `realpolitik forecast`, `convert` and `demo` on every shipped input."""

from __future__ import annotations

import json
import re
from html import escape
from pathlib import Path

import numpy as np
import pytest
from conftest import REF, ROOT, SCENARIO, assert_bad_input, run_cli, run_process

from realpolitik.scenario.loader import load_scenario

SHIPPED = sorted(
    [*REF.glob("bdm/*.csv"), *REF.glob("ktab/*.csv"), *REF.glob("ktab/*.xml"),
     *REF.glob("decide/*"), *REF.glob("deu3/*.tsv")],
    key=lambda p: p.name,
)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_forecast_every_shipped_input(path: Path):
    args = ["forecast", path, "--json"]
    if path.suffix == ".tsv":
        args += ["--model", "compromise,median,nash"]  # 200+ issues: EUM is covered elsewhere
    r = run_cli(*args)
    assert r.code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["issues"]
    for issue in data["issues"]:
        lo, hi = issue["scale"]["min"], issue["scale"]["max"]
        for model, x in issue["forecasts"].items():
            assert x is None or lo - 1e-9 <= x <= hi + 1e-9, (model, x)


def test_bundled_scenario_forecast_json_contract():
    r = run_cli("forecast", SCENARIO, "--json")
    assert r.code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["scenario"] == "northeast-asia-2018"
    assert len(data["issues"]) >= 6
    for issue in data["issues"]:
        assert set(issue["forecasts"]) == {"compromise", "median", "nash", "eum"}
        assert {"min", "max", "points"} <= set(issue["scale"])
        eum = issue["eum"]
        n_actors = len(issue["actors"])
        assert len(eum["median_by_round"]) == eum["rounds"] + 1
        assert all(len(row) == n_actors for row in eum["positions_by_round"])
        assert set(eum["relationships"]) == set(issue["actors"])
    kurils = next(i for i in data["issues"] if i["id"] == "kurils")
    assert kurils["twolevel"]["winsets"]["RUS-public"] == [0, 10]
    # evidence strength per issue and per stance, in [0, 1], one per stance
    for issue in data["issues"]:
        ev = issue["evidence"]
        assert 0 <= ev["strength"] <= 1
        assert set(ev["stances"]) == set(issue["actors"])


def test_model_and_issue_options():
    r = run_cli("forecast", SCENARIO, "--json", "--model", "median", "--issue", "kurils")
    data = json.loads(r.stdout)
    assert [i["id"] for i in data["issues"]] == ["kurils"]
    assert list(data["issues"][0]["forecasts"]) == ["median"]
    assert "eum" not in data["issues"][0]
    assert_bad_input(run_cli("forecast", SCENARIO, "--issue", "atlantis"), "atlantis")
    assert_bad_input(run_cli("forecast", SCENARIO, "--model", "oracle"), "--model", "oracle")


def truncate1(x: float) -> float:
    return int(x * 10) / 10


def test_scholz_reference_case_via_cli():
    """Scholz, Calbert & Smith (2011): the median by round is 8.4, 9.9, 9.9, 9.9, 9.9, 7.4, 8.8,
    9.6 (truncated). At least 7 of the 8 rounds must match within 0.1."""
    r = run_cli("forecast", REF / "bdm" / "ec_emissions_1994.csv", "--model", "eum",
                "--rounds", "8", "--json")
    med = json.loads(r.stdout)["issues"][0]["eum"]["median_by_round"]
    assert len(med) == 9
    scholz = [8.4, 9.9, 9.9, 9.9, 9.9, 7.4, 8.8, 9.6]
    ours = [truncate1(x) for x in med[1:]]
    assert sum(abs(a - b) <= 0.1 + 1e-9 for a, b in zip(ours, scholz, strict=True)) >= 7, ours


def test_three_thousand_actors(tmp_path: Path):
    rng = np.random.default_rng(7)
    p = tmp_path / "big.csv"
    rows = ["Actor,Capability,Position,Salience"] + [
        f"a{k},{c:.4f},{x:.3f},{s:.1f}"
        for k, (c, x, s) in enumerate(zip(rng.uniform(0.1, 1, 3000), rng.uniform(0, 100, 3000),
                                          rng.uniform(10, 100, 3000), strict=True))
    ]
    p.write_text("\n".join(rows) + "\n")
    r = run_cli("forecast", p, "--model", "eum", "--rounds", "3", "--json")
    assert r.code == 0, r.stderr
    med = json.loads(r.stdout)["issues"][0]["eum"]["median_by_round"]
    assert len(med) == 4 and all(0 <= x <= 100 for x in med)


def test_demo_end_to_end(tmp_path: Path):
    """The main job as a real process: the table, the summary, a self-contained report."""
    r = run_process("demo", "--output", tmp_path / "out", cwd=ROOT)
    assert r.code == 0, r.stderr
    assert "Kurils" in r.stdout
    report = tmp_path / "out" / "northeast-asia-2018" / "report.html"
    html = report.read_text()
    assert "Plotly" in html and len(html) > 1_000_000  # plotly.js embedded
    assert not re.search(r"<script[^>]+src=[\"']https?://", html)  # no network needed
    # the evidence column quotes every cited stance (plotly.js alone contains "quote")
    scenario = load_scenario(SCENARIO)
    quotes = [c.quote for st in scenario.stances for c in st.cite + st.position.cite
              + st.salience.cite]
    assert quotes
    for q in quotes:
        assert f'<span class="quote">&ldquo;{escape(q)}&rdquo;</span>' in html, q


def test_convert_to_stdout_and_bad_target():
    r = run_cli("convert", REF / "bdm" / "honduras_crisis.csv", "--to", "toml")
    assert r.code == 0 and "[[actors]]" in r.stdout
    assert_bad_input(run_cli("convert", REF / "bdm" / "honduras_crisis.csv", "--to", "yaml"),
                     "--to")
