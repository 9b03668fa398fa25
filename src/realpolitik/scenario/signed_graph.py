"""Read signed graphs (structural balance inputs) and landscape matrices.

Formats:

* edge list CSV with a header ``from,to,sign[,weight][,begin,end]``. ``sign`` is 1/-1 (also
  +1, +, -); ``weight`` > 0 (default 1). With ``begin``/``end`` a tie holds for
  begin <= t < end (an empty cell is open-ended) and the file yields one window per year at
  which a tie begins or ends (windows with no tie are skipped), or the single year ``at``.
* Pajek ``.net``: ``*Vertices n`` with ``id "label"`` lines, then one or more ``*Edges`` (or
  ``*Arcs``, read as undirected; reciprocated arcs of one sign are one tie) sections, each a
  window, optionally headed ``:k "label"`` as in Doreian & Mrvar's COW networks (``*Edges :46
  "46-49"``). Edge lines are ``i j value``: the sign of the value is the tie's sign, its
  magnitude the weight. ``at`` picks the windows whose label starts with that year (two-digit
  years are read as 19xx).

Within a window a pair of nodes may carry one tie only; self-loops, unknown signs and empty
graphs are errors that name the file and line. Also here: the landscape-theory inputs of
Furnas's Syria 2016 data (sizes CSV ``id,actor,strength`` and a labelled propensity matrix).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from realpolitik.errors import InputError, clip
from realpolitik.scenario.cells import Problems, table_rows
from realpolitik.scenario.limits import check_count
from realpolitik.scenario.reading import read_text

_SIGNS = {"1": 1, "+1": 1, "+": 1, "1.0": 1, "+1.0": 1, "-1": -1, "-": -1, "-1.0": -1}


@dataclass
class GraphWindow:
    """One signed graph: the nodes with at least one tie, and ties as index pairs into them."""

    label: str
    nodes: list[str]
    edges: list[tuple[int, int]] = field(default_factory=list)
    signs: list[int] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)


@dataclass
class _Tie:
    a: str
    b: str
    sign: int
    weight: float
    begin: float
    end: float
    where: str
    arc: bool = False


def read_signed_graph(path: str | Path, at: float | None = None) -> list[GraphWindow]:
    """Read a signed edge-list CSV or a Pajek ``.net`` file into its windows."""
    text = read_text(path, "signed graph")
    p = Path(path)
    if p.suffix.lower() == ".net" or text.lstrip().lower().startswith("*vertices"):
        return _read_pajek(text, str(path), at)
    return _read_csv(text, str(path), at)


def _window(label: str, ties: list[_Tie], order: dict[str, int], file: str) -> GraphWindow:
    nodes = sorted({t.a for t in ties} | {t.b for t in ties}, key=lambda x: order[x])
    idx = {x: k for k, x in enumerate(nodes)}
    seen: dict[tuple[str, str], _Tie] = {}
    problems = Problems(file)
    win = GraphWindow(label, nodes)
    for t in ties:
        key = (t.a, t.b) if order[t.a] <= order[t.b] else (t.b, t.a)
        prev = seen.get(key)
        if prev is not None:
            if t.arc and prev.arc and (prev.a, prev.b) == (t.b, t.a) and prev.sign == t.sign:
                continue  # a reciprocated arc: one undirected tie
            problems.add(t.where, f"a second tie between {t.a} and {t.b} in window "
                         f"{label} (first at {prev.where})")
            continue
        seen[key] = t
        win.edges.append((idx[t.a], idx[t.b]))
        win.signs.append(t.sign)
        win.weights.append(t.weight)
    problems.check()
    return win


def _label(t: float) -> str:
    return str(int(t)) if float(t).is_integer() else str(t)


def _read_csv(text: str, file: str, at: float | None) -> list[GraphWindow]:
    numbered = table_rows(text, file)
    if not numbered:
        raise InputError.single(file, "", "no header: expected columns from,to,sign")
    head_line, first = numbered[0]
    header = [c.strip().lower() for c in first]
    aliases = {"source": "from", "target": "to"}
    header = [aliases.get(h, h) for h in header]
    missing = [c for c in ("from", "to", "sign") if c not in header]
    if missing:
        raise InputError.single(file, f"line {head_line}", "the header needs columns "
                                f"from,to,sign (missing: {', '.join(missing)}); "
                                f"got {clip(','.join(first))}")
    col = {h: k for k, h in enumerate(header)}
    timed = "begin" in col or "end" in col
    if at is not None and not timed:
        raise InputError.single(file, "--year", "this file has no begin/end columns")
    problems = Problems(file)
    ties: list[_Tie] = []
    order: dict[str, int] = {}
    for ln, row in numbered[1:]:
        where = f"line {ln}"
        cells = [c.strip() for c in row] + [""] * (len(header) - len(row))
        a, b, sg = cells[col["from"]], cells[col["to"]], cells[col["sign"]]
        if not a or not b:
            problems.add(where, "from and to must name two nodes")
            continue
        if a == b:
            problems.add(where, f"self-loop on {a}: a tie needs two different nodes")
            continue
        sign = _SIGNS.get(sg.lower().replace(" ", ""))
        if sign is None:
            problems.add(f"{where}: sign", f"unknown sign {sg!r} (use 1 or -1)")
            continue
        weight = 1.0
        if "weight" in col and cells[col["weight"]]:
            wv = problems.number(cells[col["weight"]], f"{where}: weight")
            if wv is None:
                continue
            if wv <= 0:
                problems.add(f"{where}: weight", f"weight must be > 0, got {wv}")
                continue
            weight = wv
        lo, hi = -math.inf, math.inf
        for name in ("begin", "end"):
            if name in col and cells[col[name]]:
                v = problems.number(cells[col[name]], f"{where}: {name}")
                if v is None:
                    break
                if name == "begin":
                    lo = v
                else:
                    hi = v
        else:
            if lo >= hi:
                problems.add(where, f"begin ({lo}) must be before end ({hi})")
                continue
            for x in (a, b):
                order.setdefault(x, len(order))
            ties.append(_Tie(a, b, sign, weight, lo, hi, where))
    problems.check()
    if not ties:
        raise InputError.single(file, "", "no ties: the graph is empty")
    check_count("vertices", len(order), file, "from, to")
    if not timed:
        return [_window(Path(file).stem, ties, order, file)]
    years = [at] if at is not None else sorted(
        {t.begin for t in ties if math.isfinite(t.begin)} | {t.end for t in ties
                                                             if math.isfinite(t.end)})
    if not years:  # begin/end columns present but every cell empty: one window
        return [_window(Path(file).stem, ties, order, file)]
    windows = []
    for y in years:
        active = [t for t in ties if t.begin <= y < t.end]
        if active:
            windows.append(_window(_label(y), active, order, file))
    if not windows:
        raise InputError.single(file, "--year", f"no tie holds in {_label(years[0])}")
    return windows


_VERTEX = re.compile(r'^\s*(\d+)\s+(?:"([^"]*)"|([^"\s]\S*))')
"""A vertex line: its number and its label, quoted or bare (a bare one cannot open a quote)."""
_SECTION = re.compile(r'^\*(\w+)\s*(?::(\S+))?\s*(?:"([^"]*)")?', re.I)


def _window_year(label: str) -> int | None:
    m = re.match(r"^\s*(\d{2}|\d{4})\b", label)
    if not m:
        return None
    y = int(m.group(1))
    return 1900 + y if len(m.group(1)) == 2 else y


def _read_pajek(text: str, file: str, at: float | None) -> list[GraphWindow]:
    lines = text.splitlines()
    problems = Problems(file)
    labels: dict[int, str] = {}
    sections: list[tuple[str, list[_Tie], bool]] = []  # (label, ties, from *Arcs)
    n_vert: int | None = None
    mode = ""
    for ln, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("%"):
            continue
        where = f"line {ln}"
        if line.startswith("*"):
            m = _SECTION.match(line)
            kind = m.group(1).lower() if m else ""
            if kind == "vertices":
                try:
                    n_vert = int(line.split()[1])
                except (IndexError, ValueError):
                    raise InputError.single(file, where, "*Vertices needs a count") from None
                if n_vert < 1:
                    raise InputError.single(file, f"{where}: *Vertices", "the vertex count "
                                            f"must be at least 1, got {n_vert}")
                check_count("vertices", n_vert, file, f"{where}: *Vertices")
                mode = "vertices"
            elif kind in ("edges", "arcs"):
                if n_vert is None:
                    raise InputError.single(file, where, f"*{m.group(1) if m else kind} "
                                            "before *Vertices")
                name = (m.group(3) if m and m.group(3) else None) or (
                    m.group(2) if m and m.group(2) else f"{kind} {len(sections) + 1}")
                if any(name == other for other, _, _ in sections):
                    problems.add(where, f"window {name!r} again: window labels must be unique")
                sections.append((name, [], kind == "arcs"))
                mode = "edges"
            else:
                raise InputError.single(file, where, "unsupported Pajek section "
                                        f"{line.split()[0]!r} (use *Vertices and *Edges/*Arcs)")
            continue
        if mode == "vertices":
            mv = _VERTEX.match(line)
            if not mv:
                problems.add(where, f"cannot read vertex line {clip(line)!r}")
                continue
            labels[int(mv.group(1))] = mv.group(2) if mv.group(2) is not None else mv.group(3)
        elif mode == "edges":
            parts = line.split()
            if len(parts) < 2:
                problems.add(where, f"cannot read edge line {clip(line)!r}")
                continue
            try:
                i, j = int(parts[0]), int(parts[1])
            except ValueError:
                problems.add(where, f"cannot read edge line {clip(line)!r}")
                continue
            val = problems.number(parts[2], f"{where}: value") if len(parts) > 2 else 1.0
            if val is None:
                continue
            assert n_vert is not None
            bad = [v for v in (i, j) if not 1 <= v <= n_vert]
            if bad:
                problems.add(where, f"vertex {bad[0]} is not in 1..{n_vert}")
                continue
            if i == j:
                problems.add(where, f"self-loop on vertex {i}")
                continue
            if val == 0:
                problems.add(f"{where}: value", "unknown sign 0 (use a positive or "
                                        "negative value)")
                continue
            a, b = labels.get(i, str(i)), labels.get(j, str(j))
            sections[-1][1].append(_Tie(a, b, 1 if val > 0 else -1, abs(val), -math.inf,
                                        math.inf, where, arc=sections[-1][2]))
        else:
            problems.add(where, f"unexpected line {clip(line)!r} before *Vertices")
    problems.check()
    if n_vert is None:
        raise InputError.single(file, "", "no *Vertices section: not a Pajek network")
    order = {labels.get(v, str(v)): v for v in range(1, n_vert + 1)}
    if len(order) != n_vert:
        raise InputError.single(file, "*Vertices", "vertex labels must be unique")
    chosen = sections
    if at is not None:
        chosen = [s for s in sections if _window_year(s[0]) == int(at)]
        if not chosen:
            have = ", ".join(s[0] for s in sections[:8])
            raise InputError.single(file, "--year", f"no window starts in {_label(at)} "
                                    f"(windows: {have}{', ...' if len(sections) > 8 else ''})")
    windows = [_window(name, ties, order, file) for name, ties, _ in chosen if ties]
    if not windows:
        raise InputError.single(file, "", "no edges: the graph is empty")
    return windows


# --------------------------------------------------------------------------------------------
# landscape-theory inputs as matrices (Furnas's Syria 2016 files)
# --------------------------------------------------------------------------------------------


@dataclass
class LandscapeTable:
    """Actor ids, sizes and a propensity matrix read from files (not yet validated as a model)."""

    actors: list[str]
    sizes: list[float]
    propensities: list[list[float]]


def read_landscape_csv(sizes_path: str | Path, matrix_path: str | Path,
                       center: float = 0.0) -> LandscapeTable:
    """Sizes CSV (``id,actor,strength`` or ``actor,size``) and a square propensity matrix CSV
    (header row and first column = actor labels in the sizes' order; diagonal empty). Each cell
    becomes ``value - center`` (Furnas's 1-5 scale: ``center=3`` gives -2..2)."""
    sfile, mfile = str(sizes_path), str(matrix_path)
    sprobs, mprobs = Problems(sfile), Problems(mfile)
    srows = table_rows(read_text(sizes_path, "sizes"), sfile)
    if not srows:
        sprobs.fail("", "no header: expected an actor column and a strength/size column")
    head = [c.strip().lower() for c in srows[0][1]]
    name_col = next((head.index(c) for c in ("actor", "name", "id") if c in head), None)
    size_col = next((head.index(c) for c in ("strength", "size", "capability") if c in head), None)
    if name_col is None or size_col is None:
        sprobs.fail(f"line {srows[0][0]}",
                    "the header needs an actor column and a strength/size column")
    actors: list[str] = []
    sizes: list[float] = []
    seen: dict[str, int] = {}
    for ln, r in srows[1:]:
        v = sprobs.number(r[size_col] if size_col < len(r) else "", f"line {ln}", lo=0)
        name = r[name_col].strip() if name_col < len(r) else ""
        if name and name in seen:
            sprobs.add(f"line {ln}", f"actor {name!r} again (first on line {seen[name]})")
        seen.setdefault(name, ln)
        actors.append(name)
        sizes.append(v if v is not None else 0.0)
    sprobs.check()
    n = len(actors)
    check_count("actors", n, sfile, "actors")
    mrows = [r for _, r in table_rows(read_text(matrix_path, "matrix"), mfile)]
    if len(mrows) != n + 1 or any(len(r) < n + 1 for r in mrows):
        mprobs.fail("", f"expected a header and {n} rows of {n} values "
                    f"(one per actor in {Path(sfile).name})")
    mat = [[0.0] * n for _ in range(n)]
    for i, r in enumerate(mrows[1:]):
        for j in range(n):
            if i != j:
                v = mprobs.number(r[j + 1], f"line {i + 2}, column {j + 2}")
                mat[i][j] = (v - center) if v is not None else math.nan
    for i in range(n):
        for j in range(i + 1, n):
            if not math.isnan(mat[i][j] + mat[j][i]) and mat[i][j] != mat[j][i]:
                mprobs.add(f"line {i + 2}, column {j + 2}",
                           f"not symmetric: {mat[i][j] + center:g} vs "
                           f"{mat[j][i] + center:g} for {actors[i]}-{actors[j]}")
    mprobs.check()
    return LandscapeTable(actors, sizes, mat)
