"""BDM CSV (``Actor,Capability,Position,Salience``; also ``Stakeholder,Resources,...``).

The spreadsheet layout of Bueno de Mesquita's expected-utility model as used by Scholz, Calbert &
Smith (2011). Saliences given on 0-100 (any value above 1) are divided by 100. The issue's scale
is the range of the starting positions (the model's R).
"""

from __future__ import annotations

from pathlib import Path

from realpolitik.errors import clip
from realpolitik.scenario.cells import Problems, table_rows
from realpolitik.scenario.importers.common import dataset_source, make_id, scenario_id
from realpolitik.scenario.limits import MAX_MAGNITUDE, check_count
from realpolitik.scenario.reading import read_text, scenario_from_dict
from realpolitik.scenario.schema import Scenario

_NAME = ("actor", "stakeholder", "name")
_CAP = ("capability", "resources", "power", "influence", "clout")
_POS = ("position",)
_SAL = ("salience",)


def _column(header: list[str], names: tuple[str, ...], what: str, problems: Problems) -> int:
    low = [h.strip().lower() for h in header]
    for n in names:
        if n in low:
            return low.index(n)
    problems.add("header", f"no {what} column (expected one of {names})")
    return -1


def read(path: Path, fmt: str = "bdm") -> Scenario:
    """Read a BDM CSV; every bad row (short or long rows, bad numbers, an actor listed twice, an
    issue nobody weighs) is reported at once, naming the file, the line and the column."""
    text = read_text(path, "BDM CSV")
    rows = table_rows(text, path)
    problems = Problems(path)
    if not rows:
        problems.fail("line 1", "no header")
    header = rows[0][1]
    cols = [
        _column(header, _NAME, "actor", problems),
        _column(header, _CAP, "capability", problems),
        _column(header, _POS, "position", problems),
        _column(header, _SAL, "salience", problems),
    ]
    problems.check()
    if len(rows) < 2:
        problems.fail("line 2", "no actors")
    check_count("actors", len(rows) - 1, str(path), "actors")
    names = [header[c].strip() for c in cols]
    seen: dict[str, int] = {}
    parsed: list[tuple[str, float, float, float]] = []
    for k, row in rows[1:]:
        if len(row) <= max(cols):
            problems.add(f"line {k}", f"expected {len(header)} columns, got {len(row)}")
            continue
        extra = [j for j in range(len(header), len(row)) if row[j].strip()]
        if extra:
            j = extra[0]
            problems.add(
                f"line {k}, column {j + 1}",
                f"unexpected cell {clip(row[j].strip())!r}: the header has {len(header)} columns",
            )
        name = row[cols[0]].strip()
        if not name:
            problems.add(f"line {k}, {names[0]}", "empty actor name")
        elif name.casefold() in seen:
            problems.add(
                f"line {k}, {names[0]}",
                f"actor {name!r} is listed twice (first on line {seen[name.casefold()]})",
            )
        else:
            seen[name.casefold()] = k
        cap = problems.number(row[cols[1]], f"line {k}, {names[1]}", lo=0)
        pos = problems.number(row[cols[2]], f"line {k}, {names[2]}")
        sal = problems.number(row[cols[3]], f"line {k}, {names[3]}", lo=0, hi=100)
        if cap is not None and pos is not None and sal is not None:
            parsed.append((name, cap, pos, sal))
    if not problems and not any(cap * sal > 0 for _, cap, _, sal in parsed):
        if not any(p[1] for p in parsed):
            field, what = names[1], f"every {names[1]} is 0"
        elif not any(p[3] for p in parsed):
            field, what = names[3], f"every {names[3]} is 0"
        else:
            field = f"{names[1]}, {names[3]}"
            what = f"every actor has {names[1]} 0 or {names[3]} 0"
        problems.add(field, f"{what}: nobody weighs the issue, so it cannot be forecast")
    problems.check()
    sal_div = 100.0 if max(p[3] for p in parsed) > 1 else 1.0
    lo = min(p[2] for p in parsed)
    hi = max(p[2] for p in parsed)
    if hi == lo:  # one position: a unit scale beside it, inside the magnitude limit
        lo, hi = (lo, lo + 1.0) if lo + 1.0 <= MAX_MAGNITUDE else (lo - 1.0, hi)
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
