"""``realpolitik ingest``: articles read offline into dated events and stance claims."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from realpolitik.cli.common import (
    JsonOpt,
    command,
    console,
    emit_json,
    out,
    output_option,
    parse_date,
    print_quoted,
    progress,
)
from realpolitik.errors import InputError
from realpolitik.files import check_writable, write_atomic
from realpolitik.news.ingest import ingest as run_ingest
from realpolitik.news.suggest import apply as apply_suggestions
from realpolitik.news.suggest import suggest as suggest_updates
from realpolitik.scenario.loader import load_any
from realpolitik.scenario.writer import to_toml

MAX_FILES = 10_000
SHORT_PENTA = {
    0: "statement",
    1: "verbal coop.",
    2: "material coop.",
    3: "verbal confl.",
    4: "material confl.",
}
"""The penta classes (:data:`realpolitik.news.events.PENTA`) short enough for a table column."""


@command("ingest")
def ingest(
    files: Annotated[
        list[Path],
        typer.Argument(metavar="ARTICLES", help="Article files: .txt, .md or .html."),
    ],
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="DATE",
            help="Date of articles that state none (default: the scenario's as_of).",
        ),
    ] = None,
    scenario: Annotated[
        Path | None,
        typer.Option(
            "--scenario", metavar="SCENARIO", help="Find stance claims on this scenario's issues."
        ),
    ] = None,
    suggest: Annotated[
        Path | None,
        typer.Option(
            "--suggest",
            metavar="SCENARIO",
            help="Suggest relation and position updates for this scenario.",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        output_option("With --suggest: write the updated scenario to this new TOML file."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Events (who did what to whom: CAMEO penta class, PLOVER type, Goldstein score, date) and,
    with --scenario, stance claims, each with its verbatim quote. A file that cannot be read is
    named on stderr and the others are still processed (exit 2 at the end)."""
    if len(files) > MAX_FILES:
        raise InputError.single("ARTICLES", "", f"{len(files)} files; the limit is {MAX_FILES}")
    date = None if as_of is None else parse_date(as_of, "--as-of")
    if suggest is not None and scenario is not None and suggest.resolve() != scenario.resolve():
        raise InputError.single(
            "--suggest", "--scenario", "give one scenario: --suggest reads claims on its own issues"
        )
    if output is not None:
        if suggest is None:
            raise InputError.single("--output", "--output", "--output needs --suggest SCENARIO")
        check_writable(output, inputs=[suggest, *files])
    scenario = suggest or scenario
    sc = load_any(scenario) if scenario is not None else None
    if date is None and sc is not None:
        date = sc.scenario.as_of  # undated articles are read as of the scenario's date
    with progress() as bar:
        task = bar.add_task("reading", total=len(files))
        res = run_ingest(files, date, sc, progress=lambda: bar.advance(task))
    for err in res.errors:
        sys.stderr.write(f"error: {err}\n")
    payload = res.to_json()
    if suggest is not None and sc is not None:
        found = suggest_updates(sc, res)
        payload["suggestions"] = [x.to_json() for x in found]
        if output is not None:
            updated = apply_suggestions(sc, found, res, output)
            write_atomic(output, to_toml(updated))
            payload["output"] = str(output)
    if as_json:
        emit_json(payload)
    else:
        _tables(payload)
    if res.errors:
        raise SystemExit(2)


def _tables(data: dict) -> None:  # type: ignore[type-arg]
    out.print(
        f"{len(data['documents'])} document(s), {len(data['events'])} event(s), "
        f"{len(data['claims'])} claim(s)"
    )
    if data["events"]:
        print_quoted(
            "events",
            ("date", "source", "target", "class", "PLOVER", "score"),
            "quote",
            [
                [
                    e["date"] or "-",
                    e["source"],
                    e["target"],
                    SHORT_PENTA[e["penta"]],
                    e["plover"] or "-",
                    f"{e['score']:+.1f}" if e["score"] is not None else "-",
                    e["quote"],
                ]
                for e in data["events"]
            ],
        )
    if data.get("suggestions"):
        rows: list[list[str | Text]] = []
        for x in data["suggestions"]:
            lo, hi = x["range"]
            ci = x["interval"]
            rows.append([
                Text("contradicts", style="red") if x["contradicts"]
                else Text("outside", style="yellow") if x["outside"] else "",
                x["path"],
                "new" if x["current"] is None else f"{x['current']:g}",
                "-" if lo is None else f"{lo:g}..{hi:g}",
                f"{x['suggested']:g}",
                "too few" if ci is None else f"{ci[0]:.3g}..{ci[1]:.3g}",
                f"{len(x['evidence'])}: {x['evidence'][0]['quote']}",
            ])  # fmt: skip
        print_quoted(
            "suggested updates (review before use; contradicts: the 90% interval misses the "
            "cited range; outside: only the number does)",
            ("", "input", "now", "cited range", "suggested", "90% interval"),
            "evidence (count: first quote)",
            rows,
        )
    if data.get("output"):
        out.print(f"wrote {data['output']} (the input scenario is unchanged)")
    if data["claims"]:
        print_quoted(
            "stance claims",
            ("date", "actor", "issue", "position", "kind"),
            "quote",
            [
                [
                    c["date"] or "-",
                    c["actor"],
                    c["issue"],
                    "-" if c["position"] is None else f"{c['position']:g}",
                    c["kind"],
                    c["quote"],
                ]
                for c in data["claims"]
            ],
        )


@command("classify")
def classify(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="SENTENCES", help="Text file: one sentence per line, optionally <TAB>label 0-4."
        ),
    ],
    as_json: JsonOpt = False,
) -> None:
    """The CAMEO penta class of each sentence (0 statement/appeal .. 4 material conflict); with
    a label on every line, also accuracy, macro-F1 and the confusion matrix."""
    from realpolitik.news.classify import load_model, metrics, read_sentences

    texts, given = read_sentences(file)
    labelled = sum(x is not None for x in given)
    labels = [int(x) for x in given if x is not None] if labelled == len(given) else None
    if 0 < labelled < len(given):
        console.print(
            f"warning: {file}: {labelled} of {len(given)} lines have a label; metrics need one "
            "on every line, so none are computed", style="yellow", soft_wrap=True
        )
    predictions = load_model().predict(texts)
    payload: dict[str, object] = {"predictions": predictions.tolist()}
    if labels is not None:
        import numpy as np

        payload["metrics"] = metrics(np.array(labels, dtype=np.int64), predictions)
    if as_json:
        emit_json(payload)
        return
    print_quoted(
        "event classes",
        ("#", "class", *(["label"] if labels is not None else [])),
        "sentence",
        [
            [str(i), f"{p} {SHORT_PENTA[int(p)]}",
             *([f"{labels[i - 1]}" + ("" if labels[i - 1] == p else " x")] if labels else []),
             text]
            for i, (text, p) in enumerate(zip(texts, predictions, strict=True), start=1)
        ],
    )  # fmt: skip
    if labels is not None:
        m = payload["metrics"]
        assert isinstance(m, dict)
        out.print(f"accuracy {m['accuracy']:.3f}, macro-F1 {m['macro_f1']:.3f} (x: a wrong class)")
        t = Table("label \\ predicted", *(str(k) for k in range(5)), title="confusion matrix",
                  title_justify="left")
        for k, row in enumerate(m["confusion"]):
            t.add_row(f"{k} {SHORT_PENTA[k]}", *(str(v) for v in row))
        out.print(t)
