"""`realpolitik ledger`: sealed forecasts, resolutions, proper scores, and a chain that shows
any tampering."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import assert_bad_input, edit, run_cli

from realpolitik.analysis.scoring import band_brier as brier
from realpolitik.analysis.scoring import band_of
from realpolitik.analysis.scoring import sample_crps as crps
from realpolitik.analysis.scoring import sample_pit as pit
from realpolitik.ledger import Entry, Ledger

FUTURE = "2099-01-01"


def _record(mini: Path, *extra: str) -> dict:
    run = run_cli("ledger", "record", mini, "--issue", "river", "--resolves-by", FUTURE,
                  "--draws", "40", "--json", *extra)
    assert run.code == 0, run.stderr
    return json.loads(run.stdout)


def test_scores_against_their_definitions():
    rng = np.random.default_rng(1)
    xs = rng.uniform(0, 100, 200)
    y = 37.0
    energy = np.mean(np.abs(xs - y)) - 0.5 * np.mean(np.abs(xs[:, None] - xs[None, :]))
    assert crps(y, xs) == pytest.approx(energy, rel=1e-9)
    assert crps(y, [50.0]) == pytest.approx(13.0)  # a point forecast: |x - y|
    assert 0.25 <= pit(50, [40, 50, 60, 70]) <= 0.5  # randomised within the tied sample's mass
    assert pit(55, [40, 50, 60, 70]) == pytest.approx(0.5)
    spec = [("a", 0, 25), ("b", 25, 75), ("c", 75, 100)]
    assert [band_of(v, spec) for v in (0, 25, 74.9, 75, 100)] == ["a", "b", "b", "c", "c"]
    assert brier({"a": 0.2, "b": 0.5, "c": 0.3}, "b") == pytest.approx(0.04 + 0.25 + 0.09)


def test_record_resolve_score_verify(mini: Path):
    sealed = _record(mini)
    fc = sealed["forecast"]
    assert sealed["kind"] == "forecast" and len(sealed["hash"]) == 64
    assert sealed["scenario_sha256"] and sealed["versions"]["realpolitik"]
    assert len(fc["samples"]) == 40 and fc["interval80"][0] <= fc["interval80"][1]
    assert fc["status_quo"] == 0  # mini's river: no reference, no status-quo label -> scale min
    assert sum(fc["bands"].values()) == pytest.approx(1)
    done = run_cli("ledger", "resolve", sealed["id"], "--outcome", "50", "--json")
    assert done.code == 0, done.stderr
    scored = json.loads(run_cli("ledger", "score", "--json").stdout)
    assert scored["resolved"] == 1
    row = scored["forecasts"][0]
    assert row["crps"] == pytest.approx(crps(50, fc["samples"]))
    assert row["status_quo"]["crps"] == pytest.approx(50)
    assert row["brier"] == pytest.approx(brier(fc["bands"], "split"))
    assert row["status_quo"]["brier"] == pytest.approx(2.0)  # all mass on the wrong band
    lo, hi = fc["interval80"]
    assert scored["summary"]["coverage80"] == float(lo <= 50 <= hi)
    ok = json.loads(run_cli("ledger", "verify", "--json").stdout)
    assert ok == {"entries": 2, "valid": True, "reproduced": 1, "not_rerun": 0, "problems": []}
    # the scenario changes: the seal still holds, the forecast is no longer re-run
    edit(mini, 'title = "A small test scenario"', 'title = "Edited"')
    later = json.loads(run_cli("ledger", "verify", "--json").stdout)
    assert later["valid"] and later["not_rerun"] == 1


def test_tampering_breaks_the_chain(mini: Path, _run_store: str):
    first = _record(mini)
    _record(mini, "--seed", "3")
    ledger = Ledger(_run_store)
    with ledger.engine.begin() as conn:  # someone edits the first forecast after the fact
        payload = dict(first)
        for key in ("id", "kind", "seq", "hash", "prev_hash"):
            payload.pop(key)
        payload["forecast"] = {**payload["forecast"], "value": 99.0}
        conn.execute(Entry.__table__.update().where(Entry.id == first["id"])
                     .values(payload=payload))
    run = run_cli("ledger", "verify", "--json")
    assert run.code == 2
    problems = json.loads(run.stdout)["problems"]
    assert any(first["id"] in p and "seal" in p for p in problems)


@pytest.mark.parametrize(
    ("args", "needle"),
    [(("--issue", "sea", "--resolves-by", FUTURE), "unknown issue 'sea'"),
     (("--issue", "river", "--resolves-by", "2001-01-01"), "not after today"),
     (("--issue", "river", "--resolves-by", "soon"), "not a date"),
     (("--issue", "river", "--resolves-by", FUTURE, "--model", "oracle"), "oracle")],
)
def test_record_bad_input(mini: Path, args: tuple[str, ...], needle: str):
    assert_bad_input(run_cli("ledger", "record", mini, *args), needle)


def test_resolve_bad_input(mini: Path):
    sealed = _record(mini)
    assert_bad_input(run_cli("ledger", "resolve", "nope", "--outcome", "1"), "no forecast")
    assert_bad_input(run_cli("ledger", "resolve", sealed["id"], "--outcome", "300"),
                     "outside the issue's scale")
    assert_bad_input(run_cli("ledger", "resolve", sealed["id"], "--outcome", "10", "--on",
                             "2001-01-01"), "before the forecast was sealed")
    assert run_cli("ledger", "resolve", sealed["id"], "--outcome", "10").code == 0
    assert_bad_input(run_cli("ledger", "resolve", sealed["id"], "--outcome", "10"),
                     "already resolved")


def test_empty_ledger_scores_nothing():
    run = run_cli("ledger", "score", "--json")
    assert run.code == 0 and json.loads(run.stdout)["resolved"] == 0
    assert "No resolved forecasts" in run_cli("ledger", "score").stdout
