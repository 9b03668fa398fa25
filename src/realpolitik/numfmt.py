"""Numbers as the summaries, tables and reports write them, and as JSON carries them."""

from __future__ import annotations

import math


def fmt(x: float, signed: bool = False) -> str:
    """A number for people. A position on an issue's scale: whole from 10 up, one decimal
    below (``57``, ``4.5``). ``signed``: a relation or propensity on [-1, 1], with its sign and
    two decimals (``+0.30``, ``-1.00``)."""
    if signed:
        return f"{x:+.2f}"
    return f"{x:.0f}" if abs(x) >= 10 else f"{x:.1f}"


def json_number(x: float) -> float | None:
    """A float for JSON: NaN (not computed) becomes null."""
    return None if math.isnan(x) else float(x)
