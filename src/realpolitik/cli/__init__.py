"""realpolitik command-line interface (typer + rich). Thin: every command calls ``analysis/``.

Each command group lives in its own module and registers itself on :data:`app` when imported.
"""

from __future__ import annotations

from realpolitik.cli import (  # noqa: F401  (registers commands)
    align,
    backtest,
    core,
    exchange,
    ledger,
    levers,
    news,
    runs,
    simulate,
    whatif,
)
from realpolitik.cli.common import app, main

__all__ = ["app", "main"]
