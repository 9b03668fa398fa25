"""Importers: KTAB CSV/XML, decide CSV, BDM CSV, DEU TSV -> Scenario. Used by every command."""

from __future__ import annotations

import importlib
from pathlib import Path

from realpolitik.errors import InputError
from realpolitik.scenario.reading import read_head, read_text
from realpolitik.scenario.schema import Scenario

FORMATS = ("toml", "bdm", "ktab", "ktab-xml", "decide", "deu")
_MODULES = {"bdm": "bdm", "ktab": "ktab", "ktab-xml": "ktab", "decide": "decide", "deu": "deu"}


def detect_format(path: Path) -> str:
    """Guess an input's format from its name and first lines."""
    suffix = path.suffix.lower()
    if suffix == ".toml":
        return "toml"
    if suffix == ".xml":
        return "ktab-xml"
    head = read_head(path).lstrip()[:2000]
    if not head:  # more than the sniffed bytes are blank: look further (or refuse as empty)
        head = read_text(path).lstrip()[:2000]
    first = head.splitlines()[0] if head else ""
    if head.startswith(("'#A'", "#A", '"#A"')):
        return "decide"
    if suffix == ".tsv" or ("\t" in first and "isnr" in first.lower()):
        return "deu"
    lines = head.splitlines()
    if len(lines) > 1 and lines[1].lower().replace(" ", "").startswith("actor,desc"):
        return "ktab"
    low = first.lower()
    if "position" in low and "salience" in low:
        return "bdm"
    read_text(path)  # a binary or non-UTF-8 file is refused with its own message
    raise InputError.single(
        str(path),
        "",
        "unknown input format: expected a TOML scenario, a BDM/KTAB/decide CSV, "
        "a KTAB XML or a DEU TSV file",
    )


def import_file(path: Path, fmt: str | None = None) -> Scenario:
    """Read any supported non-TOML input into a Scenario."""
    fmt = fmt or detect_format(path)
    if fmt not in _MODULES:
        raise InputError.single(str(path), "", f"no importer for format {fmt!r}")
    module = importlib.import_module(f"realpolitik.scenario.importers.{_MODULES[fmt]}")
    scenario: Scenario = module.read(path, fmt)
    return scenario
