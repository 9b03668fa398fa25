"""CLI: ``realpolitik align`` (landscape theory, triads, tipping points) and ``realpolitik
balance`` (exact frustration index of signed graphs). Thin: the work is in analysis/alignment."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table
from rich.text import Text

from realpolitik.analysis.alignment import (
    AlignmentInputs,
    AlignmentResult,
    align,
    balance_file,
    inputs_from_cow,
    inputs_from_scenario,
    inputs_from_tables,
)
from realpolitik.cli.common import (
    STEPS,
    JsonOpt,
    Pair,
    SeedOpt,
    actor_pair,
    command,
    conflict,
    console,
    emit_json,
    finite,
    out,
    progress,
    write_atomic,
)
from realpolitik.errors import InputError
from realpolitik.files import check_writable
from realpolitik.options import require_known, split_names
from realpolitik.report.text import alignment_summary


def _looks_like_file(arg: str) -> bool:
    """A state code never has a folder, a file suffix, or names an existing file."""
    p = Path(arg)
    return p.suffix != "" or len(p.parts) > 1 or p.is_file()


def _inputs(args: list[str], year: int | None, states: list[str], actors: list[str],
            sizes: Path | None, matrix: Path | None,
            center: float) -> tuple[AlignmentInputs, tuple[str, str] | None]:
    """The landscape, and the default tipping pair (a scenario's first question's pair)."""
    if year is not None:
        files = [a for a in args if _looks_like_file(a)]
        if files:
            raise InputError.single(files[0], "--year", "a scenario and --year cannot be "
                                    "combined: --year builds the landscape from COW data (the "
                                    "arguments after it are state codes); drop one of them")
        if sizes or matrix:
            raise conflict("--year", "--sizes" if sizes else "--matrix",
                           "give --year or --sizes/--matrix, not both")
        if actors:
            raise conflict("--year", "--actors", "--actors picks a scenario's actors; with "
                           "--year use --states")
        return inputs_from_cow(year, states + [a.strip() for a in args if a.strip()] or None), None
    if states:
        raise InputError.single("align", "--states", "--states needs --year")
    if center and not matrix:
        raise InputError.single("align", "--center", "--center needs --matrix")
    if sizes or matrix:
        if actors:
            raise conflict("--sizes", "--actors", "--actors picks a scenario's actors")
        if not (sizes and matrix) or args:
            raise InputError.single("align", "--sizes", "give both --sizes and --matrix, and no "
                                    "scenario")
        return inputs_from_tables(sizes, matrix, center), None
    if len(args) != 1:
        raise InputError.single("align", "SCENARIO", "give one scenario file (or --year Y "
                                "[--states ...], or --sizes F --matrix F)")
    from realpolitik.scenario.rules import load_for_models

    sc = load_for_models(args[0])
    if not sc.links:
        return inputs_from_scenario(sc, actors or None, file=args[0]), sc.question_pair()
    from dataclasses import replace

    from realpolitik.analysis.links import forecast_linked

    # the relations as the scenario's links leave them (docs/scenario-format.md, Links)
    linked = forecast_linked(sc, sorted({ln.model for ln in sc.links}))
    inputs = inputs_from_scenario(linked.scenario, actors or None, file=args[0])
    notes = (*inputs.notes, *(a.sentence() for a in linked.applied))
    return replace(inputs, notes=notes), sc.question_pair()


@command("align", renamed={"--tipping": ("--pair", 2), "--html": "--report"})
def align_command(
    args: list[str] = typer.Argument(
        None, metavar="SCENARIO", show_default=False,
        help="Scenario file. With --year, further arguments are more state codes."),
    tipping: Pair | None = typer.Option(
        None, "--pair", metavar="A,B", parser=actor_pair,
        help="The tipping point of this actor pair: how far relation A-B must move to change "
        "the predicted alignment (default: the pair of the scenario's first question that "
        "names one, when both are in the landscape)."),
    year: int | None = typer.Option(
        None, "--year",
        help="Build the landscape from COW data for this year (1816 to 2022)."),
    states: list[str] | None = typer.Option(
        None, "--states", metavar="A,B,...",
        help="With --year: states (COW or ISO codes; repeat, comma-separate, or list them after "
        "the option). Default: the COW major powers."),
    actors: list[str] | None = typer.Option(
        None, "--actors", metavar="A,B,...",
        help="Scenario actors to include (default: states and related non-domestic actors)."),
    sizes: Path | None = typer.Option(None, "--sizes", help="Sizes CSV (id,actor,strength)."),
    matrix: Path | None = typer.Option(None, "--matrix", help="Propensity matrix CSV."),
    center: float = typer.Option(0.0, "--center", parser=finite(-1e6, 1e6),
                                 help="With --matrix: subtract from every matrix value "
                                 "(3 for a 1-5 scale)."),
    k: int = typer.Option(2, "--k", min=2, max=10,
                          help="Number of coalitions, 2 to 10 (Florian & Galam 2000)."),
    seed: SeedOpt = 0,
    html: Path | None = typer.Option(None, "--report", metavar="PATH",
                                     help="Also write the HTML report fragment here."),
    backtest: str | None = typer.Option(
        None, "--backtest", metavar="FROM:TO", help="Score the alignment models and baselines "
        "on each year's later ATOP alliance blocs (the record; no other input)."),
    horizon: int = typer.Option(5, "--horizon", min=1, max=50,
                                help="With --backtest: years of outcome, 1 to 50."),
    json_out: JsonOpt = False,
) -> None:
    """Predict alignments (Axelrod & Bennett's landscape theory): every stable configuration
    with its energy and basin, frustrations, strategic triangles and a tipping point."""
    if backtest is not None:
        from realpolitik.cli.align_record import run_backtest

        given = {"SCENARIO": bool(args), "--year": year is not None, "--states": bool(states),
                 "--actors": bool(actors), "--sizes": bool(sizes), "--matrix": bool(matrix),
                 "--pair": bool(tipping), "--report": bool(html), "--k": k != 2,
                 "--center": bool(center), "--seed": bool(seed)}
        for name, on in given.items():
            if on:
                raise conflict("--backtest", name, "--backtest scores the record on its own "
                               "data and takes no other input")
        run_backtest(backtest, horizon, json_out)
        return
    if horizon != 5:
        raise InputError.single("align", "--horizon", "needs --backtest")
    if html is not None:
        read = [a for a in args or [] if _looks_like_file(a)]
        check_writable(html, inputs=[*read, sizes, matrix])
    inputs, default = _inputs(list(args or []), year, split_names(states), split_names(actors),
                              sizes, matrix, center)
    pair: tuple[str, str] | None = (tipping[0], tipping[1]) if tipping else None
    if pair is not None:
        if k != 2:
            raise conflict("--pair", "--k", "tipping points are computed for two coalitions")
        for who in pair:
            require_known(who, list(inputs.actors), inputs.file or "align", "--pair", "actor")
    if pair is None and default and k == 2 and all(a in inputs.actors for a in default):
        pair = default
    field = "--pair" if tipping else "questions: pair"  # where the pair came from
    result = align(inputs, tipping=pair, k=k, seed=seed, tipping_field=field)
    if html is not None:
        from realpolitik.report.alignment import alignment_html

        write_atomic(html, alignment_html(result))
    if json_out:
        emit_json(result.to_json())
        return
    a = inputs.actors
    out.print(Text.assemble((inputs.title, "bold"), f": {len(a)} actors"))
    for note in inputs.notes:
        out.print(f"  {note}", style="dim")
    t = Table(title="Stable configurations (lowest energy first)")
    t.add_column("#", justify="right")
    for col in ("sides", "energy", "basin"):
        t.add_column(col, justify="left" if col == "sides" else "right")
    for n, c in enumerate(result.landscape.minima[:15]):
        sides = "  vs  ".join(", ".join(g) for g in result.sides(c.labels) if g)
        t.add_row(str(n), sides, f"{c.energy:.4g}", f"{c.basin:.1%}")
    out.print(t)
    if len(result.landscape.minima) > 15:
        out.print(f"  ... {len(result.landscape.minima) - 15} more (use --json)")
    for line in alignment_summary(result):
        out.print(line)
    _print_alternatives(result)


def _print_alternatives(result: AlignmentResult) -> None:
    """The full list of single changes behind the summary's alternatives sentence."""
    tip = result.tipping
    if tip is None or tip.partner is None or not tip.alternatives:
        return
    a = result.inputs.actors
    t = Table(title=f"Least single changes that move {a[tip.model.i]} off {tip.partner}'s side")
    for col in ("change", "from", "to", "by", "switching sides"):
        t.add_column(col, justify="left" if col in ("change", "switching sides") else "right")
    for alt in tip.alternatives:
        if alt.kind == "relation":
            t.add_row("relation " + "-".join(a[k] for k in alt.actors), f"{alt.value:+.2f}",
                      f"{alt.to:+.3f}", f"{alt.change:+.3f}",
                      ", ".join(a[k] for k in alt.switchers))
        else:
            t.add_row(f"size of {a[alt.actors[0]]}", f"{alt.value:.3f}", f"{alt.to:.3f}",
                      f"x{alt.change:.3g}", ", ".join(a[k] for k in alt.switchers))
    out.print(t)


DEFAULT_TIME_LIMIT = 5.0
"""``balance --time-limit`` by default, seconds per window (shared by its components): the 51
COW windows solve exactly in about 3 s together; a dense 60-node graph stops with a flagged
bound instead of running for minutes."""


@command("balance", renamed={"--at": "--year"})
def balance_command(
    graph: Path = typer.Argument(..., metavar="GRAPH",
                                 help="Signed edge list CSV (from,to,sign[,weight][,begin,end]) "
                                 "or Pajek .net with *Edges windows."),
    at: int | None = typer.Option(None, "--year", help="Only the graph at this year."),
    time_limit: float = typer.Option(
        DEFAULT_TIME_LIMIT, "--time-limit", parser=finite(0.0, 86_400.0, above=True),
        help="Seconds for the exact solver per window (all its components together), more "
        "than 0 and at most 86400; past it the answer is a proven bound, flagged as such."),
    json_out: JsonOpt = False,
) -> None:
    """Exact frustration index (structural balance) of each window of a signed graph."""
    with progress(*STEPS) as bar:
        task = bar.add_task("balance: windows", total=None)

        def tick(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        windows = balance_file(graph, at, time_limit, on_window=tick)
    unproven = [w.label for w in windows if not w.optimal]
    if unproven:
        console.print(f"warning: time limit reached, frustration not proven optimal in: "
                  f"{', '.join(unproven)}")
    if json_out:
        emit_json({"windows": [w.to_json() for w in windows]})
        return
    t = Table(title=f"Frustration index: {graph.name}")
    for col in ("window", "nodes", "edges", "frustration", "sides", "frustrated edges"):
        t.add_column(col, justify="right" if col in ("nodes", "edges", "frustration") else "left")
    for w in windows:
        sides = " | ".join(", ".join(s) if len(s) <= 8 else f"{len(s)} nodes" for s in w.sides)
        bad = ", ".join(f"{a}-{b}" for a, b in w.frustrated_edges[:6])
        if len(w.frustrated_edges) > 6:
            bad += f", ... ({len(w.frustrated_edges)})"
        f = w.frustration
        t.add_row(w.label, str(len(w.nodes)), str(w.edges),
                  str(int(f)) if float(f).is_integer() else f"{f:.4g}", sides, bad)
    out.print(t)
