"""Shared CLI plumbing: the app, error handling (exit 2 for bad input), JSON output."""

from __future__ import annotations

import datetime as dt
import inspect
import json
import math
import os
import re
import sys
import textwrap
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, ClassVar, NoReturn

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Column, Table
from rich.text import Text
from typer.core import TyperCommand, TyperOption

from realpolitik.analysis.forecast import MODELS as FORECAST_MODELS
from realpolitik.errors import InputError, clip
from realpolitik.files import write_atomic
from realpolitik.jsonable import jsonable
from realpolitik.scenario.limits import FIRST_YEAR, LAST_YEAR

__all__ = [
    "STEPS",
    "DbOpt",
    "JsonOpt",
    "ScenarioArg",
    "SeedOpt",
    "WorkersOpt",
    "app",
    "busy",
    "command",
    "conflict",
    "dialect",
    "finite",
    "model_option",
    "output_option",
    "console",
    "emit_json",
    "handle_errors",
    "main",
    "out",
    "write_atomic",
]

# Help screens: an on/off flag takes no value, so show no "<bool>" type for it.
_type_rich = TyperOption.display_type_rich
TyperOption.display_type_rich = lambda self, ctx: None if self.is_flag else _type_rich(self, ctx)  # type: ignore[method-assign]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON only, on stdout.")]
"""The ``--json`` flag every command takes: then JSON, and only JSON, goes to stdout."""

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        metavar="URL",
        help="Run store URL (SQLAlchemy; default: REALPOLITIK_DB, else a SQLite file in the "
        "user's data folder).",
    ),
]
"""The ``--db`` option of every command that reads or writes the run store."""

HELP_OPTIONS = {"help_option_names": ["-h", "--help"]}
"""``-h`` and ``--help`` on every command (sub-commands inherit the root's context settings)."""

app = typer.Typer(
    name="realpolitik",
    context_settings=HELP_OPTIONS,
    help="Model power politics between states: cited scenarios, bargaining forecasts, "
    "issue linkage and alignments, scored against real outcomes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from realpolitik import __version__

        print(f"realpolitik {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    # Options before the command (--version); the help text is the app's ``help`` above.
    return None


BROKEN_PIPE = 141
"""Exit status when the reader of stdout went away (``| head``): 128 + SIGPIPE, what a shell
reports for a program the signal stopped; neither bad input (2) nor an internal error (1)."""


def _stop_on_broken_pipe() -> NoReturn:
    """The reader of stdout is gone: nothing more can be said there; stop quietly."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's last flush does not fail
    raise SystemExit(BROKEN_PIPE)


class _Console(Console):
    def on_broken_pipe(self) -> None:
        self.quiet = True
        if not self.stderr:  # stderr gone: go on quietly, stdout may still be read
            _stop_on_broken_pipe()


console = _Console(stderr=True, markup=False, highlight=False)
"""Progress bars and warnings, on stderr."""
out = _Console(markup=False, highlight=False)
"""Human-readable output on stdout (unless --json is given). Neither console reads rich markup:
strings are printed as they are, since many hold user text (titles, names, quotes, paths) whose
brackets must not be taken for styles; style with ``style=`` or :class:`rich.text.Text`."""


def progress(*columns: str | ProgressColumn, disable: bool = False) -> Progress:
    """A transient progress bar on stderr, shown only on a terminal (elsewhere it would leave a
    blank line behind)."""
    return Progress(
        *columns, console=console, transient=True, disable=disable or not console.is_terminal
    )


def parse_date(text: str, option: str) -> dt.date:
    """A calendar date written YYYY-MM-DD, from FIRST_YEAR to LAST_YEAR; anything else (week
    dates, "20210301", 30 February) is a usage error naming the option."""
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text.strip())
    try:
        if m is None:
            raise ValueError
        date = dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise InputError.single(option, "", f"{clip(text)!r} is not a date (YYYY-MM-DD)") from None
    if not FIRST_YEAR <= date.year <= LAST_YEAR:
        raise InputError.single(
            option, "", f"{clip(text)}: give a date from {FIRST_YEAR} to {LAST_YEAR}"
        )
    return date


TEXT_MIN = 40
"""Columns the long text of :func:`print_quoted` needs before it is drawn in a table."""


def print_quoted(
    title: str, short: tuple[str, ...], text: str, rows: list[list[str | Text]]
) -> None:
    """Rows of short fields and one long text (a quote, a sentence): a table when the terminal
    holds every short field whole and leaves the text at least :data:`TEXT_MIN` columns;
    otherwise (a narrow terminal, or a pipe, which rich reads as 80 columns) a list, the short
    fields on one line and the text indented under them. Neither cuts a field nor squeezes the
    text into a sliver. A ``str`` cell is plain text (never rich markup: quotes may hold
    brackets)."""
    cells = [[Text(c) if isinstance(c, str) else c for c in r] for r in rows]
    for r in cells:  # a verbatim quote may hold line breaks: shown on one logical line
        r[-1] = Text(" ".join(r[-1].plain.split()), style=r[-1].style)
    widths = [max([len(h), *(r[k].cell_len for r in cells)]) for k, h in enumerate(short)]
    frame = 3 * (len(short) + 1) + 1  # a border and one space of padding each side per column
    if sum(widths) + frame + TEXT_MIN <= out.width:
        columns = [Column(h, no_wrap=True, overflow="ellipsis") for h in short]
        columns.append(Column(text, ratio=1, overflow="fold"))
        t = Table(*columns, title=title, title_justify="left")
        for r in cells:
            t.add_row(*r)
        out.print(t)
        return
    out.print(Text(f"{title} ({', '.join(h for h in short if h)}; {text})", style="bold"))
    for *fields, body in cells:
        out.print(Text("  ").join(f for f in fields if f.plain))
        out.print(
            textwrap.fill(body.plain, max(out.width - 4, 20), initial_indent="    ",
                          subsequent_indent="    "),
            soft_wrap=True,
        )  # fmt: skip


STEPS = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
"""Progress columns for a loop of counted steps: what, a bar, done/total and the time so far
(a long single step still shows the clock moving)."""


@contextmanager
def busy(what: str) -> Iterator[None]:
    """One long step without a count: its name and the clock, on stderr (see :func:`progress`)."""
    with progress(*STEPS) as bar:
        bar.add_task(what, total=None)
        yield


def emit_json(payload: Any) -> None:
    """Print JSON, and only JSON, on stdout."""
    sys.stdout.write(json.dumps(jsonable(payload), indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def fail_input(err: InputError) -> None:
    sys.stderr.write(f"error: {err}\n")
    raise SystemExit(2)


@contextmanager
def handle_errors() -> Iterator[None]:
    """Bad input: message on stderr and exit 2. Anything else: short message and exit 1."""
    try:
        with warnings.catch_warnings():
            if not os.environ.get("REALPOLITIK_DEBUG"):  # numpy's overflow warnings: outputs
                warnings.simplefilter("ignore", RuntimeWarning)  # are checked (no inf/nan)
            yield
    except InputError as err:
        fail_input(err)
    except (SystemExit, KeyboardInterrupt, typer.Exit, typer.Abort):
        raise
    except BrokenPipeError:
        _stop_on_broken_pipe()
    except Exception as err:  # noqa: BLE001  an internal error must not print a traceback
        if os.environ.get("REALPOLITIK_DEBUG"):
            raise
        sys.stderr.write(
            f"internal error: {type(err).__name__}: {err}\n"
            "(set REALPOLITIK_DEBUG=1 to see the traceback)\n"
        )
        raise SystemExit(1) from None


def command(
    *args: Any, renamed: dict[str, str | tuple[str, int]] | None = None, **kwargs: Any
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``@command()`` registers a typer command wrapped in :func:`handle_errors`; ``renamed``
    maps old option spellings to new ones (see :func:`dialect`)."""
    kwargs.setdefault("cls", dialect(renamed or {}))

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        import functools

        @functools.wraps(fn)
        def wrapped(*a: Any, **k: Any) -> Any:
            with handle_errors():
                return fn(*a, **k)

        app.command(*args, **kwargs)(wrapped)
        return fn

    return deco


def main() -> None:
    """Entry point of the ``realpolitik`` script."""
    app()


# --------------------------------------------------------------------------- one dialect
# The CLI contract (docs/design.md): one name for one thing across commands. Old spellings keep
# working for one release through :func:`dialect`, hidden from the help, with a note on stderr.


class DialectCommand(TyperCommand):
    """A command that accepts its old option spellings (``renamed``), rewritten before parsing."""

    renamed: ClassVar[dict[str, str | tuple[str, int]]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # A docstring's paragraphs as whole lines, so no help screen breaks a sentence where
        # the source file happened to wrap it.
        if kwargs.get("help"):
            paragraphs = inspect.cleandoc(kwargs["help"]).split("\n\n")
            kwargs["help"] = "\n\n".join(" ".join(p.split()) for p in paragraphs)
        super().__init__(*args, **kwargs)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, modernise(list(args), self.renamed))


def dialect(renamed: dict[str, str | tuple[str, int]]) -> type[DialectCommand]:
    """A command class taking ``renamed`` old spellings: ``{"--old": "--new"}`` (a flag, or an
    option with one value, also ``--old=V``), or ``{"--old": ("--new", n)}`` for an old option
    that took ``n`` values, now one comma-separated value (``--tipping A B`` -> ``--pair A,B``)."""
    return type("DialectCommand", (DialectCommand,), {"renamed": dict(renamed)})


def modernise(args: list[str], renamed: dict[str, str | tuple[str, int]]) -> list[str]:
    """``args`` with every old spelling in ``renamed`` replaced by the new one, and a deprecation
    note on stderr for each. Nothing after ``--`` is touched."""
    out: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            out.extend(args[i:])
            break
        name, eq, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        new = renamed.get(name)
        if new is None:
            out.append(arg)
            i += 1
            continue
        new_name, n = (new, 1) if isinstance(new, str) else new
        sys.stderr.write(
            f"warning: {name} is deprecated and goes in the next release; use {new_name}\n"
        )
        if n <= 1 or eq or "," in "".join(args[i + 1 : i + 2]):
            out.append(new_name + eq + value)
            i += 1
        else:
            out.extend([new_name, ",".join(args[i + 1 : i + 1 + n])])
            i += 1 + n
    return out


def conflict(first: str, second: str, why: str) -> InputError:
    """Two options that cannot go together: bad input naming both (raise the result)."""
    return InputError.single(f"{first} and {second}", "", f"cannot be combined: {why}")


def finite(
    low: float | None = None, high: float | None = None, *, above: bool = False
) -> Callable[[str], float]:
    """A parser for a float option: finite, and within [low, high] (``above``: strictly greater
    than ``low``). NaN and infinities are bad input (exit 2) like any other wrong number."""

    def parse(text: str) -> float:
        try:
            x = float(text)
        except ValueError:
            raise typer.BadParameter(f"{text!r} is not a number") from None
        if not math.isfinite(x):
            raise typer.BadParameter(f"{text!r}: give a finite number")
        if low is not None and (x <= low if above else x < low):
            raise typer.BadParameter(f"{text}: give a number {'>' if above else '>='} {low:g}")
        if high is not None and x > high:
            raise typer.BadParameter(f"{text}: give a number <= {high:g}")
        return x

    return parse


class Pair(tuple[str, str]):
    """Two different actor ids, written ``A,B`` (the one spelling of an actor pair)."""


def actor_pair(text: str) -> Pair:
    """Parse ``A,B``: two non-empty, different ids."""
    ids = [a.strip() for a in text.split(",")]
    if len(ids) != 2 or not all(ids):
        raise typer.BadParameter(f"{text!r}: give two actor ids as A,B")
    if ids[0] == ids[1]:
        raise typer.BadParameter(f"{text!r} names {ids[0]} twice: give two different actors")
    return Pair((ids[0], ids[1]))


def names(text: str) -> str:
    """A list option's value (``a,b`` or repeated): refuse an empty one, which would otherwise
    silently mean "all" or "none"."""
    if not text.strip(" ,"):
        raise typer.BadParameter("empty value: name at least one (or leave the option out)")
    return text


SEED_MAX = 2**32 - 1
"""Seeds are 0 .. 2^32-1 on every command."""

MAX_WORKERS = 256
"""Worker processes at most, on every command that has ``--workers``."""

ScenarioArg = Annotated[
    Path,
    typer.Argument(
        metavar="SCENARIO",
        help="Scenario TOML, or a KTAB, decide, BDM or DEU file read as one.",
        show_default=False,
    ),
]
"""The positional input of every command that reads a scenario."""

SeedOpt = Annotated[
    int,
    typer.Option(
        "--seed",
        min=0,
        max=SEED_MAX,
        help="Seed of the random numbers (0 to 4294967295): the same seed, the same numbers.",
    ),
]
"""``--seed S`` wherever there is randomness."""

WorkersOpt = Annotated[
    int, typer.Option("--workers", min=1, max=MAX_WORKERS, help="Worker processes (1 to 256).")
]
"""``--workers W`` wherever runs can go to a process pool."""


ForecastModel = StrEnum("ForecastModel", {m: m for m in FORECAST_MODELS})  # type: ignore[misc]
"""The choice of one bargaining model (``-m/--model`` where a command takes exactly one)."""


def model_option(help: str) -> Any:
    """``-m/--model M``: one bargaining model, a choice."""
    return typer.Option("--model", "-m", help=help)


def output_option(help: str) -> Any:
    """``-o/--output PATH``: where a command writes its product (a file, or demo's folder)."""
    return typer.Option("-o", "--output", metavar="PATH", help=help)
