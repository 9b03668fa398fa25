"""The one cell parser and problems collector every table importer reads through."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from realpolitik.errors import InputError
from realpolitik.scenario.cells import MISSING, Problems, table_rows
from realpolitik.scenario.importers.ktab import read_csv
from realpolitik.scenario.limits import MAX_MAGNITUDE


@pytest.mark.parametrize(
    ("text", "kwargs", "value", "message"),
    [
        (" 12.5 ", {}, 12.5, None),
        ("'7'", {}, 7.0, None),
        ('"-3e2"', {}, -300.0, None),
        ("", {}, None, "empty cell, expected a number"),
        ("  ", {"required": False}, None, None),
        ("NA", {"required": False, "missing": MISSING}, None, None),
        ("NA", {}, None, "not a number: 'NA'"),
        ("1,5", {}, None, "not a number: '1,5'"),
        ("nan", {}, None, "not a finite number: 'nan'"),
        ("-inf", {}, None, "not a finite number: '-inf'"),
        ("101", {"lo": 0, "hi": 100}, None, "101 lies outside [0, 100]"),
        ("-0.5", {"lo": 0}, None, "-0.5 is below the minimum 0"),
        ("100.0000001", {"hi": 100}, None, "100.0000001 is above the maximum 100"),
        ("100", {"lo": 0, "hi": 100}, 100.0, None),
    ],
)
def test_number(text: str, kwargs: dict, value: float | None, message: str | None):
    probs = Problems("f.csv")
    assert probs.number(text, "line 3, x", **kwargs) == value
    assert [(p.field, p.message) for p in probs.items] == (
        [] if message is None else [("line 3, x", message)]
    )


@settings(max_examples=60, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_number_reads_back_what_python_writes(x: float):
    probs = Problems("f.csv")
    if abs(x) <= MAX_MAGNITUDE:
        assert probs.number(repr(x), "c") == x and not probs
    else:  # products of larger numbers could overflow: refused, naming the cell
        assert probs.number(repr(x), "c") is None and probs.items[0].field == "c"
        assert "too large" in probs.items[0].message


def test_many_problems_are_listed_up_to_the_limit_then_counted():
    probs = Problems("f.csv", limit=3)
    for k in range(7):
        probs.number("x", f"line {k}")
    with pytest.raises(InputError) as err:
        probs.check()
    fields = [p.field for p in err.value.problems]
    assert fields == ["line 0", "line 1", "line 2", ""]
    assert err.value.problems[-1].message == "... and 4 more problems"
    assert err.value.file == "f.csv"


def test_fail_raises_what_was_found_so_far():
    probs = Problems("f.csv")
    probs.add("line 2", "first")
    with pytest.raises(InputError) as err:
        probs.fail("line 9", "fatal")
    assert [str(p) for p in err.value.problems] == ["line 2: first", "line 9: fatal"]
    Problems("ok.csv").check()  # nothing found: no error


def test_ktab_csv_reports_every_bad_cell_at_once(tmp_path: Path):
    p = tmp_path / "k.csv"
    p.write_text("t,d,2,1\nActor,Desc,Influence,A Position,A Salience\n"
                 "a,,x,50,50\nb,,1,50,150\n,,1,50,50\n")
    with pytest.raises(InputError) as err:
        read_csv(p)
    got = [str(q) for q in err.value.problems]
    assert got == ["line 3, Influence: not a number: 'x'",
                   "line 4, A Salience: 150 lies outside [0, 100]",
                   "line 5, Actor: empty actor name"]


def test_table_rows_end_at_any_line_ending_and_keep_line_numbers():
    text = "a,b\r\r\nc,d\re,\"f\rg\"\n ,\n"
    assert table_rows(text, "f.csv") == [(1, ["a", "b"]), (3, ["c", "d"]), (5, ["e", "f\rg"])]


def test_table_rows_refuse_a_field_over_the_csv_limit():
    with pytest.raises(InputError) as err:
        table_rows("a,b\n\"" + "x" * 200_000 + "\"\n", "big.csv")
    assert err.value.file == "big.csv"
    assert [p.field for p in err.value.problems] == ["line 2"]
    assert "field larger than field limit" in err.value.problems[0].message
