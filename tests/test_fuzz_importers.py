"""Fuzzing every reader of user files: random bytes, mutated shipped files and random tables
that look valid. The contract: a Scenario (or the reader's own result), or an InputError that
names the file with at least one problem; never another exception."""

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
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from realpolitik.errors import InputError
from realpolitik.scenario.importers import bdm, decide, deu, ktab
from realpolitik.scenario.loader import load_any, load_scenario
from realpolitik.scenario.schema import Scenario
from realpolitik.scenario.signed_graph import (
    GraphWindow,
    LandscapeTable,
    read_landscape_csv,
    read_signed_graph,
)

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
            return None
    assert isinstance(result, result_type), type(result)
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

NUMBER_TEXT = st.one_of(
    st.integers(-200, 200).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(0, 100).map(lambda x: f"{x:.2f}"),
)
ODD = st.sampled_from(
    ["", " ", "NA", "n/a", "nan", "-", ".", "inf", "-inf", "1e400", "'5'", '"7"', "x", "1,5",
     "\u0661\u0662", "0x10", "1_0", "\u2014", "+", "#A", "None"]
)
CELL = st.one_of(NUMBER_TEXT, NUMBER_TEXT, ODD, st.text(max_size=6))
NAME = st.one_of(st.sampled_from(["A", "B", "C", "USA", "a b", "A"]), st.text(max_size=5))


def rows_csv(rows: list[list[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return out.getvalue()


@FUZZ
@given(
    st.lists(st.sampled_from(["Actor", "Capability", "Position", "Salience", "Stakeholder",
                              "Resources", "Power", "x"]), min_size=3, max_size=6),
    st.lists(st.tuples(NAME, st.lists(CELL, min_size=0, max_size=7)), max_size=6),
)
def test_bdm_tables(header: list[str], rows: list[tuple[str, list[str]]]):
    check("bdm", rows_csv([header] + [[n, *cells] for n, cells in rows]))


@FUZZ
@given(
    st.integers(0, 3),
    st.lists(st.tuples(NAME, st.lists(CELL, max_size=9)), max_size=6),
    st.booleans(),
)
def test_ktab_csv_tables(ndims: int, rows: list[tuple[str, list[str]]], odd_header: bool):
    header = ["Actor", "Desc", "Influence"]
    for d in range(ndims):
        header += [f"D{d} Position", f"D{d} Salience"]
    if odd_header:
        header.append("extra")
    check("ktab", rows_csv([["scen", "desc", str(len(rows)), str(ndims)], header]
                           + [[n, "", *cells] for n, cells in rows]))


@FUZZ
@given(
    st.lists(st.text(max_size=4), max_size=3),
    st.lists(st.tuples(NAME, CELL, st.lists(CELL, max_size=4), st.lists(CELL, max_size=4)),
             max_size=5),
)
def test_ktab_xml_documents(dims: list[str], actors: list[tuple[str, str, list[str], list[str]]]):
    def e(x: str) -> str:
        return escape("".join(c for c in x if c.isprintable()))

    parts = ["<Scenario><name>fuzz</name><Dimensions>"]
    parts += [f"<dName>{e(d)}</dName>" for d in dims]
    parts.append("</Dimensions><Actors>")
    for name, cap, pos, sal in actors:
        parts.append(f"<Actor><name>{e(name)}</name><capability>{e(cap)}</capability><Position>")
        parts += [f"<dCoord>{e(c)}</dCoord>" for c in pos]
        parts.append("</Position><Salience>")
        parts += [f"<dSal>{e(c)}</dSal>" for c in sal]
        parts.append("</Salience></Actor>")
    parts.append("</Actors></Scenario>")
    check("ktab-xml", "".join(parts))


DECIDE_ROW = st.one_of(
    st.tuples(st.just("#A"), NAME, NAME).map(list),
    st.tuples(st.just("#P"), st.sampled_from(["p", "q", "p"]), st.text(max_size=4)).map(list),
    st.tuples(st.just("#M"), st.sampled_from(["p", "q", "z"]), CELL).map(list),
    st.tuples(st.just("#D"), NAME, st.sampled_from(["p", "q", "z"]), CELL, CELL, CELL).map(list),
    st.lists(CELL, max_size=6),
)


@FUZZ
@given(st.lists(DECIDE_ROW, max_size=12), st.sampled_from(["\t", ";", ","]))
def test_decide_files(rows: list[list[str]], delimiter: str):
    quoted = [[f"'{c}'" if k < 3 else c for k, c in enumerate(r)] for r in rows]
    check("decide", "\n".join(delimiter.join(r) for r in quoted) + "\n")


@FUZZ
@given(
    st.lists(st.sampled_from(["com", "de", "fr", "x", "p"]), max_size=4),
    st.sets(st.sampled_from(["prnr", "isnr", "isnrnmc", "proc", "counvte", "rp", "out"])),
    st.booleans(),
    st.lists(st.lists(CELL, max_size=14), max_size=5),
)
def test_deu_tables(actors: list[str], meta: set[str], gdp: bool, rows: list[list[str]]):
    header = sorted(meta) + [f"{ps}{a}" for a in actors for ps in "ps"]
    body = [[""] * len(meta) + ["1000"] * (2 * len(actors))] if gdp else []
    check("deu", rows_csv([header, *body, *rows], delimiter="\t"))
    check("deu-table", rows_csv([header, *body, *rows], delimiter="\t"))


TOML_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(),
              st.text(max_size=6), st.dates()),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=6,
)


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


SIGN = st.one_of(st.sampled_from(["1", "-1", "+", "-", "+1", "0", "2", ""]), CELL)


@FUZZ
@given(
    st.lists(st.sampled_from(["from", "to", "sign", "weight", "begin", "end", "source", "x"]),
             min_size=1, max_size=6),
    st.lists(st.tuples(NAME, NAME, SIGN, st.lists(CELL, max_size=4)), max_size=6),
)
def test_signed_edge_lists(header: list[str], rows: list[tuple[str, str, str, list[str]]]):
    check("edges", rows_csv([header] + [[a, b, s, *rest] for a, b, s, rest in rows]))


PAJEK_LINE = st.one_of(
    st.sampled_from(["*Vertices 3", "*Vertices", "*Vertices x", "*Edges", '*Edges :1 "46-49"',
                     "*Arcs", "*Matrix", "% comment", ""]),
    st.tuples(st.integers(-1, 5), NAME).map(lambda t: f'{t[0]} "{t[1]}"'),
    st.tuples(st.integers(-1, 5), st.integers(-1, 5), CELL).map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
    st.text(max_size=8),
)


@FUZZ
@given(st.lists(PAJEK_LINE, max_size=12))
def test_pajek_networks(lines: list[str]):
    check("pajek", "*Vertices 3\n" + "\n".join(lines) + "\n")
    check("pajek", "\n".join(lines) + "\n")


@FUZZ
@given(
    st.lists(st.tuples(NAME, CELL), max_size=4),
    st.lists(st.lists(CELL, max_size=5), max_size=5),
    st.sampled_from(["actor,strength", "id,actor,strength", "name,size", "x,y"]),
)
def test_landscape_tables(sizes: list[tuple[str, str]], matrix: list[list[str]], header: str):
    with tempfile.TemporaryDirectory() as tmp:
        s, m = Path(tmp) / "sizes.csv", Path(tmp) / "matrix.csv"
        cols = header.split(",")
        s.write_text(rows_csv([cols] + [[n, v] if len(cols) == 2 else ["1", n, v]
                                        for n, v in sizes]))
        m.write_text(rows_csv(matrix))
        try:
            table = read_landscape_csv(s, m, center=3)
        except InputError as err:
            assert err.file in (str(s), str(m)) and err.problems
            return
    assert isinstance(table, LandscapeTable)
    assert len(table.propensities) == len(table.actors) == len(table.sizes)


def test_the_fuzzed_readers_accept_their_shipped_files():
    """The fuzz tests' reader table reads real files too (a reader that always refused would
    pass every fuzz test above)."""
    for kind, path in SHIPPED.items():
        assert check(kind, path.read_bytes()) is not None, kind
    assert check("deu", (REF / "deu3" / "deu3_dev.tsv").read_bytes()) is not None
    assert check("pajek", (DATA / "alignment" / "cow_signed_1946_1999.net").read_bytes())
    assert check("edges", "from,to,sign\nA,B,1\nB,C,-1\n") is not None
