"""``realpolitik simulate``: every model over draws of the cited ranges, kept in the run store."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
from rich.table import Table

from realpolitik.analysis.forecast import MODELS
from realpolitik.analysis.simulate import Simulation, design, run_draws, sensitivity
from realpolitik.cli.common import (
    DbOpt,
    ForecastModel,
    JsonOpt,
    ScenarioArg,
    SeedOpt,
    command,
    conflict,
    emit_json,
    model_option,
    out,
    progress,
)
from realpolitik.errors import InputError
from realpolitik.scenario.rules import load_for_models
from realpolitik.store import RunStore, file_sha256

MAX_DRAWS = 100_000
MAX_SOBOL = 4096
MAX_CHUNK = 128


@contextmanager
def open_executor(executor: str, workers: int) -> Iterator[Executor | None]:
    """``local`` with one worker: in this process; ``local`` with W > 1: a process pool;
    ``tcp://HOST:PORT``: the Dask cluster whose scheduler listens there."""
    if executor == "local":
        if workers == 1:
            yield None
            return
        with ProcessPoolExecutor(max_workers=workers) as pool:
            yield pool
        return
    if not executor.startswith("tcp://"):
        raise InputError.single("--executor", "--executor",
                                f"{executor!r}: give 'local' or a scheduler address tcp://HOST:PORT")
    from distributed import Client

    try:
        client = Client(executor, timeout="10s")
    except (OSError, TimeoutError) as err:
        raise InputError.single(executor, "--executor",
                                f"no Dask scheduler answers there: {err}") from None
    try:
        yield client.get_executor()
    finally:
        client.close()


@command("simulate")
def simulate(
    scenario: ScenarioArg,
    draws: Annotated[
        int, typer.Option("--draws", help=f"Latin-hypercube draws, 1 to {MAX_DRAWS}.")
    ] = 500,
    seed: SeedOpt = 0,
    workers: Annotated[
        int, typer.Option("--workers", help="Local worker processes (1 to 8 per CPU).")
    ] = 1,
    executor: Annotated[
        str, typer.Option("--executor", help="'local', or a Dask scheduler tcp://HOST:PORT.")
    ] = "local",
    sobol: Annotated[
        int, typer.Option("--sobol", help="Sobol base samples per issue (a power of 2; 0: none).")
    ] = 64,
    model: Annotated[
        ForecastModel, model_option("The model the sensitivity tables explain.")
    ] = ForecastModel("compromise"),
    db: DbOpt = None,
    resume: Annotated[
        str | None, typer.Option("--resume", metavar="RUN_ID", help="Complete an interrupted run.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """How sure each forecast is: quantiles, band probabilities, ratification, alignment odds,
    Sobol indices and drop-one-actor shifts over draws of the scenario's cited ranges."""
    model = ForecastModel(model).value  # a plain str from here on (it goes to the workers)
    store = RunStore(db)
    params: dict[str, Any] = {"draws": draws, "seed": seed, "sobol": sobol, "model": model}
    done: dict[int, Any] = {}
    if resume is not None:
        for name, value, default in (("--draws", draws, 500), ("--seed", seed, 0),
                                     ("--sobol", sobol, 64), ("--model", model, "compromise")):
            if value != default:
                raise conflict("--resume", name, "a resumed run keeps its own settings")
        run = store.get(resume)
        if run.command != "simulate":
            raise InputError.single(store.url, "--resume", f"run {run.id} is a {run.command} run")
        if run.scenario_sha256 != file_sha256(scenario):
            raise InputError.single(str(scenario), "--resume",
                                    f"the scenario changed since run {run.id}; start a new run")
        params = dict(run.parameters)
        draws, seed = params["draws"], params["seed"]
        sobol, model = params["sobol"], params["model"]
        store.reopen(run.id)
        done = store.draws(run.id)
        resume = run.id
    if executor != "local" and workers != 1:
        raise conflict("--executor", "--workers", "a Dask cluster brings its own workers")
    _check(draws, workers, sobol, model)
    sc = load_for_models(scenario)
    if not sc.issues:
        raise InputError.single(sc.where, "issues", "no issues to simulate: the scenario has none")
    plan = design(sc, draws, seed)
    start = time.perf_counter()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeRemainingColumn())
    with store.recording("simulate", scenario, params, seed, run_id=resume) as rec, \
            open_executor(executor, workers) as pool, progress(*columns) as bar:
        task = bar.add_task("draws", total=draws, completed=len(done))

        def keep(new: dict[int, Any]) -> None:
            store.add_draws(rec.run_id, new)
            bar.advance(task, len(new))

        results = run_draws(sc, plan, MODELS, pool, done, keep, draw_chunk(draws, workers))
        sim = Simulation(sc, plan, results)
        if sobol:
            issues = bar.add_task("sensitivity", total=len(sc.issues))
            sim.sensitivity = sensitivity(sc, model, sobol, seed, pool,
                                          progress=lambda: bar.advance(issues))
        payload = {"run_id": rec.run_id, "seed": seed, **sim.to_json(),
                   "timing": {"seconds": round(time.perf_counter() - start, 3)}}
        rec.results = payload
    if as_json:
        emit_json(payload)
    else:
        _table(sim, payload)


def draw_chunk(draws: int, workers: int) -> int:
    """Draws per block: large blocks amortise the vectorised models' fixed cost; at least four
    blocks per worker keep the workers busy to the end and the progress bar moving."""
    return max(1, min(MAX_CHUNK, -(-draws // (4 * max(workers, 1)))))


def _check(draws: int, workers: int, sobol: int, model: str) -> None:
    if not 1 <= draws <= MAX_DRAWS:
        raise InputError.single("--draws", "--draws", f"give 1..{MAX_DRAWS}, got {draws}")
    if not 1 <= workers <= (os.cpu_count() or 1) * 8:
        raise InputError.single("--workers", "--workers", f"give 1..{(os.cpu_count() or 1) * 8}")
    if sobol and (sobol < 2 or sobol > MAX_SOBOL or sobol & (sobol - 1)):
        raise InputError.single("--sobol", "--sobol",
                                f"give 0 or a power of 2 from 2 to {MAX_SOBOL}, got {sobol}")
    if model not in MODELS:
        raise InputError.single("--model", "--model", f"{model!r}: one of {', '.join(MODELS)}")


def _table(sim: Simulation, payload: dict[str, Any]) -> None:
    for iss in sim.scenario.issues:
        summary = payload["issues"].get(iss.id)
        if not summary:
            continue
        t = Table(title=f"{iss.title or iss.id}: {payload['draws']} draws", title_justify="left")
        t.add_column("model")
        t.add_column("10%", justify="right")
        t.add_column("median", justify="right")
        t.add_column("90%", justify="right")
        t.add_column("most likely band")
        t.add_column("ratifiable", justify="right")
        for m, s in summary.items():
            q = s["quantiles"]
            band = max(s["bands"].items(), key=lambda kv: kv[1]) if s["bands"] else None
            t.add_row(m, f"{q['0.1']:.0f}", f"{q['0.5']:.0f}", f"{q['0.9']:.0f}",
                      f"{band[0]} ({band[1]:.0%})" if band else "-",
                      "-" if s["ratifiable"] is None else f"{s['ratifiable']:.0%}")
        out.print(t)
        sens = payload["sensitivity"].get(iss.id)
        if sens and sens["sobol"]:
            top = ", ".join(f"{d['input']} (ST {d['ST']:.2f})" for d in sens["sobol"][:3])
            out.print(f"  drives the {sens['model']} forecast most: {top}")
        if sens and sens["drop_one"]:
            d = sens["drop_one"][0]
            out.print(f"  without {d['actor']} it moves by {d['shift']:+.1f}")
    for k, share in sim.link_probabilities().items():
        ln = sim.scenario.links[int(k)]
        out.print(f"link {k} ({ln.issue} {ln.model} in [{ln.low:g}, {ln.high:g}]) fired in "
                  f"{share:.0%} of draws")
    al = payload["alignment"]
    if al["configurations"]:
        best = al["configurations"][0]
        sides = " vs ".join("{" + ", ".join(s) + "}" for s in best["sides"])
        out.print(f"alignment: {sides} in {best['probability']:.0%} of draws")
    out.print(f"run {payload['run_id']} ({payload['timing']['seconds']:.1f} s); "
              "`realpolitik runs show` has it all")
