"""`realpolitik levers`: the smallest changes that move a forecast into a band, checked against
the compromise model's closed form."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import assert_bad_input, edit, run_cli

from realpolitik.analysis.levers import levers
from realpolitik.scenario.loader import load_scenario

W = {"A": 0.5 * 0.9, "B": 0.3 * 0.7, "G": 0.2 * 0.2}
X = {"A": 10.0, "B": 100.0, "G": 50.0}


def _compromise(x: dict[str, float], w: dict[str, float]) -> float:
    return sum(w[a] * x[a] for a in x) / sum(w.values())


def test_position_levers_match_the_closed_form(mini: Path):
    """For the weighted mean y = sum w x / W, moving x_j alone reaches t at
    x_j + (t - y) W / w_j: the search must find exactly that (to bisection precision)."""
    sc = load_scenario(mini)
    y0 = _compromise(X, W)
    target = (y0 + 5, y0 + 15)
    res = levers(sc, "river", "compromise", target)
    assert res["forecast"] == pytest.approx(y0) and not res["already"]
    got = {r["inputs"][0]["path"]: r for r in res["singles"]}
    total = sum(W.values())
    for a in ("A", "G"):
        want = X[a] + (target[0] - y0) * total / W[a]
        lever = got.get(f"stances.{a}.river.position")
        if not 0 <= want <= 100:
            assert lever is None  # the scale does not allow it
            continue
        assert lever is not None
        assert lever["inputs"][0]["to"] == pytest.approx(want, abs=1e-6)
        assert lever["size"] == pytest.approx(abs(want - X[a]) / 100, abs=1e-8)
        assert lever["forecast"] == pytest.approx(target[0], abs=1e-6)
    sizes = [r["size"] for r in res["singles"]]
    assert sizes == sorted(sizes)
    a = got["stances.A.river.position"]
    assert a["within_range"] is (a["inputs"][0]["to"] <= 20)  # A's cited range is 0..20


def test_already_inside_needs_no_change(mini: Path):
    sc = load_scenario(mini)
    y0 = _compromise(X, W)
    res = levers(sc, "river", "compromise", (y0 - 1, y0 + 1))
    assert res["already"] and res["singles"] == [] and res["pairs"] == []


def test_unreachable_band_gives_no_single_lever(mini: Path):
    """Nobody but B can pull the compromise to 99..100 alone, and not even B (others keep
    weight): no single change reaches it."""
    res = levers(load_scenario(mini), "river", "compromise", (99.5, 100))
    assert all(r["forecast"] >= 99.5 for r in res["singles"])
    assert not any(r["inputs"][0]["path"].endswith("A.river.position") for r in res["singles"])


def test_cli_levers_json_and_store(mini: Path, _run_store: str):
    run = run_cli("levers", mini, "--issue", "river", "--target", "50:60", "--json")
    assert run.code == 0, run.stderr
    data = json.loads(run.stdout)
    assert set(data) >= {"run_id", "issue", "model", "target", "forecast", "singles", "pairs"}
    assert data["singles"] and all(50 <= r["forecast"] <= 60 for r in data["singles"])
    listed = json.loads(run_cli("runs", "list", "--json").stdout)["runs"]
    assert any(r["id"] == data["run_id"] and r["command"] == "levers" for r in listed)
    table = run_cli("levers", mini, "--issue", "river", "--target", "50:60")
    assert table.code == 0 and "single changes" in table.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [(("--issue", "sea", "--target", "1:2"), "unknown issue 'sea'"),
     (("--issue", "river", "--target", "60"), "LOW:HIGH"),
     (("--issue", "river", "--target", "70:60"), "LOW <= HIGH"),
     (("--issue", "river", "--target", "200:300"), "outside the issue's scale"),
     (("--issue", "river", "--target", "1:nan"), "finite"),
     (("--issue", "river", "--target", "1:2", "--model", "oracle"), "oracle")],
)
def test_cli_levers_bad_input(mini: Path, args: tuple[str, ...], needle: str):
    assert_bad_input(run_cli("levers", mini, *args), needle)


def test_levers_on_a_capability_ranged_scenario(mini: Path):
    edit(mini, 'capability = { value = 0.3, source = "cinc" }',
         'capability = { value = 0.3, low = 0.2, high = 0.4, source = "cinc" }')
    res = levers(load_scenario(mini), "river", "compromise", (60, 70))
    caps = [r for r in res["singles"] if r["inputs"][0]["path"] == "actors.B.capability"]
    assert caps and caps[0]["inputs"][0]["to"] > 0.3  # more weight for B pulls towards 100


def test_a_lone_actor_at_zero_capability_is_no_forecast_not_an_error():
    """With one actor on an issue, a trial capability of 0 leaves nobody weighing it: that trial
    has no forecast, and the search goes on (it said 'nobody weighs issue' of the scenario)."""
    from realpolitik.scenario.schema import Scenario

    sc = load_scenario(Path(__file__).resolve().parents[1] / "scenarios" /
                       "northeast-asia-2018.toml")
    keep = {"RUS"}
    lone = Scenario.model_validate({
        **sc.model_dump(exclude={"relations", "questions", "links", "shocks"}),
        "actors": [a.model_dump() for a in sc.actors if a.id in keep],
        "stances": [s.model_dump() for s in sc.stances if s.actor in keep],
        "issues": [i.model_dump() for i in sc.issues
                   if any(s.actor in keep and s.issue == i.id for s in sc.stances)],
    })
    res = levers(lone, "kurils", "compromise", (45.0, 55.0))
    assert res["forecast"] == 0.0
    best = res["singles"][0]
    assert best["inputs"][0]["path"] == "stances.RUS.kurils.position"
    assert best["forecast"] == pytest.approx(45.0, abs=1e-6)
