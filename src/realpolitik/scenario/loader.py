"""Read a scenario from TOML, or any supported input format, reporting errors by file and field."""

from __future__ import annotations

import tomllib
from pathlib import Path

from realpolitik.errors import InputError
from realpolitik.scenario.importers import detect_format, import_file
from realpolitik.scenario.reading import read_text, scenario_from_dict
from realpolitik.scenario.schema import Scenario


def load_scenario(path: str | Path) -> Scenario:
    """Load and structurally validate a TOML scenario (quotes are checked by ``validate``)."""
    text = read_text(path, "scenario")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise InputError.single(str(path), "", f"malformed TOML: {e}") from None
    except RecursionError:  # tomllib parses nested arrays and tables recursively
        raise InputError.single(str(path), "", "malformed TOML: nested too deeply") from None
    scenario = scenario_from_dict(data, str(path))
    scenario._origin = Path(path).resolve()
    return scenario


def load_any(path: str | Path, fmt: str | None = None) -> Scenario:
    """Load a scenario from TOML or from any importable format (BDM, KTAB, decide, DEU);
    ``fmt`` is the format when the caller has already detected it."""
    p = Path(path)
    fmt = fmt or detect_format(p)
    if fmt == "toml":
        return load_scenario(p)
    scenario = import_file(p, fmt)
    scenario._origin = p.resolve()  # errors name the file, not the scenario id
    return scenario
