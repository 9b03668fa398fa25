"""The run store on SQLite and on a real PostgreSQL server, and `realpolitik runs` end to end."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SCENARIO, assert_bad_input, run_cli
from pg import postgres_server

from realpolitik.errors import InputError
from realpolitik.store import RunStore, file_sha256


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    with postgres_server() as (url, reason):
        if url is None:
            pytest.skip(f"no PostgreSQL server could be started here: {reason}")
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> RunStore:
    if request.param == "sqlite":
        return RunStore(f"sqlite:///{tmp_path / 'sub' / 'runs.sqlite'}")
    url = request.getfixturevalue("pg_url")
    s = RunStore(url)
    with s.engine.begin() as conn:  # one database for the module: start each test empty
        conn.exec_driver_sql("DELETE FROM draws")
        conn.exec_driver_sql("DELETE FROM runs")
    return s


def test_a_run_is_recorded_with_its_inputs_and_results(store: RunStore):
    with store.recording("forecast", SCENARIO, {"model": "all"}, seed=7) as rec:
        rec.results = {"kurils": 44.0, "bad": float("nan"), "xs": (1, 2)}
    [run] = store.runs()
    assert run.id == rec.run_id and run.command == "forecast" and run.status == "succeeded"
    assert run.scenario_sha256 == file_sha256(SCENARIO) and len(run.scenario_sha256 or "") == 64
    assert run.parameters == {"model": "all"} and run.seed == 7
    assert run.results == {"kurils": 44.0, "bad": None, "xs": [1, 2]}  # no NaN in JSON
    assert run.versions["realpolitik"] and run.seconds is not None and run.seconds >= 0
    assert store.get(run.id[:6]).id == run.id  # a unique prefix finds it


def test_failures_and_interruptions_are_recorded_and_reraised(store: RunStore):
    with pytest.raises(ValueError, match="boom"), store.recording("backtest") as failed:
        raise ValueError("boom")
    with pytest.raises(KeyboardInterrupt), store.recording("simulate", seed=3) as aborted:
        store.add_draws(aborted.run_id, {0: {"x": 1.5}, 1: {"x": 2.5}})
        raise KeyboardInterrupt
    assert store.get(failed.run_id).status == "failed"
    assert store.get(failed.run_id).error == "ValueError: boom"
    run = store.get(aborted.run_id)
    assert run.status == "aborted" and run.error and "interrupted" in run.error
    assert store.draws(aborted.run_id) == {0: {"x": 1.5}, 1: {"x": 2.5}}  # finished draws kept
    again = store.reopen(aborted.run_id)
    assert again.status == "running"
    with store.recording("simulate", run_id=aborted.run_id) as rec:
        store.add_draws(rec.run_id, {2: {"x": 3.5}})
        rec.results = {"draws": 3}
    assert store.get(aborted.run_id).status == "succeeded"
    assert sorted(store.draws(aborted.run_id)) == [0, 1, 2]
    with pytest.raises(InputError, match="already succeeded"):
        store.reopen(aborted.run_id)


def test_listing_is_newest_first_and_filters_by_command(store: RunStore):
    ids = [store.start(c) for c in ("forecast", "backtest", "forecast")]
    assert [r.id for r in store.runs()] == ids[::-1]  # microsecond start times: newest first
    assert {r.id for r in store.runs(command="forecast")} == {ids[0], ids[2]}
    assert len(store.runs(limit=2)) == 2
    with pytest.raises(InputError, match="no such run"):
        store.get("does-not-exist")


def test_bad_database_urls_are_bad_input(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for url in ("nonsense://", "not a url", f"sqlite:///{blocker}/runs.sqlite",
                "postgresql+psycopg://u:secret@127.0.0.1:1/x"):
        with pytest.raises(InputError) as err:
            RunStore(url)
        assert err.value.problems[0].field == "--db"
        assert "secret" not in str(err.value)  # a password never reaches a message


# --------------------------------------------------------------------------- the CLI


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'runs.sqlite'}"
    s = RunStore(url)
    with s.recording("forecast", SCENARIO, {"model": "eum"}, seed=1) as rec:
        rec.results = {"issues": [{"id": "a", "value": 1.0}]}
    with pytest.raises(RuntimeError), s.recording("backtest"):
        raise RuntimeError("disk on fire")
    return url


def test_cli_runs_list_and_show(db: str):
    listed = run_cli("runs", "list", "--db", db, "--json")
    assert listed.code == 0, listed.stderr
    runs = json.loads(listed.stdout)["runs"]
    assert [r["command"] for r in runs] == ["backtest", "forecast"]
    by_cmd = {r["command"]: r for r in runs}
    assert by_cmd["backtest"]["status"] == "failed"
    assert by_cmd["forecast"]["status"] == "succeeded" and "results" not in by_cmd["forecast"]
    shown = run_cli("runs", "show", by_cmd["forecast"]["id"], "--db", db, "--json")
    assert json.loads(shown.stdout)["results"] == {"issues": [{"id": "a", "value": 1.0}]}
    table = run_cli("runs", "list", "--db", db)
    assert table.code == 0 and "forecast" in table.stdout
    assert_bad_input(run_cli("runs", "show", "nope", "--db", db), "no such run")


def test_cli_runs_export_csv_json_parquet(db: str, tmp_path: Path):
    text = run_cli("runs", "export", "--format", "csv", "--db", db)
    rows = list(csv.DictReader(io.StringIO(text.stdout)))
    assert {r["command"] for r in rows} == {"forecast", "backtest"}
    assert json.loads(next(r for r in rows if r["command"] == "forecast")["parameters"]) == {
        "model": "eum"
    }
    js = run_cli("runs", "export", "--format", "json", "--db", db)
    assert {r["status"] for r in json.loads(js.stdout)} == {"succeeded", "failed"}
    out = tmp_path / "runs.parquet"
    done = run_cli("runs", "export", "--format", "parquet", "-o", out, "--db", db, "--json")
    assert done.code == 0 and json.loads(done.stdout)["runs"] == 2
    import pyarrow.parquet as pq

    table = pq.read_table(out)
    assert table.num_rows == 2 and "scenario_sha256" in table.column_names
    assert_bad_input(run_cli("runs", "export", "--format", "parquet", "--db", db), "-o FILE")
    assert_bad_input(run_cli("runs", "export", "--format", "xml", "--db", db), "xml")


def test_cli_bad_db_is_exit_2(tmp_path: Path):
    assert_bad_input(run_cli("runs", "list", "--db", "nonsense://"), "--db")


def test_forecast_and_backtest_runs_are_recorded(tmp_path: Path):
    """Every forecast and backtest run lands in the store with its results (issue 12)."""
    from conftest import REF

    url = f"sqlite:///{tmp_path / 'runs.sqlite'}"
    fc = run_cli("forecast", SCENARIO, "--model", "compromise", "--json", "--db", url)
    assert fc.code == 0, fc.stderr
    bt = run_cli("backtest", REF / "deu3" / "deu3_dev.tsv", "--model", "compromise",
                 "--no-report", "--bootstrap", "100", "--json", "--db", url)
    assert bt.code == 0, bt.stderr
    runs = {r.command: r for r in RunStore(url).runs()}
    assert set(runs) == {"forecast", "backtest"}
    assert runs["forecast"].status == runs["backtest"].status == "succeeded"
    assert runs["forecast"].results == json.loads(fc.stdout)
    assert runs["backtest"].results["models"]["compromise"]["mae"] == pytest.approx(
        json.loads(bt.stdout)["models"]["compromise"]["mae"])
    assert runs["forecast"].scenario_sha256 == file_sha256(SCENARIO)
