"""The one number formatter of summaries, tables and reports, and JSON's NaN."""

from __future__ import annotations

import math

import pytest

from realpolitik.numfmt import fmt, json_number


@pytest.mark.parametrize(
    ("x", "signed", "text"),
    [(57.4, False, "57"), (-12.6, False, "-13"), (9.96, False, "10.0"), (4.44, False, "4.4"),
     (0.3, True, "+0.30"), (-1.0, True, "-1.00"), (0.0, True, "+0.00")],
)
def test_fmt(x: float, signed: bool, text: str):
    assert fmt(x, signed=signed) == text


def test_json_number():
    assert json_number(math.nan) is None
    assert json_number(2.5) == 2.5 and type(json_number(2)) is float
