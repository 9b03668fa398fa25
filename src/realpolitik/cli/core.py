"""Core commands: demo, validate, schema, convert, forecast."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from realpolitik.analysis.forecast import MODELS as FORECAST_MODELS
from realpolitik.analysis.forecast import ScenarioForecast
from realpolitik.cli.common import (
    STEPS,
    DbOpt,
    JsonOpt,
    ScenarioArg,
    busy,
    command,
    conflict,
    console,
    emit_json,
    names,
    out,
    output_option,
    progress,
    write_atomic,
)
from realpolitik.errors import InputError, Problem
from realpolitik.files import check_folder, check_writable
from realpolitik.options import choose, require_known
from realpolitik.scenario.evidence import MIN_GRADE, STALE_DAYS
from realpolitik.store import RunStore

if TYPE_CHECKING:
    from collections.abc import Mapping

    from realpolitik.analysis.headline import Headline
    from realpolitik.scenario.schema import Scenario


MAX_ROUNDS = 1000
"""``forecast --rounds`` at most (about 4 s on the 18-actor EC emissions case)."""


class Probability(StrEnum):
    """The expected-utility model's P_ij denominator (docs/models.md)."""

    scholz = "scholz"
    pairwise = "pairwise"


class OutputFormat(StrEnum):
    toml = "toml"


@command("demo", renamed={"--out": "--output"})
def demo(
    scenario: Annotated[
        Path | None,
        typer.Argument(metavar="SCENARIO", help="Scenario TOML (default: the bundled one)."),
    ] = None,
    out_dir: Annotated[
        Path, output_option("Folder for the report (it goes in <folder>/<scenario id>/).")
    ] = Path("out"),
    as_json: JsonOpt = False,
) -> None:
    """The main job: the bundled Northeast Asia scenario -> forecasts and out/<id>/report.html."""
    from realpolitik.app.demo import run_demo
    from realpolitik.paths import bundled_scenario

    path = scenario or bundled_scenario()
    check_folder(out_dir)  # refuse a bad --out before the work, not after it
    with busy(f"demo: {path.name}"):
        res = run_demo(path, out_dir)
    if as_json:
        emit_json(
            {
                "scenario": res.scenario.scenario.id,
                "report": str(res.report),
                "summary": res.summary,
                "forecast": _with_headlines(
                    with_evidence(res.scenario, res.forecast.to_json()), res.headlines
                ),
            }
        )
        return
    _forecast_table(res.forecast, res.headlines)
    for line in res.summary:
        out.print(line)
    out.print(Text.assemble("\nReport: ", (str(res.report), "bold")))


BLOCKED_MARK = "\u2020"
"""Marks a forecast outside a domestic ratifier's win-set (Putnam 1988)."""


def _forecast_table(
    forecast: ScenarioForecast, heads: Mapping[str, Headline] | None = None
) -> None:
    """Each issue led by its headline (whether, then where), then each model: the forecast and
    the nearest labelled point of the scale; a mark where a domestic ratifier would block it
    (two-level constraint, Putnam 1988)."""
    info = forecast.scenario.scenario
    table = Table(title=info.title or info.id, show_lines=False)
    for col in ("issue", "model", "forecast", "reading"):
        table.add_column(col, overflow="fold")
    zones: list[str] = []
    for fc in forecast.issues:
        tl = fc.extra.get("twolevel") or {}
        blocking: dict[str, list[str]] = tl.get("blocking", {})
        if tl:
            zone = tl.get("zone_of_agreement")
            zones.append(
                f"{fc.inputs.issue.id}: zone of possible agreement "
                + ("empty" if zone is None else f"[{zone[0]:g}, {zone[1]:g}]")
                + " (win-sets "
                + ", ".join(f"{a} [{w[0]:g}, {w[1]:g}]" for a, w in tl["winsets"].items())
                + ")"
            )
        head = (heads or {}).get(fc.inputs.issue.id)
        if head is not None:
            table.add_row(
                fc.inputs.issue.title or fc.inputs.issue.id,
                "headline",
                f"{1 - head.p_agreement:.0%} status quo",
                head.sentence(fc.inputs.issue.scale),
            )
        for k, m in enumerate(fc.forecasts):
            x = fc.forecasts[m]
            reading = fc.describe(m)
            cell = "-" if x is None else f"{x:.1f}"
            if blocking.get(m):
                cell += f" {BLOCKED_MARK}"
                reading += f"; outside the win-set of {', '.join(blocking[m])}"
            table.add_row(
                (fc.inputs.issue.title or fc.inputs.issue.id) if k == 0 and head is None else "",
                m,
                cell,
                reading,
                end_section=k == len(fc.forecasts) - 1,
            )
    out.print(table)
    if zones:
        out.print(
            f"{BLOCKED_MARK} outside a domestic ratifier's win-set (Putnam 1988): "
            "the agreement would not be ratified."
        )
        for line in zones:
            out.print(f"  {line}")


@command("validate")
def validate(
    scenario: ScenarioArg,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Also fail on numbers resting only on background, stale or low-graded "
            "evidence, and on cited sources without a grade.",
        ),
    ] = False,
    window: Annotated[
        int,
        typer.Option(
            "--stale-days",
            min=0,
            max=36_500,
            help="Evidence older than this many days before as_of is stale (0 to 36500).",
        ),
    ] = STALE_DAYS,
    min_grade: Annotated[
        str,
        typer.Option("--min-grade", help="Lowest acceptable source grade (Admiralty), e.g. C3."),
    ] = MIN_GRADE,
    as_json: JsonOpt = False,
) -> None:
    """Check a scenario: references, ranges, verbatim quotes, provenance and evidence of every
    number."""
    from realpolitik.scenario.evidence import issue_evidence, parse_grade, strict_problems
    from realpolitik.scenario.loader import load_any
    from realpolitik.scenario.validate import late_sources, quote_count, validate_scenario

    evidence: dict[str, object] | None = None
    try:
        try:
            parse_grade(min_grade)
        except ValueError as err:
            raise InputError.single("--min-grade", "", str(err)) from None
        sc = load_any(scenario)
        problems = validate_scenario(sc)
        if problems:
            raise InputError(str(scenario), problems)
        judged = issue_evidence(sc, window, min_grade)
        evidence = {k: v.as_json() for k, v in judged.items()}
        if strict:
            problems = strict_problems(sc, judged, min_grade)
            if problems:
                raise InputError(str(scenario), problems)
    except InputError as err:
        if as_json:
            emit_json(
                _validation_json(err.file or str(scenario), err.problems, None, None, evidence)
            )
        raise
    warnings = late_sources(sc)
    for w in warnings:
        console.print(f"warning: {scenario}: {w.field}: {w.message}", markup=False)
    if as_json:
        emit_json(_validation_json(str(scenario), [], quote_count(sc), warnings, evidence))
        return
    counts = ", ".join(
        _count(n, what)
        for n, what in (
            (len(sc.actors), "actor"),
            (len(sc.issues), "issue"),
            (len(sc.stances), "stance"),
            (len(sc.relations), "relation"),
            (quote_count(sc), "quote"),
        )
    )
    out.print(Text.assemble(("valid", "green"), f": {scenario}: {counts} found verbatim"))
    for iid, ev in judged.items():
        flagged = ", ".join(
            f"{len(ev.listed(s))} {s.replace('_', ' ')}"
            for s in ("background_only", "stale", "low_grade", "assumed")
            if ev.listed(s)
        )
        out.print(
            f"  evidence {iid}: strength {ev.strength:.2f}" + (f" ({flagged})" if flagged else "")
        )


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def _validation_json(
    file: str,
    problems: list[Problem],
    quotes: int | None,
    warnings: list[Problem] | None = None,
    evidence: dict[str, object] | None = None,
) -> dict[str, object]:
    def listed(ps: list[Problem]) -> list[dict[str, str]]:
        return [{"field": p.field, "message": p.message} for p in ps]

    return {
        "file": file,
        "valid": not problems,
        "quotes": quotes,
        "problems": listed(problems),
        "warnings": listed(warnings or []),
        "evidence": evidence,
    }


@command("schema")
def schema(as_json: JsonOpt = False) -> None:
    """Print the JSON Schema of the scenario format (JSON with or without --json)."""
    from realpolitik.scenario.schema import Scenario

    emit_json(Scenario.model_json_schema())


@command("convert")
def convert(
    input_file: Annotated[
        Path,
        typer.Argument(
            metavar="SCENARIO",
            help="The input to convert: a KTAB CSV or XML, decide CSV, BDM CSV or DEU TSV file "
            "(or a scenario TOML, rewritten).",
        ),
    ],
    to: Annotated[OutputFormat, typer.Option("--to", help="Output format.")] = OutputFormat.toml,
    output: Annotated[Path | None, output_option("Write the TOML here, not to stdout.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Convert an input file to a scenario TOML. With --json: a summary (output path, detected
    input format, counts); without --output the TOML text is in its "toml" field."""
    from realpolitik.scenario.importers import detect_format
    from realpolitik.scenario.loader import load_any
    from realpolitik.scenario.writer import to_toml

    if output is not None:
        check_writable(output, "the JSON summary" if as_json else None, inputs=[input_file])
    fmt = detect_format(input_file)
    sc = load_any(input_file, fmt)
    text = to_toml(sc)
    if output is not None:
        write_atomic(output, text)
    if as_json:
        summary: dict[str, object] = {
            "output": None if output is None else str(output),
            "format": fmt,
            "actors": len(sc.actors),
            "issues": len(sc.issues),
        }
        if output is None:
            summary["toml"] = text
        emit_json(summary)
    elif output is None:
        typer.echo(text, nl=False)
    else:
        console.print(f"wrote {output}")


@command("forecast", renamed={"--max-rounds": "--rounds"})
def forecast(
    scenario: ScenarioArg,
    model: Annotated[
        list[str] | None,
        typer.Option(
            "--model",
            "-m",
            parser=names,
            metavar="MODEL[,MODEL...]",
            help=f"{', '.join(FORECAST_MODELS)} or all (repeatable or comma-separated; "
            "default all).",
        ),
    ] = None,
    issue: Annotated[str | None, typer.Option("--issue", help="Only this issue id.")] = None,
    max_rounds: Annotated[
        int | None,
        typer.Option(
            "--rounds",
            min=1,
            max=MAX_ROUNDS,
            help=f"Run exactly N rounds of the expected-utility model, 1 to {MAX_ROUNDS} "
            "(default: until positions settle, at most 50). Needs eum among the models.",
        ),
    ] = None,
    probability: Annotated[
        Probability | None,
        typer.Option(
            "--probability",
            help="The expected-utility model's P_ij denominator (default scholz). Needs eum "
            "among the models.",
        ),
    ] = None,
    draws: Annotated[
        int | None,
        typer.Option(
            "--draws",
            min=0,
            max=100_000,
            help="Draws of the cited ranges for the headlines, all issues evaluated together, "
            "0 to 100000 (default 200; 0: no headline).",
        ),
    ] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Forecast negotiated outcomes, issue by issue: each led by its headline (P(status quo
    holds), where an agreement would land, its 80% interval and band odds), then the bargaining
    models (the run is recorded in the run store)."""
    from realpolitik.analysis.forecast import MODELS, forecast_scenario
    from realpolitik.analysis.headline import headlines
    from realpolitik.models.bargaining.eum import EUMParams
    from realpolitik.scenario.rules import load_for_models

    models = choose(model, MODELS, "--model")
    for given, name in ((max_rounds, "--rounds"), (probability, "--probability")):
        if given is not None and "eum" not in models:
            raise conflict(name, f"--model {','.join(models)}",
                           f"{name} sets the expected-utility model (eum), which is not chosen")
    probability = probability or Probability.scholz
    sc = load_for_models(scenario)
    if issue is not None:
        require_known(issue, [i.id for i in sc.issues], str(scenario), "--issue", "issue")
    # An explicit --max-rounds runs exactly that many rounds (as the published replications do):
    # the convergence stop applies only to the default cap.
    rounds = {"max_rounds": max_rounds, "tol": 0.0} if max_rounds else {}
    params = EUMParams(probability=probability.value, **rounds)  # type: ignore[arg-type]
    chosen = [m for m in MODELS if m in models]
    store = RunStore(db)
    settings = {"models": chosen, "issue": issue, "max_rounds": max_rounds,
                "probability": probability.value, "draws": draws}
    with store.recording("forecast", scenario, settings) as rec:
        applied = None
        if sc.links:
            from realpolitik.analysis.links import forecast_linked

            linked = forecast_linked(sc, chosen, params)
            res = linked.forecast
            if issue is not None:
                res = ScenarioForecast(
                    res.scenario, [f for f in res.issues if f.inputs.issue.id == issue]
                )
            applied = linked.applied
        else:
            n = 1 if issue else len(sc.issues)
            with progress(*STEPS) as bar:
                task = bar.add_task("forecast: issues", total=n)
                res = forecast_scenario(
                    sc, chosen, issue, params, progress=lambda _: bar.advance(task)
                )
        ids = [f.inputs.issue.id for f in res.issues]
        heads = {} if draws == 0 else headlines(sc, ids, draws)  # links applied per draw
        payload = _with_headlines(with_evidence(sc, res.to_json()), heads)
        if applied is not None:
            payload["links"] = [a.to_json() for a in applied]
        rec.results = payload
    if as_json:
        emit_json(payload)
        return
    _forecast_table(res, heads)
    for a in applied or []:
        out.print(a.sentence(), markup=False)


def _with_headlines(payload: dict[str, Any], heads: Mapping[str, Headline]) -> dict[str, Any]:
    """A forecast's JSON with each issue's headline (null where it has none)."""
    for item in payload["issues"]:
        head = heads.get(item["id"])
        item["headline"] = None if head is None else head.to_json()
    return payload


def with_evidence(sc: Scenario, payload: dict[str, Any]) -> dict[str, Any]:
    """A forecast's JSON with each issue's evidence strength, overall and per stance."""
    from realpolitik.scenario.evidence import issue_evidence

    judged = issue_evidence(sc)
    for item in payload.get("issues", []):
        ev = judged.get(item["id"])
        if ev is not None:
            item["evidence"] = {
                "strength": round(ev.strength, 3),
                "stances": {k: round(v, 3) for k, v in ev.stances.items()},
            }
    return payload
