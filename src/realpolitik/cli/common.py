"""Shared CLI plumbing: the app, error handling (exit 2 for bad input), JSON output."""

from __future__ import annotations

import json
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress, ProgressColumn
from typer.core import TyperOption

from realpolitik.errors import InputError
from realpolitik.files import write_atomic
from realpolitik.jsonable import jsonable

__all__ = [
    "DbOpt",
    "JsonOpt",
    "app",
    "command",
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
        help="Run store URL (SQLAlchemy; default: REALPOLITIK_DB, else a SQLite file in the "
        "user's data folder).",
    ),
]
"""The ``--db`` option of every command that reads or writes the run store."""

app = typer.Typer(
    name="realpolitik",
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


console = Console(stderr=True)
"""Human-readable output goes to stderr-free rich console on stdout unless --json is given."""
out = Console()


def progress(*columns: str | ProgressColumn, disable: bool = False) -> Progress:
    """A transient progress bar on stderr, shown only on a terminal (elsewhere it would leave a
    blank line behind)."""
    return Progress(
        *columns, console=console, transient=True, disable=disable or not console.is_terminal
    )


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
    except Exception as err:  # noqa: BLE001  an internal error must not print a traceback
        if os.environ.get("REALPOLITIK_DEBUG"):
            raise
        sys.stderr.write(
            f"internal error: {type(err).__name__}: {err}\n"
            "(set REALPOLITIK_DEBUG=1 to see the traceback)\n"
        )
        raise SystemExit(1) from None


def command(*args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``@command()`` registers a typer command wrapped in :func:`handle_errors`."""

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
