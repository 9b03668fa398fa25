"""BDM CSV (``Actor,Capability,Position,Salience``; also ``Stakeholder,Resources,...``).

The spreadsheet layout of Bueno de Mesquita's expected-utility model as used by Scholz, Calbert &
Smith (2011). Saliences given on 0-100 (any value above 1) are divided by 100. The issue's scale
is the range of the starting positions (the model's R).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from realpolitik.errors import InputError
from realpolitik.scenario.importers.common import dataset_source, make_id, number, scenario_id
from realpolitik.scenario.loader import read_text, scenario_from_dict
from realpolitik.scenario.schema import Scenario

_NAME = ("actor", "stakeholder", "name")
_CAP = ("capability", "resources", "power", "influence", "clout")
_POS = ("position",)
_SAL = ("salience",)


def _column(header: list[str], names: tuple[str, ...], file: Path, what: str) -> int:
    low = [h.strip().lower() for h in header]
    for n in names:
        if n in low:
            return low.index(n)
    raise InputError.single(str(file), "header", f"no {what} column (expected one of {names})")


def read(path: Path, fmt: str = "bdm") -> Scenario:
    text = read_text(path, "BDM CSV")
    rows = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
    header = rows[0]
    cols = [
        _column(header, _NAME, path, "actor"),
        _column(header, _CAP, path, "capability"),
        _column(header, _POS, path, "position"),
        _column(header, _SAL, path, "salience"),
    ]
    if len(rows) < 2:
        raise InputError.single(str(path), "line 2", "no actors")
    parsed: list[tuple[str, float, float, float]] = []
    for k, row in enumerate(rows[1:], start=2):
        if len(row) <= max(cols):
            raise InputError.single(str(path), f"line {k}", f"expected {len(header)} columns")
        name = row[cols[0]].strip()
        if not name:
            raise InputError.single(str(path), f"line {k}, {header[cols[0]]}", "empty actor name")
        cap = number(row[cols[1]], path, f"line {k}, {header[cols[1]]}", lo=0)
        pos = number(row[cols[2]], path, f"line {k}, {header[cols[2]]}")
        sal = number(row[cols[3]], path, f"line {k}, {header[cols[3]]}", lo=0, hi=100)
        assert cap is not None and pos is not None and sal is not None
        parsed.append((name, cap, pos, sal))
    sal_div = 100.0 if max(p[3] for p in parsed) > 1 else 1.0
    lo = min(p[2] for p in parsed)
    hi = max(p[2] for p in parsed)
    if hi == lo:
        hi = lo + 1.0
    src = path.name
    taken: set[str] = set()
    actors, stances = [], []
    for name, cap, pos, sal in parsed:
        aid = make_id(name, taken)
        actors.append({"id": aid, "name": name, "capability": {"value": cap, "source": src}})
        stances.append(
            {
                "actor": aid,
                "issue": "issue",
                "position": {"value": pos, "source": src},
                "salience": {"value": sal / sal_div, "source": src},
            }
        )
    data = {
        "scenario": {"id": scenario_id(path), "title": f"{path.stem} (BDM CSV)"},
        "sources": [dataset_source(path, f"BDM input {path.name}")],
        "actors": actors,
        "issues": [{"id": "issue", "title": path.stem, "scale": {"min": lo, "max": hi}}],
        "stances": stances,
    }
    return scenario_from_dict(data, str(path))
