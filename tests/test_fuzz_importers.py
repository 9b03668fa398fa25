"""Fuzzing every reader of user files: random bytes, mutated shipped files and random tables
that look valid. The contract: a Scenario (or the reader's own result), or an InputError that
names the file with at least one problem; never another exception. A Scenario also converts to
TOML and back unchanged."""

from __future__ import annotations

import csv
import io
import os
import tempfile
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import tomli_w
from conftest import DATA, MINI, REF
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st

from realpolitik.errors import InputError
from realpolitik.scenario.importers import bdm, decide, deu, ktab
from realpolitik.scenario.loader import load_any, load_scenario, scenario_from_dict
from realpolitik.scenario.schema import Scenario
from realpolitik.scenario.signed_graph import (
    GraphWindow,
    LandscapeTable,
    read_landscape_csv,
    read_signed_graph,
)
from realpolitik.scenario.writer import to_toml

# 40 examples per test keeps the suite fast; REALPOLITIK_FUZZ=5000 searches harder
FUZZ = settings(max_examples=int(os.environ.get("REALPOLITIK_FUZZ", "40")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow])
Reader = Callable[[Path], object]

READERS: dict[str, tuple[str, Reader, type]] = {
    "bdm": (".csv", lambda p: bdm.read(p), Scenario),
    "ktab": (".csv", lambda p: ktab.read_csv(p), Scenario),
    "ktab-xml": (".xml", lambda p: ktab.read_xml(p), Scenario),
    "decide": (".csv", lambda p: decide.read(p), Scenario),
    "deu": (".tsv", lambda p: deu.read(p), Scenario),
    "deu-table": (".tsv", lambda p: deu.read_table(p), deu.DEUTable),
    "toml": (".toml", lambda p: load_scenario(p), Scenario),
    "any": (".txt", lambda p: load_any(p), Scenario),
    "edges": (".csv", lambda p: read_signed_graph(p), list),
    "pajek": (".net", lambda p: read_signed_graph(p), list),
}

SHIPPED = {
    "bdm": REF / "bdm" / "china_1989.csv",
    "ktab": REF / "ktab" / "dummyData_3Dim.csv",
    "ktab-xml": REF / "ktab" / "smpExample.xml",
    "decide": REF / "decide" / "sample_data.txt",
    "toml": MINI,
}


def _event(name: str) -> None:
    if currently_in_test_context():  # --hypothesis-show-statistics: how many were valid
        event(name)


def check(kind: str, data: bytes | str, name: str = "input") -> object:
    """Write ``data`` to a file and read it: the result, or None after a proper InputError."""
    suffix, reader, result_type = READERS[kind]
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{name}{suffix}"
        path.write_bytes(raw)
        try:
            result = reader(path)
        except InputError as err:
            assert err.file == str(path), err.file
            assert err.problems and all(str(p) for p in err.problems), err
            _event(f"{kind}: InputError")
            return None
    _event(f"{kind}: read")
    assert isinstance(result, result_type), type(result)
    if isinstance(result, Scenario):  # what imports also converts: TOML and back, unchanged
        again = scenario_from_dict(tomllib.loads(to_toml(result)), "round trip")
        assert again.model_dump() == result.model_dump()
    if isinstance(result, list):
        assert result and all(isinstance(w, GraphWindow) for w in result)
    return result


# ------------------------------------------------------------------ random and mutated bytes ---


@FUZZ
@given(st.sampled_from(sorted(READERS)), st.binary(max_size=300))
def test_random_bytes(kind: str, data: bytes):
    check(kind, data)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    kind = draw(st.sampled_from(sorted(SHIPPED)))
    data = bytearray(SHIPPED[kind].read_bytes())
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["flip", "insert", "delete", "cut"]))
        if op == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif op == "insert":
            data[at:at] = draw(st.sampled_from(
                [b",", b"\t", b"\n", b'"', b"'", b"-", b"nan", b"1e999", b"<", b"=", b"[", b"\xff"]
            ))
        elif op == "delete":
            del data[at:at + draw(st.integers(1, 20))]
        else:
            del data[at:]
    return kind, bytes(data)


@FUZZ
@given(mutated())
def test_mutated_shipped_files(case: tuple[str, bytes]):
    kind, data = case
    check(kind, data)
    check("any", data)


# ------------------------------------------------------------------ tables that look valid ---
# Each strategy draws a valid table, then corrupt() spoils 0-2 cells or row lengths: about a third
# of the examples are valid files (they must import and round-trip), the rest nearly valid.

ODD = st.one_of(
    st.sampled_from(
        ["", " ", "NA", "n/a", "nan", "-", ".", "inf", "-inf", "1e400", "'5'", '"7"', "x", "1,5",
         "\u0661\u0662", "0x10", "1_0", "\u2014", "+", "#A", "None", "-5", "101", "1e-320"]
    ),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=6),
)
NAMES = st.lists(
    st.one_of(st.sampled_from(["A", "B", "USA", "Costa Rica", "a_b", "x-1"]),
              st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]),
                      min_size=1, max_size=6)),
    min_size=1, max_size=6, unique_by=lambda x: x.strip().casefold(),
).filter(lambda xs: all(x.strip() for x in xs))


def num(lo: float, hi: float) -> st.SearchStrategy[str]:
    return st.one_of(st.integers(int(lo), int(hi)).map(str),
                     st.floats(lo, hi).map(lambda x: f"{x:.6g}"))


@st.composite
def corrupt(draw: st.DrawFn, rows: list[list[str]]) -> list[list[str]]:
    rows = [list(r) for r in rows]
    for _ in range(draw(st.integers(0, 2))):
        r = draw(st.integers(0, len(rows) - 1))
        op = draw(st.sampled_from(["cell", "cell", "drop", "add"]))
        if op == "cell" and rows[r]:
            rows[r][draw(st.integers(0, len(rows[r]) - 1))] = draw(ODD)
        elif op == "drop" and rows[r]:
            rows[r].pop()
        else:
            rows[r].append(draw(ODD))
    return rows


def rows_csv(rows: list[list[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return out.getvalue()


@st.composite
def bdm_table(draw: st.DrawFn) -> list[list[str]]:
    header = [draw(st.sampled_from(c)) for c in (("Actor", "Stakeholder", "name"),
                                                  ("Capability", "Resources", "power"),
                                                  ("Position",), ("Salience",))]
    sal = (0, 1) if draw(st.booleans()) else (0, 100)
    rows = [[n, draw(num(0, 10)), draw(num(-100, 100)), draw(num(*sal))] for n in draw(NAMES)]
    return draw(corrupt([header, *rows]))


@FUZZ
@given(bdm_table())
def test_bdm_tables(rows: list[list[str]]):
    check("bdm", rows_csv(rows))


@st.composite
def ktab_table(draw: st.DrawFn) -> list[list[str]]:
    ndims = draw(st.integers(1, 3))
    header = ["Actor", "Desc", "Influence"]
    for d in range(ndims):
        header += [f"D{d} Position", f"D{d} Salience"]
    rows = []
    for n in draw(NAMES):
        row = [n, draw(st.text(max_size=4)), draw(num(0, 10))]
        for _ in range(ndims):
            row += ["", ""] if draw(st.booleans()) and rows else [draw(num(0, 100)),
                                                                   draw(num(0, 100))]
        rows.append(row)
    title = ["scen", "desc", str(len(rows)), str(ndims)]
    return draw(corrupt([title, header, *rows]))


@FUZZ
@given(ktab_table())
def test_ktab_csv_tables(rows: list[list[str]]):
    check("ktab", rows_csv(rows))


@st.composite
def ktab_xml(draw: st.DrawFn) -> str:
    def e(x: str) -> str:
        return escape("".join(c for c in x if c.isprintable()))

    ndims = draw(st.integers(1, 3))
    parts = ["<Scenario><name>fuzz</name><Dimensions>"]
    parts += [f"<dName>{e(draw(st.text(max_size=4)))}</dName>" for _ in range(ndims)]
    parts.append("</Dimensions><Actors>")
    for name in draw(NAMES):
        cells = draw(corrupt([[draw(num(0, 10))], [draw(num(0, 100)) for _ in range(ndims)],
                              [draw(num(0, 100)) for _ in range(ndims)]]))
        cap, pos, sal = cells
        parts.append(f"<Actor><name>{e(name)}</name>"
                     + "".join(f"<capability>{e(c)}</capability>" for c in cap[:1])
                     + "<Position>" + "".join(f"<dCoord>{e(c)}</dCoord>" for c in pos)
                     + "</Position><Salience>" + "".join(f"<dSal>{e(c)}</dSal>" for c in sal)
                     + "</Salience></Actor>")
    parts.append("</Actors></Scenario>")
    return "".join(parts)


@FUZZ
@given(ktab_xml())
def test_ktab_xml_documents(text: str):
    check("ktab-xml", text)


@st.composite
def decide_rows(draw: st.DrawFn) -> list[list[str]]:
    actors = draw(NAMES)
    issues = draw(st.lists(st.sampled_from(["p", "q", "r"]), min_size=1, max_size=3, unique=True))
    rows = [["#/", "a comment"]]
    rows += [["#A", a, f"{a} full name"] for a in actors]
    rows += [["#P", i, f"issue {i}"] for i in issues]
    for i in issues:
        if draw(st.booleans()):
            rows += [["#M", i, "0", "low"], ["#M", i, "100", "high"]]
    for a in actors:
        for i in issues:
            if draw(st.booleans()):
                rows.append(["#D", a, i, draw(num(0, 100)), draw(num(0, 1)), draw(num(0, 5))])
    return draw(corrupt(rows))


@FUZZ
@given(decide_rows(), st.sampled_from(["\t", ";"]))
def test_decide_files(rows: list[list[str]], delimiter: str):
    text = "\n".join(delimiter.join(f"'{c}'" if k < 3 else c for k, c in enumerate(r))
                     for r in rows)
    check("decide", text + "\n")


@st.composite
def deu_table(draw: st.DrawFn) -> list[list[str]]:
    actors = draw(st.lists(st.sampled_from(["com", "ep", "de", "fr", "xx"]), min_size=1,
                           max_size=4, unique=True))
    meta = ["prnr", "isnr", "isnrnmc", "proc", "counvte", "rp", "out"]
    header = meta + [f"{ps}{a}" for a in actors for ps in "ps"]
    rows = [header]
    if draw(st.booleans()):
        rows.append([""] * len(meta) + [x for _ in actors for x in (draw(num(1, 1e6)), "")])
    for k in range(draw(st.integers(1, 4))):
        row = [f"P{k}", f"i{k}", f"P{k}-i{k}", draw(st.sampled_from(["COD", "CNS"])),
               draw(st.sampled_from(["QMV", "Unan", ""])), draw(num(0, 100)),
               draw(st.sampled_from(["", "50"]))]
        for _ in actors:
            row += ["", ""] if draw(st.booleans()) else [draw(num(0, 100)),
                                                         draw(st.sampled_from(["", "40"]))]
        rows.append(row)
    return draw(corrupt(rows))


@FUZZ
@given(deu_table())
def test_deu_tables(rows: list[list[str]]):
    text = rows_csv(rows, delimiter="\t")
    check("deu", text)
    check("deu-table", text)


TOML_VALUE = st.one_of(st.floats(0, 1), st.integers(0, 100), st.sampled_from(["A", "river"]),
                       st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(),
              st.text(max_size=6), st.dates()),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=6,
))


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for k, v in enumerate(node):
            out += _paths(v, (*prefix, k))
    return out


MINI_DATA = tomllib.loads(MINI.read_text())
MINI_PATHS = _paths(MINI_DATA)


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(MINI_PATHS), TOML_VALUE), min_size=1, max_size=3))
def test_toml_scenarios_with_values_replaced(edits: list[tuple[tuple[Any, ...], Any]]):
    data = tomllib.loads(MINI.read_text())
    for path, value in edits:
        node = data
        try:
            for key in path[:-1]:
                node = node[key]
            if value is None:
                del node[path[-1]]
            else:
                node[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed this path
    try:
        text = tomli_w.dumps(data)
    except (TypeError, ValueError):
        return  # not expressible in TOML (e.g. a list mixing tables and values)
    check("toml", text)


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 3000), st.sampled_from([("[", "]"), ("{b=", "}")]))
def test_toml_nested_deeply(depth: int, brackets: tuple[str, str]):
    """tomllib parses nesting recursively: deep nesting is bad input, not a RecursionError."""
    open_, close = brackets
    value = open_ * depth + ("1" if open_ == "{b=" else "") + close * depth
    check("toml", f'[scenario]\nid = "x"\n[[actors]]\nid = "a"\nname = {value}\n')


@st.composite
def edge_list(draw: st.DrawFn) -> list[list[str]]:
    nodes = draw(NAMES.filter(lambda xs: len(xs) >= 2))
    timed = draw(st.booleans())
    header = ["from", "to", "sign", "weight"] + (["begin", "end"] if timed else [])
    rows = [header]
    pairs = draw(st.lists(st.tuples(st.sampled_from(nodes), st.sampled_from(nodes)).filter(
        lambda p: p[0] != p[1]), min_size=1, max_size=6, unique_by=lambda p: frozenset(p)))
    for a, b in pairs:
        row = [a, b, draw(st.sampled_from(["1", "-1", "+", "-"])), draw(num(0.1, 5))]
        if timed:
            y = draw(st.integers(1900, 2000))
            row += [str(y), draw(st.sampled_from(["", str(y + 5)]))]
        rows.append(row)
    return draw(corrupt(rows))


@FUZZ
@given(edge_list())
def test_signed_edge_lists(rows: list[list[str]]):
    check("edges", rows_csv(rows))


@st.composite
def pajek(draw: st.DrawFn) -> str:
    labels = draw(NAMES.filter(lambda xs: len(xs) >= 2 and all('"' not in x for x in xs)))
    n = len(labels)
    lines = [[f"*Vertices {n}"]] + [[f'{k + 1} "{x}"'] for k, x in enumerate(labels)]
    for w in range(draw(st.integers(1, 2))):
        lines.append([draw(st.sampled_from(["*Edges", "*Arcs"])), f':{w} "{1946 + w}"'])
        pairs = draw(st.lists(st.tuples(st.integers(1, n), st.integers(1, n)).filter(
            lambda p: p[0] != p[1]), min_size=1, max_size=5, unique_by=lambda p: frozenset(p)))
        lines += [[str(i), str(j), draw(st.sampled_from(["1", "-1", "2.5", "-0.5"]))]
                  for i, j in pairs]
    return "\n".join(" ".join(x) for x in draw(corrupt(lines))) + "\n"


@FUZZ
@given(pajek())
def test_pajek_networks(text: str):
    check("pajek", text)


@st.composite
def landscape(draw: st.DrawFn) -> tuple[list[list[str]], list[list[str]]]:
    actors = draw(NAMES)
    n = len(actors)
    sizes = [["actor", "strength"]] + [[a, draw(num(0, 10))] for a in actors]
    upper = {(i, j): draw(num(1, 5)) for i in range(n) for j in range(i + 1, n)}
    matrix = [[""] + actors] + [
        [a] + ["" if i == j else upper[min(i, j), max(i, j)] for j in range(n)]
        for i, a in enumerate(actors)
    ]
    return draw(corrupt(sizes)), draw(corrupt(matrix))


@FUZZ
@given(landscape())
def test_landscape_tables(tables: tuple[list[list[str]], list[list[str]]]):
    sizes, matrix = tables
    with tempfile.TemporaryDirectory() as tmp:
        s, m = Path(tmp) / "sizes.csv", Path(tmp) / "matrix.csv"
        s.write_text(rows_csv(sizes))
        m.write_text(rows_csv(matrix))
        try:
            table = read_landscape_csv(s, m, center=3)
        except InputError as err:
            assert err.file in (str(s), str(m)) and err.problems
            event("landscape: InputError")
            return
    event("landscape: read")
    assert isinstance(table, LandscapeTable)
    assert len(table.propensities) == len(table.actors) == len(table.sizes)


@FUZZ
@given(st.sampled_from(["ATF-8", "UTF-16", "latin-1", "ascii", "utf-8"]))
def test_ktab_xml_read_as_utf8_whatever_its_declaration(encoding: str):
    """Found by fuzzing: an unknown encoding in the XML declaration raised LookupError. Files
    are read as UTF-8 text; the declaration is not followed."""
    text = SHIPPED["ktab-xml"].read_text(encoding="utf-8-sig")
    text = text.replace('encoding="UTF-8"', f'encoding="{encoding}"', 1)
    text = text.replace("One of the SMP", "Un des acteurs \u00e9", 1)
    assert f'encoding="{encoding}"' in text
    sc = check("ktab-xml", text)
    assert isinstance(sc, Scenario) and sc.actors[0].name == "Un des acteurs \u00e9 actors"


def test_the_fuzzed_readers_accept_their_shipped_files():
    """The fuzz tests' reader table reads real files too (a reader that always refused would
    pass every fuzz test above)."""
    for kind, path in SHIPPED.items():
        assert check(kind, path.read_bytes()) is not None, kind
    assert check("deu", (REF / "deu3" / "deu3_dev.tsv").read_bytes()) is not None
    assert check("pajek", (DATA / "alignment" / "cow_signed_1946_1999.net").read_bytes())
    assert check("edges", "from,to,sign\nA,B,1\nB,C,-1\n") is not None
