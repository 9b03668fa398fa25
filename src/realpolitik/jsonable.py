"""JSON-safe values: what every JSON output and the run store's JSON columns hold."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any


def jsonable(x: Any) -> Any:
    """``x`` with NaN and infinities as None (JSON has neither), mappings with string keys,
    tuples as lists, NumPy arrays and scalars as plain Python."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, Mapping):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [jsonable(v) for v in x]
    if hasattr(x, "tolist"):
        return jsonable(x.tolist())
    if hasattr(x, "item"):
        return jsonable(x.item())
    return x
