"""Helpers shared by the importers: ids and the standard source entry."""

from __future__ import annotations

import re
from pathlib import Path

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


def dataset_source(path: Path, title: str) -> dict[str, object]:
    return {
        "id": path.name,
        "title": title,
        "kind": "dataset",
        "note": f"imported from {path.name}",
    }
