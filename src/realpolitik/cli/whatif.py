"""``realpolitik whatif``: change numbers, re-run forecasts and alignment, print the differences."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from realpolitik.cli.common import (
    JsonOpt,
    ScenarioArg,
    command,
    console,
    emit_json,
    out,
    output_option,
    write_atomic,
)
from realpolitik.errors import InputError
from realpolitik.files import check_writable


@command("whatif", renamed={"--save": "--output"})
def whatif_command(
    scenario: ScenarioArg,
    sets: Annotated[
        list[str],
        typer.Option(
            "--set",
            metavar="PATH=VALUE",
            help="PATH=VALUE (repeatable): relations.A-B, stances.ACTOR.ISSUE.position|"
            "salience|influence, actors.ACTOR.capability.",
        ),
    ],
    save: Annotated[
        Path | None, output_option("Write the changed scenario here (never over the input).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Re-run the forecasts and the alignment with some numbers changed, and show what moves."""
    from realpolitik.analysis.whatif import apply_changes, whatif
    from realpolitik.scenario.changes import parse_change
    from realpolitik.scenario.rules import load_for_models
    from realpolitik.scenario.writer import to_toml

    changes = [parse_change(s) for s in sets]
    seen: dict[str, float] = {}
    for c in changes:  # two values for one number contradict each other
        if c.path in seen:
            raise InputError.single(
                "--set", c.path, f"set twice ({seen[c.path]:g} and {c.value:g}); give one value"
            )
        seen[c.path] = c.value
    if save is not None:
        check_writable(save, inputs=[scenario])
    sc = load_for_models(scenario)
    result = whatif(sc, changes)
    if save is not None:
        write_atomic(save, to_toml(apply_changes(sc, changes)))
        console.print(f"wrote {save}")
    if as_json:
        emit_json(result)
        return
    for c in result["changes"]:
        out.print(f"set {c['path']} = {c['value']:g}")
    for run in ("base", "changed"):
        fired = [ln for ln in result[run]["links"] if ln["fired"]]
        for ln in fired:
            out.print(
                f"{run}: link {ln['link']} ({ln['issue']}) moved {ln['target']} "
                f"{ln['before']:+.2f} -> {ln['after']:+.2f}",
                markup=False,
            )
    if not result["diff"]:
        out.print("No forecast or alignment changes.")
        return
    t = Table(title="Differences from the base run")
    for col in ("what", "base", "changed"):
        t.add_column(col)
    for d in result["diff"]:
        if d["kind"] == "forecast":
            t.add_row(f"{d['issue']} ({d['model']})", _num(d["base"]), _num(d["changed"]))
        else:
            t.add_row("alignment", _sides(d["base"]), _sides(d["changed"]))
    out.print(t)


def _num(x: float | None) -> str:
    return "no forecast" if x is None else f"{x:.1f}"


def _sides(a: dict[str, object] | None) -> str:
    if a is None:
        return "none"
    sides = a["sides"]
    assert isinstance(sides, list)
    return " vs ".join("{" + ", ".join(g) + "}" for g in sides if g)
