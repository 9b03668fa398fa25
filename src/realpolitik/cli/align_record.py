"""CLI: ``realpolitik align --backtest FROM:TO [--horizon H]``, the alignment record. Thin: the
work is in analysis/alignment_record."""

from __future__ import annotations

import re

from rich import box
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from realpolitik.analysis.alignment_record import AlignmentRecord, cow_record
from realpolitik.cli.common import emit_json, out, progress
from realpolitik.errors import InputError

_SPAN = re.compile(r"\s*(\d{4})\s*:\s*(\d{4})\s*")


def parse_span(text: str) -> tuple[int, int]:
    """``"1950:2010"`` -> (1950, 2010); anything else is bad input naming ``--backtest``."""
    m = _SPAN.fullmatch(text)
    if m is None:
        raise InputError.single("align", "--backtest", f"{text!r}: give FROM:TO, two years "
                                "(e.g. 1950:2010)")
    return int(m.group(1)), int(m.group(2))


def run_backtest(span: str, horizon: int, json_out: bool) -> None:
    """Score the alignment models on ``span`` and print the JSON or a table."""
    start, end = parse_span(span)
    with progress(TextColumn("align --backtest"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn()) as bar:
        task = bar.add_task("years", total=end - start + 1)

        def tick(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        record = cow_record(start, end, horizon, on_year=tick)
    if json_out:
        emit_json(record.to_json())
        return
    print_record(record)


def print_record(record: AlignmentRecord) -> None:
    n = record.models[0].n
    out.print(Text.assemble((f"Alignment record {record.start}-{record.end}", "bold"),
                            f": {n} pair-years, outcome over the next {record.horizon} years"))
    out.print(f"  states: {record.states['rule']}", style="dim")
    out.print("  together = in one ATOP 5.1 defence-pact bloc in most of the window", style="dim")
    t = Table(title="Same side or not (Brier: lower is better)", box=box.SIMPLE_HEAD,
              pad_edge=False, collapse_padding=True, show_edge=False)
    for col in ("model", "acc.", "Brier", "chg\nacc.", "chg\nBrier", "Brier -\npers.",
                "95% CI"):
        t.add_column(col, justify="left" if col == "model" else "right", no_wrap=True)
    for m in record.models:
        vs = ["", ""] if m.name == "persistence" else [
            f"{m.brier_diff:+.3f}", f"{m.ci95[0]:+.3f}..{m.ci95[1]:+.3f}"]
        t.add_row(m.name, f"{m.accuracy:.3f}", f"{m.brier:.3f}", f"{m.changed_accuracy:.3f}",
                  f"{m.changed_brier:.3f}", *vs)
    out.print(t)
    out.print("Where a model takes the other side from persistence, it is right: " + ", ".join(
        f"{m.name} {m.disagree_right:.0%} of {m.disagree_n}" for m in record.models
        if m.disagree_n) + ".")
    for m in record.models:
        if m.vs_transition is not None:
            d, (lo, hi) = m.vs_transition
            out.print(f"{m.name} - transition (what {m.name.split('+')[1]} adds to the "
                      f"transition rates): Brier {d:+.4f} [95% CI {lo:+.4f}, {hi:+.4f}].")
    changed = record.models[0].changed_n
    by_year: dict[int, int] = {}
    for c in record.changes:
        by_year[c["year"]] = by_year.get(c["year"], 0) + 1
    if by_year:
        out.print("Changes by year: " + ", ".join(f"{y} ({n})" for y, n in by_year.items())
                  + " (each listed in the JSON).")
    better = [m.name for m in record.models if m.name != "persistence" and m.ci95[1] < 0]
    out.print(f"{changed} pair-years changed side (chg: scores on those). " + (
        f"Better than persistence (95% CI below 0): {', '.join(better)}." if better else
        "No model beats persistence (\"nothing changes\") on the Brier score."))
