"""KTAB Spatial Model of Politics inputs: CSV (``Actor,Desc,Influence,Pos_d,Sal_d...``) and XML.

CSV layout (KTAB ``examples/smp/doc``): line 1 ``scenario,desc,numActors,numDims``; line 2 a
header; then one actor per line with capability, then position and salience for each dimension.
Positions are on 0-100; saliences on 0-100 are divided by 100. An empty cell means the actor
does not take part on that dimension.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from pathlib import Path

from realpolitik.errors import InputError
from realpolitik.scenario.importers.common import dataset_source, make_id, number, scenario_id
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


def read_csv(path: Path) -> Scenario:
    text = read_text(path, "KTAB CSV")
    rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO(text))]
    rows = [r for r in rows if any(r)]
    if len(rows) < 3:
        raise InputError.single(str(path), "", "expected a title line, a header and actors")
    title = rows[0][0]
    header = [h for h in rows[1] if h]
    ndims = (len(header) - 3) // 2
    if ndims < 1 or len(header) != 3 + 2 * ndims:
        raise InputError.single(
            str(path),
            "line 2",
            "header must be Actor,Desc,Influence, then position and salience for each dimension",
        )
    dims = [
        header[3 + 2 * d].removesuffix(" Position").removesuffix(" position") for d in range(ndims)
    ]
    parsed: list[Row] = []
    for k, r in enumerate(rows[2:], start=3):
        r = r + [""] * (len(header) - len(r))
        cap = number(r[2], path, f"line {k}, {header[2]}", lo=0)
        assert cap is not None
        pos = [
            number(r[3 + 2 * d], path, f"line {k}, {header[3 + 2 * d]}", allow_empty=True)
            for d in range(ndims)
        ]
        sal = [
            number(
                r[4 + 2 * d], path, f"line {k}, {header[4 + 2 * d]}", lo=0, hi=100, allow_empty=True
            )
            for d in range(ndims)
        ]
        if not r[0]:
            raise InputError.single(str(path), f"line {k}, {header[0]}", "empty actor name")
        parsed.append((r[0], r[1], cap, pos, sal))
    return _build(path, title, dims, parsed)


def read_xml(path: Path) -> Scenario:
    text = read_text(path, "KTAB XML")
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as e:
        raise InputError.single(str(path), f"line {e.position[0]}", f"malformed XML: {e}") from None
    title = (root.findtext("name") or path.stem).strip()
    dims = [(d.text or "").strip() for d in root.iter("dName")]
    if not dims:
        raise InputError.single(str(path), "Dimensions", "no <dName> dimensions")
    parsed: list[Row] = []
    for k, a in enumerate(root.iter("Actor")):
        where = f"Actors/Actor[{k + 1}]"
        name = (a.findtext("name") or "").strip()
        if not name:
            raise InputError.single(str(path), f"{where}/name", "missing actor name")
        cap = number(a.findtext("capability") or "", path, f"{where}/capability", lo=0)
        assert cap is not None
        coords = [c.text or "" for c in a.iter("dCoord")]
        sals = [c.text or "" for c in a.iter("dSal")]
        if len(coords) != len(dims) or len(sals) != len(dims):
            raise InputError.single(str(path), where, f"expected {len(dims)} dCoord and dSal")
        pos = [
            number(c, path, f"{where}/Position/dCoord[{d + 1}]", allow_empty=True)
            for d, c in enumerate(coords)
        ]
        sal = [
            number(c, path, f"{where}/Salience/dSal[{d + 1}]", lo=0, hi=100, allow_empty=True)
            for d, c in enumerate(sals)
        ]
        parsed.append((name, (a.findtext("description") or "").strip(), cap, pos, sal))
    if not parsed:
        raise InputError.single(str(path), "Actors", "no actors")
    return _build(path, title, dims, parsed)


def read(path: Path, fmt: str = "ktab") -> Scenario:
    return read_xml(path) if fmt == "ktab-xml" else read_csv(path)
