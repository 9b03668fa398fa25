"""Exact structural balance: published frustration indices, an enumeration cross-check, the
51 Doreian-Mrvar COW windows, the file readers and the ``balance`` command."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from conftest import DATA, assert_bad_input, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from realpolitik.analysis.alignment import balance_file
from realpolitik.models.alignment import (
    SignedGraph,
    frustrated_edges,
    frustration_index,
    frustration_of,
    is_balanced,
)
from realpolitik.models.alignment.balance import unbalanced_triangles

ALIGN = DATA / "alignment"
TRIBES = ALIGN / "highland_tribes_signed.csv"
WWI = ALIGN / "wwi_signed_ties_1872_1907.csv"
COW = ALIGN / "cow_signed_1946_1999.net"


def brute_force(g: SignedGraph) -> float:
    """Minimum frustrated weight over all 2^n splits, one split at a time."""
    best = np.inf
    for x in itertools.product((0, 1), repeat=g.n):
        best = min(best, frustration_of(g, np.array(x)))
    return float(best)


def random_graph(rng, n, density=0.5, weighted=False):
    pairs = [p for p in itertools.combinations(range(n), 2) if rng.random() < density]
    e = np.array(pairs, dtype=np.intp).reshape(-1, 2)
    s = rng.choice([-1, 1], size=len(pairs))
    w = rng.integers(1, 4, len(pairs)).astype(float) if weighted else np.ones(len(pairs))
    return SignedGraph(n, e, s, w)


# ---------------------------------------------------------------- published values ----------


def test_read_highland_tribes_is_seven():
    (w,) = balance_file(TRIBES)
    assert (len(w.nodes), w.edges, w.frustration, w.optimal) == (16, 58, 7, True)
    assert len(w.frustrated_edges) == 7


def test_wwi_slices_and_the_1907_sides():
    windows = balance_file(WWI)
    assert [w.label for w in windows] == ["1872", "1882", "1890", "1891", "1904", "1907"]
    assert [w.frustration for w in windows] == [1, 1, 1, 1, 1, 0]
    last = windows[-1]
    assert {frozenset(s) for s in last.sides} == {frozenset({"GBR", "FRA", "RUS"}),
                                                  frozenset({"AUH", "DEU", "ITA"})}
    assert last.frustrated_edges == ()
    (w1904,) = balance_file(WWI, at=1904)
    assert w1904.frustration == 1


def _plain_milp(n, e, s) -> float:
    """An independent formulation: binary x and binary f, no cuts, no reductions."""
    m = len(s)
    rows = []
    lb = []
    for k, ((a, b), sg) in enumerate(zip(e, s, strict=True)):
        for ca, cb, lo in ((-1, 1, 0), (1, -1, 0)) if sg > 0 else ((-1, -1, -1), (1, 1, 1)):
            r = np.zeros(n + m)
            r[a], r[b], r[n + k] = ca, cb, 1
            rows.append(r)
            lb.append(lo)
    hi = np.ones(n + m)
    hi[0] = 0
    res = milp(np.r_[np.zeros(n), np.ones(m)], constraints=LinearConstraint(np.array(rows), lb),
               integrality=np.ones(n + m), bounds=Bounds(np.zeros(n + m), hi))
    return float(res.fun)


def test_all_51_cow_windows_are_solved_exactly():
    windows = balance_file(COW)
    assert len(windows) == 51
    assert windows[0].label == "46-49" and windows[-1].label == "96-99"
    assert all(w.optimal for w in windows)
    assert max(len(w.nodes) for w in windows) <= 180
    from realpolitik.scenario.signed_graph import read_signed_graph

    graphs = read_signed_graph(COW)
    for w, g in zip(windows, graphs, strict=True):
        # the reported split is a certificate: it frustrates exactly the reported edges
        side = {x: 0 for x in w.sides[0]} | {x: 1 for x in w.sides[1]}
        bad = {(g.nodes[a], g.nodes[b]) for (a, b), sg in zip(g.edges, g.signs, strict=True)
               if (side[g.nodes[a]] != side[g.nodes[b]]) == (sg > 0)}
        assert bad == set(w.frustrated_edges) and len(bad) == w.frustration
    # two windows against an independent formulation
    for g in graphs[:2]:
        got = next(w for w in windows if w.label == g.label).frustration
        assert _plain_milp(len(g.nodes), g.edges, g.signs) == pytest.approx(got)


# ---------------------------------------------------------------- the solver ----------------


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 10), st.integers(0, 10**6), st.floats(0.1, 0.9), st.booleans())
def test_frustration_index_matches_enumeration(n, seed, density, weighted):
    g = random_graph(np.random.default_rng(seed), n, density, weighted)
    for method in ("auto", "milp"):
        res = frustration_index(g, method=method)
        assert res.frustration == pytest.approx(brute_force(g))
        assert res.frustration == pytest.approx(frustration_of(g, res.sides))
        np.testing.assert_array_equal(res.frustrated, frustrated_edges(g, res.sides))


def test_leaves_and_components_are_handled():
    # a frustrated triangle, a pendant path hanging off it and a separate negative edge
    e = [(0, 1), (1, 2), (0, 2), (2, 3), (3, 4), (5, 6)]
    g = SignedGraph(8, np.array(e), np.array([1, 1, -1, -1, 1, -1]))
    res = frustration_index(g, method="milp")
    assert res.frustration == 1
    assert res.sides[2] != res.sides[3] and res.sides[3] == res.sides[4]
    assert res.sides[5] != res.sides[6]


def test_same_and_apart_constraints():
    rng = np.random.default_rng(4)
    g = random_graph(rng, 9, 0.6, weighted=True)
    for same, apart in [(((0, 1),), ()), ((), ((0, 1),)), (((2, 3),), ((3, 4),))]:
        best = np.inf
        for x in itertools.product((0, 1), repeat=9):
            if all(x[a] == x[b] for a, b in same) and all(x[a] != x[b] for a, b in apart):
                best = min(best, frustration_of(g, np.array(x)))
        for method in ("enumerate", "milp"):
            res = frustration_index(g, same=same, apart=apart, method=method)
            assert res.frustration == pytest.approx(best)
            assert all(res.sides[a] == res.sides[b] for a, b in same)
            assert all(res.sides[a] != res.sides[b] for a, b in apart)


def test_unbalanced_triangles_match_enumeration():
    rng = np.random.default_rng(2)
    for _ in range(20):
        g = random_graph(rng, int(rng.integers(3, 11)), 0.6)
        key = {tuple(sorted(p)): k for k, p in enumerate(g.edges.tolist())}
        expected = set()
        for a, b, c in itertools.combinations(range(g.n), 3):
            ks = [key.get((a, b)), key.get((a, c)), key.get((b, c))]
            if None not in ks and np.prod(g.signs[ks]) < 0:
                expected.add(frozenset(ks))
        got = {frozenset(t) for t in unbalanced_triangles(g.n, g.edges, g.signs).tolist()}
        assert got == expected


def test_balanced_graphs_and_bad_graphs():
    assert is_balanced(SignedGraph(3, np.array([(0, 1), (1, 2), (0, 2)]), np.array([1, -1, -1])))
    assert not is_balanced(SignedGraph(3, np.array([(0, 1), (1, 2), (0, 2)]), np.array([1, 1, -1])))
    assert frustration_index(SignedGraph(4, np.zeros((0, 2), int), np.zeros(0))).frustration == 0
    with pytest.raises(ValueError, match="self-loop"):
        SignedGraph(2, np.array([(1, 1)]), np.array([1]))
    with pytest.raises(ValueError, match="signs"):
        SignedGraph(2, np.array([(0, 1)]), np.array([2]))
    with pytest.raises(ValueError, match="weights"):
        SignedGraph(2, np.array([(0, 1)]), np.array([1]), np.array([0.0]))
    with pytest.raises(ValueError, match="endpoints"):
        SignedGraph(2, np.array([(0, 2)]), np.array([1]))


# ---------------------------------------------------------------- readers and CLI -----------


def test_cli_json_for_the_tribes_and_wwi():
    run = run_cli("balance", TRIBES, "--json")
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert list(doc) == ["windows"]
    (w,) = doc["windows"]
    assert set(w) == {"label", "nodes", "edges", "frustration", "sides", "frustrated_edges"}
    assert (w["nodes"], w["edges"], w["frustration"]) == (16, 58, 7)
    run = run_cli("balance", WWI, "--year", "1907", "--json")
    (w,) = json.loads(run.stdout)["windows"]
    assert w["frustration"] == 0
    assert sorted(map(sorted, w["sides"])) == [["AUH", "DEU", "ITA"], ["FRA", "GBR", "RUS"]]


def test_cli_pajek_window_by_year_and_table():
    run = run_cli("balance", COW, "--year", "1946", "--json")
    assert run.code == 0, run.stderr
    (w,) = json.loads(run.stdout)["windows"]
    assert (w["label"], w["nodes"], w["edges"], w["frustration"]) == ("46-49", 64, 362, 17)
    run = run_cli("balance", WWI)
    assert run.code == 0 and "1907" in run.stdout


@pytest.mark.parametrize("text,needles", [
    ("from,to,sign\nA,A,1\n", ["line 2", "self-loop"]),
    ("from,to,sign\nA,B,maybe\n", ["line 2", "unknown sign"]),
    ("from,to,sign\nA,B,0\n", ["unknown sign"]),
    ("from,to\nA,B\n", ["line 1", "sign"]),
    ("from,to,sign\n", ["empty"]),
    ("from,to,sign,weight\nA,B,1,-2\n", ["weight must be > 0"]),
    ("from,to,sign\nA,B,1\nB,A,-1\n", ["line 3", "second tie"]),
    ("from,to,sign,begin,end\nA,B,1,1900,1890\n", ["begin"]),
    ("from,to,sign,begin,end\nA,B,1,x,1890\n", ["not a number"]),
])
def test_bad_csv_graphs(tmp_path: Path, text, needles):
    f = tmp_path / "g.csv"
    f.write_text(text)
    assert_bad_input(run_cli("balance", f), str(f), *needles)


@pytest.mark.parametrize("text,needles", [
    ('*Vertices 2\n1 "A"\n2 "B"\n*Edges\n1 1 1\n', ["line 5", "self-loop"]),
    ('*Vertices 2\n1 "A"\n2 "B"\n*Edges\n1 2 0\n', ["unknown sign"]),
    ('*Vertices 2\n1 "A"\n2 "B"\n*Edges\n1 3 1\n', ["vertex 3"]),
    ('*Vertices 2\n1 "A"\n2 "B"\n*Edges\n', ["empty"]),
    ('*Vertices 2\n1 "A"\n2 "B"\n*Matrix\n', ["unsupported"]),
])
def test_bad_pajek_graphs(tmp_path: Path, text, needles):
    f = tmp_path / "g.net"
    f.write_text(text)
    assert_bad_input(run_cli("balance", f), str(f), *needles)


def test_pajek_arcs_reciprocated_once(tmp_path: Path):
    f = tmp_path / "arcs.net"
    f.write_text('*Vertices 3\n1 "A"\n2 "B"\n3 "C"\n*Arcs\n1 2 1\n2 1 1\n2 3 -1\n1 3 1\n')
    (w,) = balance_file(f)
    assert (w.edges, w.frustration, w.label) == (3, 1, "arcs 1")
    f.write_text('*Vertices 2\n1 "A"\n2 "B"\n*Arcs\n1 2 1\n2 1 -1\n')
    assert_bad_input(run_cli("balance", f), "second tie")


def test_bad_options_and_files(tmp_path: Path):
    f = tmp_path / "g.csv"
    f.write_text("from,to,sign\nA,B,1\n")
    assert_bad_input(run_cli("balance", f, "--year", "1900"), "--year", "begin/end")
    assert_bad_input(run_cli("balance", WWI, "--year", "1700"), "no tie holds in 1700")
    assert_bad_input(run_cli("balance", COW, "--year", "1940"), "no window starts in 1940")
    assert_bad_input(run_cli("balance", tmp_path / "missing.csv"), "no such")
    empty = tmp_path / "e.csv"
    empty.write_text("")
    assert_bad_input(run_cli("balance", empty), "empty")


@pytest.mark.parametrize(("text", "needle"), [
    ('*Vertices 2\n1 "a\n2 "b"\n*Edges\n1 2 1\n', "cannot read vertex line"),
    ('*Vertices 3\n1 "a"\n2 "b"\n3 "c"\n*Edges :1 "1990"\n1 2 1\n*Edges :2 "1990"\n2 3 -1\n',
     "window '1990' again"),
])
def test_pajek_unterminated_quotes_and_repeated_windows_are_refused(text: str, needle: str,
                                                                   tmp_path: Path):
    f = tmp_path / "g.net"
    f.write_text(text, encoding="utf-8")
    assert_bad_input(run_cli("balance", f), str(f), needle)
