"""``realpolitik ledger``: seal forecasts, resolve them, verify the chain, keep score."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.table import Table

from realpolitik.analysis.forecast import MODELS
from realpolitik.analysis.headline import HEADLINE_DRAWS, HEADLINE_MODEL, headline
from realpolitik.analysis.scoring import band_brier, band_of, sample_crps, sample_pit
from realpolitik.cli.common import (
    DbOpt,
    ForecastModel,
    JsonOpt,
    ScenarioArg,
    SeedOpt,
    app,
    busy,
    dialect,
    emit_json,
    finite,
    handle_errors,
    model_option,
    out,
    parse_date,
)
from realpolitik.errors import InputError
from realpolitik.ledger import Ledger
from realpolitik.scenario.rules import load_for_models
from realpolitik.store import file_sha256, versions

ledger_app = typer.Typer(
    help="The forecast ledger: seal today's forecast, record what happened, keep score.",
    no_args_is_help=True,
)
app.add_typer(ledger_app, name="ledger")



def _forecast(scenario: Path, issue: str, model: str, draws: int, seed: int) -> dict[str, Any]:
    sc = load_for_models(scenario)
    ids = [i.id for i in sc.issues]
    if issue not in ids:
        raise InputError.single(
            sc.where, "--issue", f"unknown issue {issue!r}; known: {', '.join(ids[:12])}"
        )
    return headline(sc, issue, model, draws, seed).to_json(samples=True)


@ledger_app.command("record", cls=dialect({"--question": "--issue"}))
def record(
    scenario: ScenarioArg,
    question: Annotated[str, typer.Option("--issue", help="The issue the forecast answers.")],
    resolves_by: Annotated[
        str,
        typer.Option(
            "--resolves-by", metavar="DATE", help="When the outcome will be known (YYYY-MM-DD)."
        ),
    ],
    model: Annotated[
        ForecastModel, model_option("The model whose forecast is sealed.")
    ] = ForecastModel(HEADLINE_MODEL),
    draws: Annotated[
        int,
        typer.Option("--draws", min=1, max=10_000, help="Draws of the cited ranges, 1 to 10000."),
    ] = HEADLINE_DRAWS,
    seed: SeedOpt = 0,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Seal today's forecast: scenario hash, code version and the forecast, chained."""
    with handle_errors():
        by = parse_date(resolves_by, "--resolves-by")
        today = dt.datetime.now(dt.UTC).date()
        if by <= today:
            raise InputError.single(
                "--resolves-by",
                "--resolves-by",
                f"{by} is not after today ({today}): a forecast looks ahead",
            )
        model = ForecastModel(model).value
        if model not in MODELS:
            raise InputError.single("--model", "--model", f"{model!r}: one of {', '.join(MODELS)}")
        ledger = Ledger(db)
        with busy(f"ledger record: {draws} draws"):
            fc = _forecast(scenario, question, model, draws, seed)
        entry = ledger.append(
            "forecast",
            {
                "question": question,
                "scenario": str(scenario),
                "scenario_sha256": file_sha256(scenario),
                "versions": versions(),
                "recorded_on": today.isoformat(),
                "resolves_by": by.isoformat(),
                "draws": draws,
                "seed": seed,
                "forecast": fc,
            },
        )
        if as_json:
            emit_json(entry.to_json())
            return
        f = entry.payload["forecast"]
        out.print(
            f"sealed {entry.id}: {question} = {f['value']:.1f} "
            f"(80%: {f['interval80'][0]:.1f}-{f['interval80'][1]:.1f}; status quo "
            f"{f['status_quo']:g}), resolves by {by}"
        )


@ledger_app.command("resolve", cls=dialect({}))
def resolve(
    entry_id: Annotated[
        str, typer.Argument(metavar="ENTRY_ID", help="The sealed forecast's id.")
    ],
    outcome: Annotated[
        float,
        typer.Option("--outcome", parser=finite(), help="What happened, on the question's scale."),
    ],
    on: Annotated[str | None, typer.Option("--on", metavar="DATE", help="Date (today).")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record what happened to a sealed forecast's question."""
    with handle_errors():
        when = parse_date(on, "--on") if on else dt.datetime.now(dt.UTC).date()
        entry = Ledger(db).resolve(entry_id, outcome, when)
        if as_json:
            emit_json(entry.to_json())
        else:
            out.print(f"resolved {entry.payload['forecast']}: outcome {outcome:g} ({entry.id})")


def _score(entry: Any, outcome: float) -> dict[str, Any]:
    f = entry.payload["forecast"]
    lo, hi = f["scale"]
    spec = _bands(f)
    observed = band_of(outcome, spec)
    sq = f["status_quo"]
    sq_bands = band_probabilities_from(spec, sq)
    return {
        "id": entry.id,
        "question": entry.payload["question"],
        "outcome": outcome,
        "value": f["value"],
        "crps": sample_crps(outcome, f["samples"]),
        "brier": band_brier(f["bands"], observed) if f["bands"] else None,
        "pit": sample_pit(outcome, f["samples"]),
        "in_interval80": bool(f["interval80"][0] <= outcome <= f["interval80"][1]),
        "status_quo": {
            "crps": abs(outcome - sq),
            "brier": band_brier(sq_bands, observed) if f["bands"] else None,
        },
        "scale_width": hi - lo,
    }


def _bands(f: dict[str, Any]) -> list[tuple[str, float, float]]:
    """The band edges of a sealed forecast, rebuilt from its labels' order on the scale."""
    return [(b["label"], b["low"], b["high"]) for b in f.get("band_edges", [])]


def band_probabilities_from(spec: list[tuple[str, float, float]], x: float) -> dict[str, float]:
    hit = band_of(x, spec)
    return {label: 1.0 if label == hit else 0.0 for label, _, _ in spec}


@ledger_app.command("score", cls=dialect({}))
def score(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """CRPS, Brier on the labelled bands and calibration of every resolved forecast, beside a
    forecaster who always says 'the status quo holds'."""
    with handle_errors():
        ledger = Ledger(db)
        res = ledger.resolutions()
        rows = [
            _score(e, res[e.id].payload["outcome"])
            for e in ledger.entries()
            if e.kind == "forecast" and e.id in res
        ]
        summary = _summary(rows)
        if as_json:
            emit_json({"resolved": len(rows), "summary": summary, "forecasts": rows})
            return
        if not rows:
            out.print("No resolved forecasts yet: `realpolitik ledger resolve ID --outcome X`.")
            return
        t = Table("", "forecasts", "status quo")
        t.add_row("mean CRPS", f"{summary['crps']:.2f}", f"{summary['status_quo_crps']:.2f}")
        if summary["brier"] is not None:
            t.add_row(
                "mean Brier (bands)",
                f"{summary['brier']:.3f}",
                f"{summary['status_quo_brier']:.3f}",
            )
        t.add_row("80% interval coverage", f"{summary['coverage80']:.0%}", "-")
        out.print(t)
        out.print(
            f"{len(rows)} resolved forecast(s); PIT histogram (5 bins): {summary['pit_hist']}"
        )


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    if not rows:
        return {
            "crps": None,
            "status_quo_crps": None,
            "brier": None,
            "status_quo_brier": None,
            "coverage80": None,
            "pit_hist": [0] * 5,
        }
    briers = [r["brier"] for r in rows if r["brier"] is not None]
    sq_briers = [r["status_quo"]["brier"] for r in rows if r["status_quo"]["brier"] is not None]
    pits = np.array([r["pit"] for r in rows])
    return {
        "crps": float(np.mean([r["crps"] for r in rows])),
        "status_quo_crps": float(np.mean([r["status_quo"]["crps"] for r in rows])),
        "brier": float(np.mean(briers)) if briers else None,
        "status_quo_brier": float(np.mean(sq_briers)) if sq_briers else None,
        "coverage80": float(np.mean([r["in_interval80"] for r in rows])),
        "pit_hist": np.histogram(pits, bins=5, range=(0, 1))[0].tolist(),
    }


@ledger_app.command("verify", cls=dialect({}))
def verify(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Re-compute every seal; re-run each forecast whose scenario file and code version are
    unchanged and check that it reproduces. Exit 2 when anything fails."""
    with handle_errors():
        ledger = Ledger(db)
        problems = ledger.verify()
        reproduced, unchecked = 0, 0
        current = versions()
        for e in ledger.entries():
            p = e.payload
            if e.kind != "forecast":
                continue
            if file_sha256(p["scenario"]) != p["scenario_sha256"] or p["versions"] != current:
                unchecked += 1
                continue
            with busy(f"ledger verify: {e.id}"):
                again = _forecast(Path(p["scenario"]), p["question"], p["forecast"]["model"],
                                  p["draws"], p["seed"])
            if _json_round(again) != p["forecast"]:
                problems.append(f"entry {e.id}: the forecast does not reproduce")
            else:
                reproduced += 1
        report = {
            "entries": len(ledger.entries()),
            "valid": not problems,
            "reproduced": reproduced,
            "not_rerun": unchecked,
            "problems": problems,
        }
        if as_json:
            emit_json(report)
        else:
            for msg in problems:
                out.print(msg, style="red")
            out.print(
                f"{report['entries']} entries; chain {'intact' if not problems else 'BROKEN'}"
                f"; {reproduced} forecast(s) re-run and reproduced, {unchecked} not re-run "
                "(scenario or code changed since)"
            )
        if problems:
            raise SystemExit(2)


def _json_round(x: Any) -> Any:
    """``x`` as it comes back from the ledger's JSON column (tuples as lists, and so on)."""
    return json.loads(json.dumps(x))


@ledger_app.command("list", cls=dialect({}))
def list_entries(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Every entry, oldest first."""
    with handle_errors():
        entries = Ledger(db).entries()
        if as_json:
            emit_json({"entries": [e.to_json() for e in entries]})
            return
        t = Table("id", "kind", "question / forecast", "value / outcome", "recorded")
        for e in entries:
            p = e.payload
            if e.kind == "forecast":
                t.add_row(
                    e.id, e.kind, p["question"], f"{p['forecast']['value']:.1f}", p["recorded_on"]
                )
            else:
                t.add_row(e.id, e.kind, p["forecast"], f"{p['outcome']:g}", p["resolved_on"])
        out.print(t)
