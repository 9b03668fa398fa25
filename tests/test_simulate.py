"""`realpolitik simulate`: the design, the summaries, sensitivity against known answers, identical
results with 1 or 2 workers and on a real Dask cluster, and Ctrl-C then --resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from conftest import SCENARIO, assert_bad_input, edit, run_cli, run_process
from pg import free_port
from scipy import stats

from realpolitik.analysis.simulate import (
    Simulation,
    band_probabilities,
    bands,
    design,
    drop_one,
    run_draws,
    sobol,
    triangular_ppf,
)
from realpolitik.errors import InputError
from realpolitik.scenario.inputs import inputs, lookup, with_values
from realpolitik.scenario.loader import load_scenario
from realpolitik.store import RunStore

EXE = Path(sys.executable).with_name("realpolitik")


def _same(a: dict, b: dict) -> bool:
    a, b = dict(a), dict(b)
    for d in (a, b):
        d.pop("run_id", None)
        d.pop("timing", None)
    return a == b


# --------------------------------------------------------------------------- design


def test_triangular_ppf_matches_scipy():
    u = np.linspace(0.001, 0.999, 101)
    for low, mode, high in ((0, 10, 20), (0, 0, 5), (-1, 0.9, 1), (3, 7, 7)):
        ref = stats.triang.ppf(u, (mode - low) / (high - low), loc=low, scale=high - low)
        mine = triangular_ppf(u, np.full_like(u, low), np.full_like(u, mode), np.full_like(u, high))
        np.testing.assert_allclose(mine, ref, atol=1e-9)


def test_design_is_a_latin_hypercube_on_the_cited_ranges(mini: Path):
    sc = load_scenario(mini)
    plan = design(sc, 50, seed=3)
    ranged = [i for i in inputs(sc) if i.ranged]
    assert [i.path for i in plan.inputs] == [i.path for i in ranged]
    assert plan.values.shape == (50, len(ranged)) and len(set(plan.seeds)) == 50
    for j, inp in enumerate(plan.inputs):
        x = plan.values[:, j]
        assert inp.low <= x.min() and x.max() <= inp.high
        c = (inp.value - inp.low) / (inp.high - inp.low)
        u = stats.triang.cdf(x, c, loc=inp.low, scale=inp.high - inp.low)
        # one draw in each of the 50 equal-probability strata: the Latin-hypercube property
        assert sorted(np.floor(u * 50).astype(int).clip(0, 49)) == list(range(50))
    again = design(sc, 50, seed=3)
    assert np.array_equal(again.values, plan.values) and again.seeds == plan.seeds
    assert not np.array_equal(design(sc, 50, seed=4).values, plan.values)


def test_bands_split_the_scale_at_midpoints(mini: Path):
    issue = load_scenario(mini).issue("river")
    assert bands(issue) == [("all to Alpha", 0, 25), ("split", 25, 75), ("all to Beta", 75, 100)]
    p = band_probabilities(issue, np.array([0.0, 24.9, 25.0, 74.9, 75.0, 100.0]))
    assert p == {"all to Alpha": 2 / 6, "split": 2 / 6, "all to Beta": 2 / 6}


# --------------------------------------------------------------------------- inputs by path


def test_input_paths_read_and_set(mini: Path):
    sc = load_scenario(mini)
    found = lookup(sc, ["relations.B-A", "stances.A.river.position"])
    assert found["relations.B-A"].path == "relations.A-B"  # either order for an undirected pair
    moved = with_values(sc, {"relations.B-A": 0.5, "stances.A.river.position": 35.0})
    rel = next(r for r in moved.relations if r.pair == ("A", "B"))
    assert rel.value.value == 0.5 and rel.value.high == 0.5  # a shock widens the cited range
    st = next(s for s in moved.stances if s.actor == "A")
    assert st.position.value == 35 and st.position.high == 35
    assert next(s for s in sc.stances if s.actor == "A").position.value == 10  # input untouched
    with pytest.raises(InputError, match="unknown input path 'stances.Z.river.position'"):
        with_values(sc, {"stances.Z.river.position": 1.0})
    with pytest.raises(InputError, match=r"outside \[0, 1\]"):
        with_values(sc, {"stances.A.river.salience": 1.5})


# --------------------------------------------------------------------------- sensitivity


def test_sobol_gives_all_variance_to_the_only_ranged_input(mini: Path):
    """Compromise is linear in A's position when only that position is ranged: S1 = ST = 1."""
    edit(mini, "salience = { value = 0.9, low = 0.8, high = 1.0 }", "salience = 0.9")
    sc = load_scenario(mini)
    table = sobol(sc, "river", "compromise", 256, seed=1)
    assert [d["input"] for d in table] == ["stances.A.river.position"]
    assert table[0]["S1"] == pytest.approx(1, abs=0.05)
    assert table[0]["ST"] == pytest.approx(1, abs=0.05)


def test_sobol_splits_between_two_inputs(mini: Path):
    """With both of A's inputs ranged, both get a share and the total indices cover the rest."""
    table = {d["input"]: d for d in sobol(load_scenario(mini), "river", "compromise", 512, 2)}
    assert set(table) == {"stances.A.river.position", "stances.A.river.salience"}
    assert sum(d["ST"] for d in table.values()) >= 0.9
    assert all(d["ST"] > 0.02 for d in table.values())


@pytest.mark.parametrize("seed", [0, 3])
def test_sobol_intervals_are_seeded_and_cover_the_estimate(mini: Path, seed: int):
    """Same seed, same table, bootstrap intervals included (SALib leaves seed 0 unseeded)."""
    sc = load_scenario(mini)
    first, again = (sobol(sc, "river", "compromise", 64, seed) for _ in range(2))
    assert first == again
    assert all(d["S1_conf"] > 0 and d["ST_conf"] > 0 for d in first)
    assert {d["kind"] for d in first} == {"position", "salience"} and first[0]["actor"] == "A"


def test_drop_one_shift_is_the_hand_computed_compromise_change(mini: Path):
    sc = load_scenario(mini)
    w = {"A": 0.5 * 0.9, "B": 0.3 * 0.7, "G": 0.2 * 0.2}
    x = {"A": 10.0, "B": 100.0, "G": 50.0}

    def mean(keep: list[str]) -> float:
        return sum(w[a] * x[a] for a in keep) / sum(w[a] for a in keep)

    base = mean(["A", "B", "G"])
    got = {d["actor"]: d["shift"] for d in drop_one(sc, "river", "compromise")}
    assert got["B"] == pytest.approx(mean(["A", "G"]) - base)
    assert got["G"] == pytest.approx(mean(["A", "B"]) - base)
    assert got["A"] == pytest.approx(mean(["B", "G"]) - base)
    assert list(got) == sorted(got, key=lambda a: -abs(got[a]))  # the largest shift first


# --------------------------------------------------------------------------- reproducibility


def test_same_results_in_process_and_in_a_pool():
    sc = load_scenario(SCENARIO)
    plan = design(sc, 12, seed=5)
    alone = run_draws(sc, plan, chunk=5)
    with ProcessPoolExecutor(2) as pool:
        pooled = run_draws(sc, plan, executor=pool, chunk=2)
    assert alone == pooled
    links = Simulation(sc, plan, alone).link_probabilities()
    assert sc.links and set(links) == {str(k) for k in range(len(sc.links))}
    assert all(0 <= p <= 1 for p in links.values())
    sim = Simulation(sc, plan, alone).to_json()
    kurils = sim["issues"]["kurils"]
    assert set(kurils) >= {"compromise", "median", "nash", "eum", "exchange"}
    q = kurils["compromise"]["quantiles"]
    assert q["0.1"] <= q["0.5"] <= q["0.9"]
    assert sum(kurils["eum"]["bands"].values()) == pytest.approx(1)
    assert sum(c["probability"] for c in sim["alignment"]["configurations"]) == pytest.approx(1)



@pytest.fixture(scope="module")
def dask_cluster():
    """A real Dask scheduler and two single-threaded workers, as processes on 127.0.0.1."""
    port = free_port()
    bin_dir = Path(sys.executable).parent
    procs = [subprocess.Popen([str(bin_dir / "dask"), "scheduler", "--host", "127.0.0.1",
                               "--port", str(port), "--no-dashboard"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    address = f"tcp://127.0.0.1:{port}"
    procs.append(subprocess.Popen([str(bin_dir / "dask"), "worker", address, "--nworkers", "2",
                                   "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    try:
        from distributed import Client

        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for p in procs[::-1]:
            p.terminate()
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()


@pytest.mark.slow
def test_workers_and_a_dask_cluster_give_identical_results(dask_cluster: str):
    args = ("simulate", SCENARIO, "--draws", "24", "--seed", "7", "--sobol", "8", "--json")
    one = run_process(*args, "--workers", "1")
    two = run_process(*args, "--workers", "2")
    cluster = run_process(*args, "--executor", dask_cluster)
    for r in (one, two, cluster):
        assert r.code == 0, r.stderr
    a, b, c = (json.loads(r.stdout) for r in (one, two, cluster))
    assert _same(a, b) and _same(a, c)
    assert set(a) == {"run_id", "draws", "seed", "issues", "alignment", "sensitivity", "timing"}
    assert a["draws"] == 24 and a["sensitivity"]["kurils"]["sobol"]
    listed = json.loads(run_process("runs", "list", "--json").stdout)["runs"]
    assert {r["id"] for r in listed} >= {a["run_id"], b["run_id"], c["run_id"]}
    assert all(r["status"] == "succeeded" for r in listed)


def _ctrl_c_default() -> None:
    """In the child, before it starts: Ctrl-C as a terminal delivers it. A child inherits an
    ignored or blocked SIGINT, and Python then never raises KeyboardInterrupt: three full runs of
    the suite saw the run ignore the signal and finish (exit 0), never a run of this file alone."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT])


@pytest.mark.slow
def test_ctrl_c_keeps_finished_draws_and_resume_gives_the_same_numbers(
    _run_store: str, tmp_path: Path
):
    # one worker and enough draws (8 blocks of 125, about 1.4 s each) that the run cannot finish
    # between its first stored block and the signal, even on a loaded machine (with 60 draws on
    # two workers it once did)
    args = ["simulate", str(SCENARIO), "--draws", "1000", "--workers", "1", "--seed", "11",
            "--sobol", "0", "--json"]
    proc = subprocess.Popen([str(EXE), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=os.environ.copy(), preexec_fn=_ctrl_c_default)
    store = RunStore(_run_store)
    deadline = time.monotonic() + 120
    run_id = None
    while time.monotonic() < deadline:
        runs = store.runs(command="simulate")
        if runs and len(store.draws(runs[0].id)) >= 8:
            run_id = runs[0].id
            break
        time.sleep(0.05)
    assert run_id is not None, "no draws were stored"
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=60)
    assert proc.returncode != 0
    run = store.get(run_id)
    kept = store.draws(run_id)
    assert run.status == "aborted" and 8 <= len(kept) < 1000
    resumed = run_process("simulate", SCENARIO, "--resume", run_id, "--json")
    assert resumed.code == 0, resumed.stderr
    full = run_process(*args)
    assert _same(json.loads(resumed.stdout), json.loads(full.stdout))
    assert store.get(run_id).status == "succeeded" and len(store.draws(run_id)) == 1000


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("option", "value", "needle"),
    [("--draws", "0", "--draws"), ("--sobol", "3", "power of 2"), ("--model", "oracle", "oracle"),
     ("--executor", "udp://x", "tcp://"), ("--workers", "0", "--workers")],
)
def test_bad_options_are_exit_2(mini: Path, option: str, value: str, needle: str):
    assert_bad_input(run_cli("simulate", mini, "--draws", "4", option, value), needle)


def test_resume_refuses_a_changed_scenario_and_unknown_runs(mini: Path):
    first = run_cli("simulate", mini, "--draws", "4", "--sobol", "0", "--json")
    assert first.code == 0, first.stderr
    run_id = json.loads(first.stdout)["run_id"]
    assert_bad_input(run_cli("simulate", mini, "--resume", run_id), "already succeeded")
    edit(mini, 'title = "A small test scenario"', 'title = "Changed"')
    assert_bad_input(run_cli("simulate", mini, "--resume", run_id), "scenario changed")
    assert_bad_input(run_cli("simulate", mini, "--resume", "nope"), "no such run")
    assert_bad_input(run_cli("simulate", mini, "--resume", ""), "no run id given")


def test_unreachable_scheduler_is_exit_2(mini: Path):
    port = free_port()
    run = run_cli("simulate", mini, "--draws", "2", "--executor", f"tcp://127.0.0.1:{port}")
    assert_bad_input(run, "--executor")
