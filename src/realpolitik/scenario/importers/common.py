"""Helpers shared by the importers: ids, numbers, and the standard source entry."""

from __future__ import annotations

import math
import re
from pathlib import Path

from realpolitik.errors import InputError

_ID = re.compile(r"[^A-Za-z0-9_.\-]+")


def make_id(name: str, taken: set[str]) -> str:
    """A TOML-friendly unique id from a display name ("Costa Rica" -> "Costa_Rica")."""
    base = _ID.sub("_", name.strip()).strip("_") or "actor"
    out, k = base, 2
    while out in taken:
        out, k = f"{base}_{k}", k + 1
    taken.add(out)
    return out


def scenario_id(path: Path) -> str:
    return _ID.sub("-", path.stem).strip("-").lower() or "imported"


def number(
    text: str,
    file: Path,
    where: str,
    *,
    lo: float | None = None,
    hi: float | None = None,
    allow_empty: bool = False,
) -> float | None:
    """Parse one numeric cell, or raise an InputError naming the file and the cell."""
    s = text.strip().strip("'\"").strip()
    if s == "":
        if allow_empty:
            return None
        raise InputError.single(str(file), where, "empty cell, expected a number")
    try:
        v = float(s)
    except ValueError:
        raise InputError.single(str(file), where, f"not a number: {s!r}") from None
    if not math.isfinite(v):
        raise InputError.single(str(file), where, f"not a finite number: {s!r}")
    if lo is not None and v < lo:
        raise InputError.single(str(file), where, f"{v} is below the minimum {lo}")
    if hi is not None and v > hi:
        raise InputError.single(str(file), where, f"{v} is above the maximum {hi}")
    return v


def dataset_source(path: Path, title: str) -> dict[str, object]:
    return {
        "id": path.name,
        "title": title,
        "kind": "dataset",
        "note": f"imported from {path.name}",
    }
