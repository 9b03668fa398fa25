"""CLI: ``realpolitik exchange``, the equal-gain exchange model (issue linkage)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from realpolitik.cli.common import (
    STEPS,
    JsonOpt,
    Pair,
    ScenarioArg,
    SeedOpt,
    WorkersOpt,
    actor_pair,
    command,
    emit_json,
    out,
    progress,
)

MAX_ROUNDS = 1000
"""``exchange --rounds`` at most."""

MAX_REPETITIONS = 10_000
"""``exchange --repetitions`` at most (about 0.07 s a run on Copenhagen: some 12 minutes)."""


@command("exchange", renamed={"--top": "--limit"})
def exchange(
    input_file: ScenarioArg,
    rounds: Annotated[
        int,
        typer.Option(
            "--rounds", min=0, max=MAX_ROUNDS, help=f"Rounds of exchanges, 0 to {MAX_ROUNDS}."
        ),
    ] = 10,
    repetitions: Annotated[
        int,
        typer.Option(
            "--repetitions",
            "-r",
            min=1,
            max=MAX_REPETITIONS,
            help=f"Runs, 1 to {MAX_REPETITIONS} (ties are broken at random; the table shows "
            "the mean).",
        ),
    ] = 1,
    seed: SeedOpt = 0,
    workers: WorkersOpt = 1,
    focus: Annotated[
        str | None, typer.Option("--focus", help="List the trades on this issue first.")
    ] = None,
    pair: Annotated[
        Pair | None,
        typer.Option(
            "--pair", metavar="A,B", parser=actor_pair,
            help="List the trades between these two actors.",
        ),
    ] = None,
    top: Annotated[
        int, typer.Option("--limit", min=1, max=1000, help="Trades to list, 1 to 1000.")
    ] = 8,
    as_json: JsonOpt = False,
) -> None:
    """Issue linkage: who trades which issue against which (Stokman & Van Oosten's equal-gain
    exchange model, as implemented by decide)."""
    from realpolitik.analysis.linkage import exchange_scenario
    from realpolitik.errors import InputError
    from realpolitik.options import require_known
    from realpolitik.report.text import linkage_summary
    from realpolitik.scenario.rules import (
        check_exchange_work,
        exchange_problems,
        load_for_models,
    )

    scenario = load_for_models(input_file)
    file = str(input_file)
    if exchange_problems(scenario):
        raise InputError(file, exchange_problems(scenario))
    check_exchange_work(scenario, rounds, repetitions, file)
    if focus is not None:
        require_known(focus, [i.id for i in scenario.issues], file, "--focus", "issue")
    pair_ids: tuple[str, str] | None = None
    if pair is not None:
        actor_ids = [actor.id for actor in scenario.actors]
        for who in pair:
            require_known(who, actor_ids, file, "--pair", "actor")
        pair_ids = (pair[0], pair[1])
    executor = None
    if workers > 1 and repetitions > 1:
        from concurrent.futures import ProcessPoolExecutor

        executor = ProcessPoolExecutor(max_workers=workers)
    try:
        with progress(*STEPS) as bar:
            task = bar.add_task("exchange: runs", total=repetitions)
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
