"""KTAB Spatial Model of Politics inputs: CSV (``Actor,Desc,Influence,Pos_d,Sal_d...``) and XML.

CSV layout (KTAB ``examples/smp/doc``): line 1 ``scenario,desc,numActors,numDims``; line 2 a
header; then one actor per line with capability, then position and salience for each dimension.
Positions are on 0-100; saliences on 0-100 are divided by 100. An empty cell means the actor
does not take part on that dimension.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from realpolitik.scenario.cells import Problems, table_rows
from realpolitik.scenario.importers.common import dataset_source, make_id, scenario_id
from realpolitik.scenario.limits import check_table
from realpolitik.scenario.reading import read_text, scenario_from_dict
from realpolitik.scenario.schema import Scenario

Row = tuple[str, str, float, list[float | None], list[float | None]]


def _build(path: Path, title: str, dims: list[str], rows: list[Row]) -> Scenario:
    src = path.name
    taken: set[str] = set()
    issue_ids: list[str] = []
    issue_taken: set[str] = set()
    for d in dims:
        issue_ids.append(make_id(d.lower(), issue_taken))
    actors, stances = [], []
    for name, desc, cap, pos, sal in rows:
        aid = make_id(name, taken)
        actors.append(
            {
                "id": aid,
                "name": desc or name,
                "description": desc,
                "capability": {"value": cap, "source": src},
            }
        )
        for d, iid in enumerate(issue_ids):
            if pos[d] is None or sal[d] is None:
                continue
            stances.append(
                {
                    "actor": aid,
                    "issue": iid,
                    "position": {"value": pos[d], "source": src},
                    "salience": {"value": sal[d] / 100.0, "source": src},
                }
            )
    lo = min([0.0] + [p for r in rows for p in r[3] if p is not None])
    hi = max([100.0] + [p for r in rows for p in r[3] if p is not None])
    data = {
        "scenario": {"id": scenario_id(path), "title": title},
        "sources": [dataset_source(path, f"KTAB input {path.name}")],
        "actors": actors,
        "issues": [
            {"id": iid, "title": d, "scale": {"min": lo, "max": hi}}
            for iid, d in zip(issue_ids, dims, strict=True)
        ],
        "stances": stances,
    }
    return scenario_from_dict(data, str(path))


def _numbers(
    problems: Problems, cells: list[str], wheres: list[str], lo: float | None, hi: float | None
) -> list[float | None]:
    """Optional cells (an empty one: the actor takes no part on that dimension)."""
    return [
        problems.number(c, w, lo=lo, hi=hi, required=False)
        for c, w in zip(cells, wheres, strict=True)
    ]


def read_csv(path: Path) -> Scenario:
    text = read_text(path, "KTAB CSV")
    numbered = [(k, [c.strip() for c in r]) for k, r in table_rows(text, path)]
    problems = Problems(path)
    if len(numbered) < 3:
        problems.fail("", "expected a title line, a header and actors")
    title = numbered[0][1][0]
    header_line, header = numbered[1][0], [h for h in numbered[1][1] if h]
    ndims = (len(header) - 3) // 2
    if ndims < 1 or len(header) != 3 + 2 * ndims:
        problems.fail(
            f"line {header_line}",
            "header must be Actor,Desc,Influence, then position and salience for each dimension",
        )
    check_table(len(numbered) - 2, ndims, str(path), f"line {header_line}")
    dims = [
        header[3 + 2 * d].removesuffix(" Position").removesuffix(" position") for d in range(ndims)
    ]
    parsed: list[Row] = []
    for k, r in numbered[2:]:
        r = r + [""] * (len(header) - len(r))
        cap = problems.number(r[2], f"line {k}, {header[2]}", lo=0)
        pos = _numbers(problems, [r[3 + 2 * d] for d in range(ndims)],
                       [f"line {k}, {header[3 + 2 * d]}" for d in range(ndims)], None, None)
        sal = _numbers(problems, [r[4 + 2 * d] for d in range(ndims)],
                       [f"line {k}, {header[4 + 2 * d]}" for d in range(ndims)], 0, 100)
        if not r[0]:
            problems.add(f"line {k}, {header[0]}", "empty actor name")
        if cap is not None:
            parsed.append((r[0], r[1], cap, pos, sal))
    problems.check()
    return _build(path, title, dims, parsed)


def read_xml(path: Path) -> Scenario:
    text = read_text(path, "KTAB XML")
    problems = Problems(path)
    try:
        # parsed as the text read_text decoded (UTF-8): an encoding declaration that disagrees
        # (or names no known encoding) is not followed
        root = ET.fromstring(text)
    except ET.ParseError as e:
        problems.fail(f"line {e.position[0]}", f"malformed XML: {e}")
    title = (root.findtext("name") or path.stem).strip()
    dims = [(d.text or "").strip() for d in root.iter("dName")]
    if not dims:
        problems.fail("Dimensions", "no <dName> dimensions")
    check_table(sum(1 for _ in root.iter("Actor")), len(dims), str(path), "Actors")
    parsed: list[Row] = []
    for k, a in enumerate(root.iter("Actor")):
        where = f"Actors/Actor[{k + 1}]"
        name = (a.findtext("name") or "").strip()
        if not name:
            problems.add(f"{where}/name", "missing actor name")
        cap = problems.number(a.findtext("capability") or "", f"{where}/capability", lo=0)
        coords = [c.text or "" for c in a.iter("dCoord")]
        sals = [c.text or "" for c in a.iter("dSal")]
        if len(coords) != len(dims) or len(sals) != len(dims):
            problems.add(where, f"expected {len(dims)} dCoord and dSal")
            continue
        pos = _numbers(problems, coords,
                       [f"{where}/Position/dCoord[{d + 1}]" for d in range(len(dims))], None, None)
        sal = _numbers(problems, sals,
                       [f"{where}/Salience/dSal[{d + 1}]" for d in range(len(dims))], 0, 100)
        if cap is not None:
            parsed.append((name, (a.findtext("description") or "").strip(), cap, pos, sal))
    if not parsed and not problems:
        problems.fail("Actors", "no actors")
    problems.check()
    return _build(path, title, dims, parsed)


def read(path: Path, fmt: str = "ktab") -> Scenario:
    return read_xml(path) if fmt == "ktab-xml" else read_csv(path)
