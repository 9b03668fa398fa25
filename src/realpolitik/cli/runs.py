"""``realpolitik runs list|show|export``: the run store (realpolitik.store) from the shell."""

from __future__ import annotations

import csv
import io
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from realpolitik.cli.common import (
    DbOpt,
    JsonOpt,
    app,
    console,
    dialect,
    emit_json,
    handle_errors,
    out,
    output_option,
    write_atomic,
)
from realpolitik.errors import InputError
from realpolitik.files import check_writable
from realpolitik.store import RunStore, export_rows, sqlite_file

runs_app = typer.Typer(
    help="The run store: every forecast, simulate, levers and backtest run, with its results.",
    no_args_is_help=True,
)
app.add_typer(runs_app, name="runs")



CommandOpt = Annotated[
    str | None, typer.Option("--command", metavar="NAME", help="Only runs of this command.")
]


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"
    parquet = "parquet"


@runs_app.command("list", cls=dialect({}))
def list_runs(
    db: DbOpt = None,
    limit: Annotated[
        int,
        typer.Option("--limit", min=1, max=1_000_000, help="Show at most N runs, 1 to 1000000."),
    ] = 50,
    command: CommandOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The runs, newest first: id, command, scenario, status, seconds."""
    with handle_errors():
        runs = RunStore(db).runs(limit=limit, command=command)
        if as_json:
            emit_json({"runs": [r.summary() for r in runs]})
            return
        if not runs:
            out.print("No runs recorded yet.")
            return
        table = Table("id", "command", "scenario", "status", "started (UTC)", "seconds")
        for r in runs:
            summary = r.summary()
            secs = "" if r.seconds is None else f"{r.seconds:.2f}"
            table.add_row(
                r.id,
                r.command,
                Path(r.scenario).name if r.scenario else "-",
                r.status,
                (summary["started_at"] or "")[:19],
                secs,
            )
        out.print(table)


@runs_app.command("show", cls=dialect({}))
def show_run(
    run_id: Annotated[str, typer.Argument(metavar="RUN_ID", help="A run id or a unique prefix.")],
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """One run in full: inputs, versions, status and results."""
    with handle_errors():
        run = RunStore(db).get(run_id)
        if as_json:
            emit_json(run.to_json())
            return
        for key, value in run.summary().items():
            if isinstance(value, dict):
                value = json.dumps(value, sort_keys=True)
            out.print(Text.assemble((key, "bold"), f": {value}"))
        results = json.dumps(run.results, indent=1)
        out.print(
            Text.assemble(
                ("results", "bold"), f": {results[:4000]}", " ..." if len(results) > 4000 else ""
            )
        )


@runs_app.command("export", cls=dialect({}))
def export_runs(
    fmt: Annotated[
        ExportFormat, typer.Option("--format", help="Output format.")
    ] = ExportFormat.csv,
    output: Annotated[
        Path | None, output_option("Output file (stdout when omitted; parquet needs one).")
    ] = None,
    db: DbOpt = None,
    command: CommandOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Every run as a table (csv, parquet) or a JSON list, results included."""
    with handle_errors():
        if output is not None:
            check_writable(output, "the JSON summary" if as_json else None,
                           inputs=[sqlite_file(db)])
        elif fmt is ExportFormat.parquet:
            raise InputError.single("--output", "--format", "parquet is binary: give -o FILE")
        rows = export_rows(RunStore(db).runs(command=command))
        data = _render(rows, fmt)
        if output is None:
            if as_json and fmt is not ExportFormat.json:
                emit_json({"format": fmt.value, "runs": len(rows), "text": data})
            else:
                typer.echo(data if isinstance(data, str) else "", nl=False)
            return
        write_atomic(output, data)
        if as_json:
            emit_json({"output": str(output), "format": fmt.value, "runs": len(rows)})
        else:
            console.print(f"wrote {len(rows)} run(s) to {output}")  # stdout may be the file


def _render(rows: list[dict[str, Any]], fmt: ExportFormat) -> str | bytes:
    columns = list(rows[0]) if rows else ["id", "command", "status"]
    if fmt is ExportFormat.json:
        decoded = [
            {
                k: json.loads(v) if k in ("parameters", "versions", "results") else v
                for k, v in r.items()
            }
            for r in rows
        ]
        return json.dumps(decoded, indent=1) + "\n"
    if fmt is ExportFormat.csv:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return buf.getvalue()
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({c: [r.get(c) for r in rows] for c in columns})
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()
