"""CLI: ``realpolitik backtest`` -- score every bargaining model on real EU outcomes (DEU III)."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from realpolitik.cli.common import (
    STEPS,
    DbOpt,
    JsonOpt,
    SeedOpt,
    command,
    conflict,
    console,
    emit_json,
    names,
    out,
    progress,
    write_atomic,
)
from realpolitik.files import check_writable
from realpolitik.store import RunStore

DEFAULT_REPORT = Path("out") / "backtest" / "report.html"


class Capability(StrEnum):
    """What an actor's capability is in the DEU back-test (docs/accuracy.md)."""

    equal = "equal"
    gdp = "gdp"
    votes = "votes"
    population = "population"


@command("backtest", renamed={"--models": "--model"})
def backtest(
    deu_tsv: Annotated[
        Path,
        typer.Argument(metavar="DEU_TSV", help="DEU III TSV file (header, GDP row, issues)."),
    ],
    models: Annotated[
        list[str] | None,
        typer.Option(
            "--model",
            "-m",
            parser=names,
            metavar="MODEL[,MODEL...]",
            help="Models to score, or all (repeatable or comma-separated; default all).",
        ),
    ] = None,
    capability: Annotated[
        Capability,
        typer.Option("--capability", case_sensitive=False, help="What capability is."),
    ] = Capability.gdp,
    per_issue: Annotated[
        bool, typer.Option("--per-issue", help="Add every issue's forecast and interval.")
    ] = False,
    as_json: JsonOpt = False,
    report: Annotated[
        Path | None,
        typer.Option(
            "--report",
            metavar="PATH",
            help="Write the HTML report here (default out/backtest/report.html).",
        ),
    ] = None,
    no_report: Annotated[bool, typer.Option("--no-report", help="Write no HTML report.")] = False,
    params: Annotated[
        Path | None,
        typer.Option(
            "--params",
            metavar="PATH",
            help="Parameter file (JSON, as --fit writes) to use instead of the shipped one.",
        ),
    ] = None,
    fit: Annotated[
        Path | None,
        typer.Option(
            "--fit",
            metavar="PATH",
            help="Fit the parameters on this file (nested grouped cross-validation, checked "
            "forward in time), write them to PATH and score with them.",
        ),
    ] = None,
    bootstrap: Annotated[
        int,
        typer.Option("--bootstrap", min=100, max=100_000, help="Bootstrap draws, 100 to 100000."),
    ] = 2000,
    seed: SeedOpt = 0,
    db: DbOpt = None,
) -> None:
    """Back-test the bargaining models on real outcomes: MAE and its difference from the
    compromise model with bootstrap intervals, CRPS and log score of each model's predictive
    distribution, 80% interval coverage, breakdown by procedure and voting rule."""
    from realpolitik.analysis.backtest import load_parameters, parse_models, run_backtest
    from realpolitik.analysis.fitting import fit_parameters
    from realpolitik.scenario.importers.deu import warn

    chosen = parse_models(models)
    if report is not None and no_report:
        raise conflict("--report", "--no-report", "write the report to a path, or write none")
    if params is not None and fit is not None:
        raise conflict("--params", "--fit", "--fit fits new parameters; --params reads old ones")
    # refuse unwritable output paths before seconds of work, not after
    if fit is not None:
        check_writable(fit, inputs=[deu_tsv])
    if not no_report:
        check_writable(report or DEFAULT_REPORT, inputs=[deu_tsv, params])
    store = RunStore(db)
    settings = {"models": chosen, "capability": capability.value, "params": str(params or ""),
                "fit": str(fit or ""), "bootstrap": bootstrap}
    with store.recording("backtest", deu_tsv, settings, seed) as rec, progress(*STEPS) as bar:
        param_data = None
        params_label = "shipped (realpolitik/analysis/fitted/deu3.json)"
        if fit is not None:
            bar.add_task(f"Fitting parameters on {deu_tsv.name}", total=None)
            param_data = fit_parameters(deu_tsv)
            write_atomic(fit, json.dumps(param_data, indent=1) + "\n")
            params_label = str(fit)
        elif params is not None:
            param_data = load_parameters(params)
            params_label = str(params)
        task = bar.add_task(f"Back-testing {deu_tsv.name}", total=None)
        result = run_backtest(
            deu_tsv, chosen, capability.value, param_data, params_label, bootstrap, seed,
            progress=lambda k: bar.advance(task, k),
        )
        rec.results = result.to_json(False)
    warn(result.warnings)
    report_path: Path | None = None
    if not no_report:
        from realpolitik.report.backtest import write_report

        report_path = write_report(result, report or DEFAULT_REPORT)
    if as_json:
        emit_json(result.to_json(per_issue))
        if report_path is not None:
            console.print(f"report: {report_path}")
        return
    _print_table(result)
    if per_issue:
        _print_issues(result)
    if report_path is not None:
        out.print(Text.assemble("Report: ", (str(report_path), "bold")))


def _print_table(result: object) -> None:
    from realpolitik.analysis.backtest import BacktestResult

    assert isinstance(result, BacktestResult)
    n_cv = int(result.cross_validated.sum())
    title = (
        f"{Path(result.file).name}: {result.n_issues} issues scored, {result.skipped} skipped; "
        f"capability {result.capability}"
    )
    t = Table(title=title)
    t.add_column("model", no_wrap=True, min_width=11)
    for col in ("MAE (95% CI)", "vs compromise (95% CI)", "CRPS", "log", "<=5", "<=10", "cov80",
                "width"):
        t.add_column(col, justify="right")
    for rec in sorted(result.models.values(), key=lambda r: r.metrics["mae"]):
        m = rec.metrics
        lo, hi = m["mae_ci95"]
        v = m["vs_compromise"]
        dlo, dhi = v["ci95"]
        name = Text(f"{rec.name}*", style="bold") if rec.name == result.selected else rec.name
        t.add_row(
            name, f"{m['mae']:.1f} ({lo:.1f}-{hi:.1f})",
            "-" if rec.name == "compromise" else f"{v['mae_diff']:+.1f} ({dlo:+.1f},{dhi:+.1f})",
            f"{m['crps']:.1f}", f"{m['log_score']:.2f}", f"{100 * m['within5']:.0f}%",
            f"{100 * m['within10']:.0f}%", f"{100 * m['coverage80']:.0f}%",
            f"{m['interval80_width']:.0f}",
        )
    out.print(t)
    groups: list[tuple[str, str]] = []
    for rec in result.models.values():
        for key in ("by_procedure", "by_rule"):
            for g in rec.metrics[key]:
                if (key, g) not in groups:
                    groups.append((key, g))
    b = Table(title="MAE by procedure and Council voting rule (n issues)")
    b.add_column("model")
    first = next(iter(result.models.values())).metrics
    for key, g in groups:
        count = first[key].get(g, {}).get("n", "?")
        b.add_column(f"{g or '(none)'} ({count})", justify="right")
    for rec in sorted(result.models.values(), key=lambda r: r.metrics["mae"]):
        cells = []
        for key, g in groups:
            v = rec.metrics[key].get(g)
            cells.append("-" if v is None else f"{v['mae']:.1f}")
        b.add_row(rec.name, *cells)
    out.print(b)
    out.print(
        f"{n_cv} issues of training proposals scored with cross-validated parameters, "
        f"{result.n_issues - n_cv} with the shipped parameters (no refit). CRPS and log score: "
        "lower is better. * selected model."
    )
    out.print(result.verdict)


def _print_issues(result: object) -> None:
    from realpolitik.analysis.backtest import BacktestResult

    assert isinstance(result, BacktestResult)
    t = Table(title="Forecasts per issue")
    t.add_column("issue")
    t.add_column("proposal")
    t.add_column("outcome", justify="right")
    for m in result.models:
        t.add_column(m, justify="right")
    for k, iid in enumerate(result.issue_id):
        t.add_row(
            str(iid), str(result.proposal[k]), f"{result.outcome[k]:g}",
            *[f"{r.forecast[k]:.1f}" for r in result.models.values()],
        )
    out.print(t)
