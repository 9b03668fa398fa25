"""CLI: ``realpolitik exchange``, the equal-gain exchange model (issue linkage)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from realpolitik.cli.common import JsonOpt, command, emit_json, out, progress


@command("exchange")
def exchange(
    input_file: Annotated[
        Path, typer.Argument(metavar="INPUT", help="Scenario TOML or decide CSV (or any input).")
    ],
    rounds: Annotated[int, typer.Option("--rounds", min=0, max=1000, help="Rounds.")] = 10,
    repetitions: Annotated[
        int,
        typer.Option(
            "--repetitions", "-r", min=1, max=100_000, help="Runs (ties are broken at random)."
        ),
    ] = 1,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the first run.")] = 0,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=256, help="Processes for the repetitions.")
    ] = 1,
    focus: Annotated[
        str | None, typer.Option("--focus", help="Show the trades on this issue first.")
    ] = None,
    pair: Annotated[
        str | None, typer.Option("--pair", help="Show the trades between two actors: A,B.")
    ] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Trades to list.")] = 8,
    as_json: JsonOpt = False,
) -> None:
    """Issue linkage: who trades which issue against which (Stokman & Van Oosten's equal-gain
    exchange model, as implemented by decide)."""
    from realpolitik.analysis.linkage import exchange_scenario
    from realpolitik.errors import InputError
    from realpolitik.options import require_known
    from realpolitik.report.text import linkage_summary
    from realpolitik.scenario.rules import exchange_problems, load_for_models

    scenario = load_for_models(input_file)
    file = str(input_file)
    if exchange_problems(scenario):
        raise InputError(file, exchange_problems(scenario))
    if focus is not None:
        require_known(focus, [i.id for i in scenario.issues], file, "--focus", "issue")
    pair_ids: tuple[str, str] | None = None
    if pair is not None:
        ids = [a.strip() for a in pair.split(",")]
        if len(ids) != 2:
            raise InputError.single(
                file, "--pair", f"expected two actor ids A,B of the input, got {pair!r}"
            )
        actor_ids = [actor.id for actor in scenario.actors]
        for who in ids:
            require_known(who, actor_ids, file, "--pair", "actor")
        pair_ids = (ids[0], ids[1])
    executor = None
    if workers > 1 and repetitions > 1:
        from concurrent.futures import ProcessPoolExecutor

        executor = ProcessPoolExecutor(max_workers=workers)
    try:
        with progress(disable=repetitions < 5) as bar:
            task = bar.add_task("Exchange model", total=repetitions)
            result = exchange_scenario(
                scenario, rounds, repetitions, seed, executor, lambda: bar.advance(task)
            )
    finally:
        if executor is not None:
            executor.shutdown()
    if as_json:
        emit_json(result.to_json())
        return
    info = scenario.scenario
    many = repetitions > 1
    table = Table(
        title=f"{info.title or info.id}: exchange model, {rounds} rounds"
        + (f", mean of {repetitions} runs" if many else "")
    )
    table.add_column("issue")
    table.add_column("before", justify="right")
    table.add_column("after", justify="right")
    if many:
        table.add_column("sd", justify="right")
    before, after, sd = result.compromise_before, result.compromise_after, result.compromise_sd
    for k, iid in enumerate(result.inputs.issues):
        cells = [f"{before[k]:.1f}", f"{after[k]:.1f}"] + ([f"{sd[k]:.1f}"] if many else [])
        table.add_row(iid, *cells)
    out.print(table)
    n = sum(len(r.exchanges) for r in result.runs)
    out.print(f"{n} exchanges" + (f" in {repetitions} runs" if many else ""))
    for line in linkage_summary(result, top=top, focus=focus, pair=pair_ids):
        out.print(line, highlight=False, markup=False)
