"""``realpolitik levers``: the smallest changes that bring a forecast into a target band."""

from __future__ import annotations

import math
from typing import Annotated

import typer
from rich.table import Table

from realpolitik.analysis.forecast import MODELS
from realpolitik.analysis.levers import levers as find_levers
from realpolitik.cli.common import (
    DbOpt,
    ForecastModel,
    JsonOpt,
    ScenarioArg,
    busy,
    command,
    emit_json,
    model_option,
    out,
)
from realpolitik.errors import InputError
from realpolitik.scenario.rules import load_for_models
from realpolitik.store import RunStore


def parse_target(text: str, lo: float, hi: float) -> tuple[float, float]:
    """``LOW:HIGH`` on the issue's scale; bad input names ``--target``."""
    parts = text.split(":")
    try:
        low, high = (float(p) for p in parts)
    except ValueError:
        raise InputError.single(
            "--target", "--target", f"{text!r}: give LOW:HIGH, two numbers such as 40:60"
        ) from None
    if not (math.isfinite(low) and math.isfinite(high)) or low > high:
        raise InputError.single("--target", "--target", f"{text!r}: need finite LOW <= HIGH")
    if high < lo or low > hi:
        raise InputError.single(
            "--target", "--target", f"{text!r} lies outside the issue's scale [{lo:g}, {hi:g}]"
        )
    return low, high


@command("levers")
def levers(
    scenario: ScenarioArg,
    issue: Annotated[str, typer.Option("--issue", help="The issue to move.")],
    target: Annotated[str, typer.Option("--target", metavar="LOW:HIGH", help="Target band.")],
    model: Annotated[
        ForecastModel, model_option("The model whose forecast must move.")
    ] = ForecastModel("compromise"),
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What would have to change: single inputs, then pairs, ranked by size, each marked inside
    or outside its cited range."""
    model = ForecastModel(model).value
    if model not in MODELS:
        raise InputError.single("--model", "--model", f"{model!r}: one of {', '.join(MODELS)}")
    sc = load_for_models(scenario)
    ids = [i.id for i in sc.issues]
    if issue not in ids:
        raise InputError.single(
            sc.where, "--issue", f"unknown issue {issue!r}; known: {', '.join(ids[:12])}"
        )
    scale = sc.issue(issue).scale
    band = parse_target(target, scale.min, scale.max)
    store = RunStore(db)
    params = {"issue": issue, "target": list(band), "model": model}
    with store.recording("levers", scenario, params) as rec, busy(f"levers: {issue}"):
        rec.results = find_levers(sc, issue, model, band)
    res = rec.results
    if as_json:
        emit_json({"run_id": rec.run_id, **res})
        return
    out.print(
        f"{model} forecast on {issue}: {res['forecast']:.1f}; target {band[0]:g}..{band[1]:g}"
    )
    if res["already"]:
        out.print("Already inside the target band: nothing has to change.")
        return
    for title, rows in (("single changes", res["singles"]), ("pairs of changes", res["pairs"])):
        if not rows:
            out.print("No single change reaches the band." if title.startswith("single") else
                      "No pair of changes is smaller than the best single change.")
            continue
        t = Table(title=title, title_justify="left")
        for col in ("change", "size", "forecast", "within cited range"):
            t.add_column(col)
        for r in rows:
            change = "; ".join(
                f"{c['path']}: {c['from']:.3g} -> {c['to']:.3g}" for c in r["inputs"]
            )
            t.add_row(
                change,
                f"{r['size']:.3f}",
                f"{r['forecast']:.1f}",
                "yes" if r["within_range"] else "no",
            )
        out.print(t)
