"""Tables for every importer: one row reader, one number parser and one collector of problems.

Every table reader (BDM, KTAB CSV and XML, decide, DEU, the signed graphs and landscape
matrices) splits its rows with :func:`table_rows`, reads its numbers through
:meth:`Problems.number` and reports every bad cell of a file at once, as one
:class:`~realpolitik.errors.InputError` naming the file, the line and the column.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import NoReturn

from realpolitik.errors import InputError, Problem, clip
from realpolitik.scenario.limits import MAX_MAGNITUDE

EMPTY = frozenset({""})
"""A cell is missing only when it is empty (after spaces and quotes are stripped)."""

MISSING = frozenset({"", "na", "n/a", "nan", ".", "-"})
"""Cells that common exports (spreadsheets, R, Stata) write for a missing value."""

MAX_PROBLEMS = 20
"""At most this many problems are listed; the rest are counted in one last line."""


def _g(x: float) -> str:
    """A number as a message shows it: 12 digits, no trailing zeros (100.0000001 stays)."""
    return f"{x:.12g}"


class Problems:
    """The problems found in one input file, raised together as one :class:`InputError`."""

    def __init__(self, file: str | Path, limit: int = MAX_PROBLEMS) -> None:
        self.file = str(file)
        self.limit = limit
        self.items: list[Problem] = []
        self.count = 0

    def __bool__(self) -> bool:
        return self.count > 0

    def add(self, where: str, message: str) -> None:
        self.count += 1
        if len(self.items) < self.limit:
            self.items.append(Problem(where, message))

    def error(self) -> InputError:
        items = list(self.items)
        if self.count > len(items):
            items.append(Problem("", f"... and {self.count - len(items)} more problems"))
        return InputError(self.file, items)

    def check(self) -> None:
        """Raise the problems found so far, if any."""
        if self:
            raise self.error()

    def fail(self, where: str, message: str) -> NoReturn:
        """Add a problem that stops the reading, and raise every problem found so far."""
        self.add(where, message)
        raise self.error()

    def number(
        self,
        text: str,
        where: str,
        *,
        lo: float | None = None,
        hi: float | None = None,
        required: bool = True,
        missing: frozenset[str] = EMPTY,
    ) -> float | None:
        """The finite number in a cell, within [lo, hi]; otherwise None and the problem noted.

        Spaces and one layer of quotes are stripped. A cell in ``missing`` (case-insensitive) is
        None, and a problem when ``required``.
        """
        s = text.strip().strip("'\"").strip()
        if s.lower() in missing:
            if required:
                self.add(where, "empty cell, expected a number")
            return None
        try:
            v = float(s)
        except ValueError:
            self.add(where, f"not a number: {clip(s)!r}")
            return None
        if not math.isfinite(v):
            self.add(where, f"not a finite number: {clip(s)!r}")
            return None
        if abs(v) > MAX_MAGNITUDE:
            self.add(where, f"{_g(v)} is too large: numbers are limited to +-{MAX_MAGNITUDE:g} "
                     "(rescale the column)")
            return None
        below, above = lo is not None and v < lo, hi is not None and v > hi
        if below or above:
            if lo is not None and hi is not None:
                self.add(where, f"{_g(v)} lies outside [{_g(lo)}, {_g(hi)}]")
            elif lo is not None:
                self.add(where, f"{_g(v)} is below the minimum {_g(lo)}")
            elif hi is not None:
                self.add(where, f"{_g(v)} is above the maximum {_g(hi)}")
            return None
        return v


def table_rows(
    text: str, file: str | Path, delimiter: str = ",", quotechar: str = '"'
) -> list[tuple[int, list[str]]]:
    """The delimited rows that hold something besides spaces, each with its line number (the
    line where the row ends). Any line ending (LF, CRLF, a lone CR) ends a row; text that the
    csv module cannot split (a field over its size limit) is an :class:`InputError`."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quotechar)
    rows: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            if any(c.strip() for c in row):
                rows.append((reader.line_num, row))
    except csv.Error as err:
        where = f"line {reader.line_num}"
        raise InputError.single(str(file), where, f"cannot read: {err}") from None
    return rows
