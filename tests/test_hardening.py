"""Hostile inputs found by a new user (issue 13) that must give exit 0 with a correct answer or
exit 2 with a clear message, never a crash or an unbounded run."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import DATA, assert_bad_input, run_cli

from realpolitik.models.alignment.balance import SignedGraph, frustration_index

COW_NET = DATA / "alignment" / "cow_signed_1946_1999.net"
TRIBES = DATA / "alignment" / "highland_tribes_signed.csv"


@pytest.mark.parametrize("value", ["-1", "nan", "0", "inf", "-inf"])
def test_balance_time_limit_must_be_positive_and_finite(value: str):
    assert_bad_input(run_cli("balance", TRIBES, "--time-limit", value), "--time-limit")


def test_balance_tiny_time_limit_gives_flagged_bounds_not_a_crash():
    exact = json.loads(run_cli("balance", COW_NET, "--year", "1990", "--json").stdout)
    run = run_cli("balance", COW_NET, "--year", "1990", "--time-limit", "0.000001", "--json")
    assert run.code == 0, run.stderr
    bounded = json.loads(run.stdout)
    for a, b in zip(exact["windows"], bounded["windows"], strict=True):
        assert b["frustration"] >= a["frustration"]  # an upper bound, never below the optimum


def test_frustration_index_refuses_bad_time_limits_and_bounds_when_stopped():
    rng = np.random.default_rng(0)
    n = 40
    pairs = np.array([(i, j) for i in range(n) for j in range(i + 1, n)
                      if rng.random() < 0.3], dtype=np.intp)
    signs = rng.choice(np.array([-1, 1], dtype=np.int8), size=len(pairs))
    g = SignedGraph(n, pairs, signs, np.ones(len(pairs)))
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="time_limit"):
            frustration_index(g, time_limit=bad)
    exact = frustration_index(g, method="milp")
    quick = frustration_index(g, method="milp", time_limit=1e-6)
    assert exact.optimal and quick.frustration >= exact.frustration
    assert quick.optimal is False or quick.frustration == exact.frustration


def test_the_time_limit_is_shared_by_all_components(monkeypatch: pytest.MonkeyPatch):
    """Many hard components: each solver call gets what is left of one budget (it was the whole
    budget for each, so 60 components took 60 times the limit)."""
    from realpolitik.models.alignment import balance

    rng = np.random.default_rng(1)
    size, count = 25, 6
    pairs = [(c * size + i, c * size + j) for c in range(count) for i in range(size)
             for j in range(i + 1, size) if rng.random() < 0.5]
    e = np.array(pairs, dtype=np.intp)
    g = SignedGraph(size * count, e, rng.choice(np.array([-1, 1], dtype=np.int8), len(e)),
                    np.ones(len(e)))
    given: list[float | None] = []
    solve = balance._milp

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        given.append(args[-1])
        return solve(*args, **kwargs)

    monkeypatch.setattr(balance, "_milp", spy)
    res = frustration_index(g, time_limit=1000.0)
    assert len(given) == count and res.optimal
    assert all(g is not None and g <= 1000.0 for g in given)
    assert given == sorted(given, reverse=True) and given[0] > given[-1]  # what is left shrinks
    given.clear()
    frustration_index(g, time_limit=1e-9)
    assert given == [balance.MIN_SLICE] * count
