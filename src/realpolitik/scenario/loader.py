"""Read a scenario from TOML, or any supported input format, reporting errors by file and field."""

from __future__ import annotations

import codecs
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from realpolitik.errors import InputError, Problem
from realpolitik.scenario.schema import REFERENCE_ERROR, Scenario

MAX_INPUT_BYTES = 16 * 1024 * 1024
"""Inputs larger than this are refused: model inputs are small, a huge file is a mistake."""


def _require_file(path: str | Path, what: str) -> Path:
    p = Path(path)
    if not p.exists():
        raise InputError.single(str(path), "", f"no such {what} file")
    if p.is_dir():
        raise InputError.single(str(path), "", "is a directory, not a file")
    if not p.is_file():
        raise InputError.single(str(path), "", "not a regular file")
    return p


def _cannot_read(path: str | Path, err: OSError) -> InputError:
    return InputError.single(str(path), "", f"cannot read: {err.strerror or err}")


def read_head(path: str | Path, size: int = 4096, what: str = "input") -> str:
    """The first ``size`` bytes of a user's file as text, to sniff its format without reading
    it whole (undecodable bytes are replaced; ``read_text`` checks the file in full later)."""
    p = _require_file(path, what)
    try:
        with p.open("rb") as f:
            return f.read(size).decode("utf-8-sig", errors="replace")
    except OSError as e:
        raise _cannot_read(path, e) from None


def read_text(path: str | Path, what: str = "input") -> str:
    """Read a user's file as UTF-8 text, refusing missing, empty, binary and huge files."""
    p = _require_file(path, what)
    size = p.stat().st_size
    if size > MAX_INPUT_BYTES:
        raise InputError.single(
            str(path),
            "",
            f"file is {size / 1e6:.1f} MB; the limit is {MAX_INPUT_BYTES / 1e6:.0f} MB",
        )
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise _cannot_read(path, e) from None
    if not raw.removeprefix(codecs.BOM_UTF8).strip():
        raise InputError.single(str(path), "", f"empty {what} file")
    if b"\x00" in raw[:8192]:
        raise InputError.single(str(path), "", "binary data, expected text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError.single(str(path), f"byte {e.start}", "not valid UTF-8 text") from None


def format_loc(loc: tuple[Any, ...]) -> str:
    """('stances', 3, 'salience', 'value') -> 'stances[3].salience.value'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part).startswith(("function-", "union[")):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out


def problems_from_validation(err: ValidationError) -> list[Problem]:
    """One :class:`Problem` per pydantic error; the scenario's reference check carries its
    problems ready-made (``ctx["problems"]``)."""
    problems: list[Problem] = []
    for e in err.errors():
        if e.get("type") == REFERENCE_ERROR:
            problems += e.get("ctx", {}).get("problems", [])
            continue
        msg = str(e.get("msg", "invalid")).removeprefix("Value error, ")
        if e.get("type") == "extra_forbidden":
            msg = "unknown field"
        problems.append(Problem(format_loc(tuple(e.get("loc", ()))), msg))
    return problems


def scenario_from_dict(data: dict[str, Any], file: str) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise InputError(file, problems_from_validation(err)) from None


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
    from realpolitik.scenario.importers import detect_format, import_file

    p = Path(path)
    fmt = fmt or detect_format(p)
    if fmt == "toml":
        return load_scenario(p)
    scenario = import_file(p, fmt)
    scenario._origin = p.resolve()  # errors name the file, not the scenario id
    return scenario
