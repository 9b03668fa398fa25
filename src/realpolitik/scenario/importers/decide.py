"""decide input files (the exchange model's CSV of `decide-exchange-model`) -> Scenario.

The format: one row per line, tab-separated (``;`` and ``,`` are accepted too), fields optionally
quoted with ``'`` or ``"``; the first field says what the row is:

    '#A'  actor id, full name, comment
    '#P'  issue id, description
    '#M'  issue id, scale point, description       (the issue's scale runs from the lowest to
                                                    the highest #M point; 0-100 without any)
    '#D'  actor id, issue id, position, salience (0-1), power (>= 0), comment
    '#/'  comment,  '#O'  description               (ignored)

Mapping onto the scenario schema: an actor's capability is its power; a stance carries the
position and the salience, each with ``source = "<file name>"``. decide lets power differ from
issue to issue. When it does for an actor, the capability is the actor's largest power and each
stance carries ``influence = power * salience`` (the weight the bargaining models use instead of
capability * salience), so that the weight stays exact while the salience stays decide's own;
the exact decide values are also kept in the issue's tags
``decide.power.<actor id>`` and ``decide.salience.<actor id>``, which the exchange model reads
(it needs salience and power separately).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from realpolitik.errors import clip
from realpolitik.scenario.cells import Problems, table_rows
from realpolitik.scenario.importers.common import dataset_source, make_id, scenario_id
from realpolitik.scenario.limits import check_table
from realpolitik.scenario.reading import read_text, scenario_from_dict
from realpolitik.scenario.schema import Scenario

POWER_TAG = "decide.power."
SALIENCE_TAG = "decide.salience."
_KINDS = ("#A", "#P", "#M", "#D", "#/", "#O")


def _split(text: str, path: Path) -> list[tuple[int, list[str]]]:
    """The non-empty rows with their line numbers, fields unquoted and stripped."""
    lines = text.splitlines()
    first = next((ln for ln in lines if ln.strip()), "")
    delim = "\t" if "\t" in first else (";" if ";" in first else ",")
    quote = '"' if first.lstrip().startswith('"') else "'"
    rows = []
    for line, fields in table_rows(text, path, delim, quote):
        cells = [c.strip().strip("'\"").strip() for c in fields]
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            rows.append((line, cells))
    return rows


class _Rows(Problems):
    """The problems of a decide file, each at a line and a field."""

    def bad(self, line: int, field: str, message: str) -> None:
        self.add(f"line {line}, {field}", message)


def read(path: Path, fmt: str = "decide") -> Scenario:
    """Read a decide input file into a Scenario; bad rows raise InputError naming the line."""
    text = read_text(path, "decide input")
    rows = _split(text, path)
    r = _Rows(path)
    actors: dict[str, tuple[int, str]] = {}  # decide id -> (line, full name)
    issues: dict[str, tuple[int, str]] = {}
    points: list[tuple[int, str, float, str]] = []
    data: list[tuple[int, str, str, float, float, float]] = []
    for line, cells in rows:
        kind = cells[0]
        if kind not in _KINDS:
            r.bad(line, "row type", f"unknown row type {clip(kind)!r} (expected one of {_KINDS})")
            continue
        if kind in ("#/", "#O"):
            continue
        need = {"#A": 2, "#P": 2, "#M": 3, "#D": 6}[kind]
        if len(cells) < need:
            names = {"#A": "actor", "#P": "issue", "#M": "issue, position",
                     "#D": "actor, issue, position, salience, power"}[kind]  # fmt: skip
            r.bad(line, kind, f"expected {names} after {kind}, got {len(cells) - 1} field(s)")
            continue
        if kind == "#A":
            if cells[1] in actors:
                r.bad(line, "#A actor", f"actor {cells[1]!r} defined twice")
            else:
                actors[cells[1]] = (line, cells[2] if len(cells) > 2 and cells[2] else cells[1])
        elif kind == "#P":
            if cells[1] in issues:
                r.bad(line, "#P issue", f"issue {cells[1]!r} defined twice")
            else:
                issues[cells[1]] = (line, cells[2] if len(cells) > 2 else "")
        elif kind == "#M":
            v = r.number(cells[2], f"line {line}, #M position")
            if v is not None:
                points.append((line, cells[1], v, " ".join(cells[3:])))
        else:
            pos = r.number(cells[3], f"line {line}, #D position")
            sal = r.number(cells[4], f"line {line}, #D salience", lo=0.0, hi=1.0)
            power = r.number(cells[5], f"line {line}, #D power", lo=0.0)
            if pos is not None and sal is not None and power is not None:
                data.append((line, cells[1], cells[2], pos, sal, power))
    check_table(len(actors), len(issues), str(path), "#A, #P")
    if not actors:
        r.add("#A", "no actors ('#A' rows)")
    if not issues:
        r.add("#P", "no issues ('#P' rows)")

    scale: dict[str, list[float]] = {}
    labels: dict[str, dict[float, str]] = {}
    for line, iss, v, label in points:
        if iss not in issues:
            r.bad(line, "#M issue", f"unknown issue {iss!r} (no '#P' row)")
            continue
        scale.setdefault(iss, []).append(v)
        if label:
            labels.setdefault(iss, {})[v] = label
    bounds: dict[str, tuple[float, float]] = {}
    for iss, (line, _) in issues.items():
        vals = scale.get(iss, [0.0, 100.0])
        lo, hi = min(vals), max(vals)
        if hi <= lo:
            r.bad(line, "#M", f"issue {iss!r} needs two different scale points ('#M' rows)")
        bounds[iss] = (lo, hi)

    seen: set[tuple[str, str]] = set()
    stances: list[tuple[str, str, float, float, float]] = []
    for line, act, iss, pos, sal, power in data:
        ok = True
        if act not in actors:
            r.bad(line, "#D actor", f"unknown actor {act!r} (no '#A' row)")
            ok = False
        if iss not in issues:
            r.bad(line, "#D issue", f"unknown issue {iss!r} (no '#P' row)")
            ok = False
        if not ok:
            continue
        if (act, iss) in seen:
            r.bad(line, "#D", f"a second row for actor {act!r} on issue {iss!r}")
            continue
        seen.add((act, iss))
        lo, hi = bounds[iss]
        if not lo <= pos <= hi:
            where = f"the scale of {iss!r} [{lo:g}, {hi:g}]"
            r.bad(line, "#D position", f"{pos:g} lies outside {where}")
            continue
        stances.append((act, iss, pos, sal, power))
    r.check()
    return scenario_from_dict(_build(path, actors, issues, bounds, labels, stances), str(path))


def _build(
    path: Path,
    actors: dict[str, tuple[int, str]],
    issues: dict[str, tuple[int, str]],
    bounds: dict[str, tuple[float, float]],
    labels: dict[str, dict[float, str]],
    stances: list[tuple[str, str, float, float, float]],
) -> dict[str, Any]:
    src = path.name
    taken: set[str] = set()
    aid = {a: make_id(a, taken) for a in actors}
    taken = set()
    iid = {i: make_id(i, taken) for i in issues}
    powers: dict[str, list[float]] = {}
    for act, _, _, _, power in stances:
        powers.setdefault(act, []).append(power)
    cap = {a: max(p) for a, p in powers.items()}
    varies = {a for a, p in powers.items() if min(p) != max(p)}
    tags: dict[str, dict[str, str]] = {i: {} for i in issues}
    out_stances = []
    for act, iss, pos, sal, power in stances:
        stance: dict[str, Any] = {
            "actor": aid[act],
            "issue": iid[iss],
            "position": {"value": pos, "source": src},
            "salience": {"value": sal, "source": src},
        }
        if act in varies:
            tags[iss][POWER_TAG + aid[act]] = repr(power)
            tags[iss][SALIENCE_TAG + aid[act]] = repr(sal)
            stance["influence"] = {
                "value": power * sal,
                "source": src,
                "note": "decide's per-issue power x salience",
            }
        out_stances.append(stance)
    out_actors = []
    for act, (_, name) in actors.items():
        if act in cap:
            capability: dict[str, Any] = {"value": cap[act], "source": src}
            if act in varies:
                capability["note"] = "largest of the actor's per-issue powers"
        else:
            capability = {"value": 1.0, "assumed": True, "note": "no '#D' rows for this actor"}
        out_actors.append(
            {"id": aid[act], "name": name, "kind": "group", "capability": capability}
        )
    out_issues = []
    for iss, (_, desc) in issues.items():
        lo, hi = bounds[iss]
        entry: dict[str, Any] = {
            "id": iid[iss],
            "title": desc or iss,
            "scale": {"min": lo, "max": hi, "points": labels.get(iss, {})},
        }
        if tags[iss]:
            entry["tags"] = tags[iss]
        out_issues.append(entry)
    return {
        "scenario": {"id": scenario_id(path), "title": f"{path.stem} (decide input)"},
        "sources": [dataset_source(path, f"decide input {path.name}")],
        "actors": out_actors,
        "issues": out_issues,
        "stances": out_stances,
    }
