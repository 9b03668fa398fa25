"""Reading a user's input file safely; parsed data -> Scenario with errors named by field.

Shared by the TOML loader and every importer (which the loader dispatches to).
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from realpolitik.errors import InputError, Problem
from realpolitik.files import MAX_READ_BYTES, read_bounded, require_file
from realpolitik.scenario.limits import check_table
from realpolitik.scenario.schema import REFERENCE_ERROR, Scenario

MAX_INPUT_BYTES = MAX_READ_BYTES
"""Inputs larger than this are refused: model inputs are small, a huge file is a mistake."""


def _cannot_read(path: str | Path, err: OSError) -> InputError:
    return InputError.single(str(path), "", f"cannot read: {err.strerror or err}")


def read_head(path: str | Path, size: int = 4096, what: str = "input") -> str:
    """The first ``size`` bytes of a user's file as text, to sniff its format without reading
    it whole (undecodable bytes are replaced; ``read_text`` checks the file in full later)."""
    p = require_file(path, what)
    try:
        with p.open("rb") as f:
            return f.read(size).decode("utf-8-sig", errors="replace")
    except OSError as e:
        raise _cannot_read(path, e) from None


def read_text(path: str | Path, what: str = "input", limit: int = MAX_INPUT_BYTES) -> str:
    """Read a user's file as UTF-8 text, refusing missing, empty, binary and huge files (over
    ``limit`` bytes)."""
    raw = read_bounded(path, what, limit)
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


def _check_sizes(data: dict[str, Any], file: str) -> None:
    """The limits on actors and issues (:mod:`realpolitik.scenario.limits`), before validation
    builds a model of every entry."""
    actors, issues = data.get("actors"), data.get("issues")
    check_table(
        len(actors) if isinstance(actors, list) else 0,
        len(issues) if isinstance(issues, list) else 0,
        file, "actors, issues",
    )  # fmt: skip


def scenario_from_dict(data: dict[str, Any], file: str) -> Scenario:
    """Validate parsed data as a :class:`Scenario`; every problem names ``file`` and its field."""
    _check_sizes(data, file)
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise InputError(file, problems_from_validation(err)) from None
