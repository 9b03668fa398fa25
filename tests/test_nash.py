"""Nash bargaining under a decision rule: hand-solved cases, a grid-search cross-check written
from the definition, and invariances (docs/models.md, Nash bargaining)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from conftest import REF, SCENARIO, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from realpolitik.analysis.backtest import issue_panel, load_panel
from realpolitik.analysis.forecast import decision_rule, forecast_issue
from realpolitik.analysis.registry import Context
from realpolitik.models.bargaining import nash_bargaining
from realpolitik.models.bargaining.procedural import DEFAULT_RULE, NICE_QMV_SHARE, RULE_QUOTAS
from realpolitik.scenario.importers import deu
from realpolitik.scenario.loader import load_scenario

SETTINGS = settings(max_examples=60, deadline=None)
UTILITIES = ("linear", "quadratic")


# --------------------------------------------------------------------------- solved by hand


@pytest.mark.parametrize(
    ("utility", "w", "expected"),
    [
        # linear: gains y and y on [0, 30], 60 - y and y on [30, 60]: the product peaks at the kink
        ("linear", [1, 1], 30.0),
        # linear, weights 1:3, on [30, 60]: -1/(60 - y) + 3/y = 0
        ("linear", [1, 3], 45.0),
        # quadratic: gains y(60 - y) and y(140 - y); 2/y = 1/(60 - y) + 1/(140 - y)
        # <=> y^2 - 150 y + 4200 = 0
        ("quadratic", [1, 1], 75 - math.sqrt(1425)),
        # quadratic, weights 1:3: 4/y = 1/(60 - y) + 3/(140 - y) <=> y^2 - 140 y + 4200 = 0
        ("quadratic", [1, 3], 70 - math.sqrt(700)),
    ],
)
def test_two_veto_players_solved_by_hand(utility, w, expected):
    # both must consent (unanimity); the set they both prefer to d = 0 is [0, 60]
    res = nash_bargaining([30, 70], w, 0, 100, 0, utility=utility, quota=1.0)
    assert res.feasible and (res.low, res.high) == (0.0, 60.0)
    assert res.outcome == pytest.approx(expected, abs=1e-7)


@pytest.mark.parametrize("utility", UTILITIES)
def test_a_non_veto_actor_at_the_reference_point_does_not_block(utility):
    # actor 0 sits at d = 0 with 1 vote of 4; actor 1 holds 3 and alone reaches a majority.
    # Actor 0's security level is its worst outcome in A = [0, 100]: gains 100 - y and y
    # (linear), or 100^2 - y^2 and y (200 - y) (quadratic); both products peak at y = 50.
    res = nash_bargaining(
        [0, 100], [1, 1], 0, 100, 0, utility=utility, votes=[1, 3], quota=0.5
    )
    assert res.feasible and res.outcome == pytest.approx(50.0, abs=1e-7)
    # under unanimity the same actor is a veto player and nothing but d can pass
    res = nash_bargaining(
        [0, 100], [1, 1], 0, 100, 0, utility=utility, votes=[1, 3], quota=1.0
    )
    assert not res.feasible and res.outcome == 0.0 and res.log_product == -math.inf


@pytest.mark.parametrize("utility", UTILITIES)
def test_qualified_majority_small_member_at_reference_point(utility):
    # votes 1, 2, 2: under QMV (73.9%) only actors 1 and 2 hold a blocking minority alone
    x, w = [0, 30, 70], [1, 1, 1]
    qmv = nash_bargaining(x, w, 0, 100, 0, utility=utility, votes=[1, 2, 2], quota=NICE_QMV_SHARE)
    without = nash_bargaining(x[1:], w[1:], 0, 100, 0, utility=utility, quota=1.0)
    assert qmv.feasible and (qmv.low, qmv.high) == (0.0, 60.0)
    assert 0 < qmv.outcome < without.outcome  # actor 0 pulls towards itself, without blocking
    # a blocking coalition of the members at d blocks when it holds more than 1 - quota
    coalition = nash_bargaining(
        [0, 0, 70], w, 0, 100, 0, utility=utility, votes=[1, 1, 2], quota=NICE_QMV_SHARE,
        blocking="coalition",
    )
    assert not coalition.feasible and coalition.outcome == 0.0


def test_the_default_rule_is_the_forecasts_default():
    x, w = [0, 10, 60, 100], [1, 2, 3, 1]
    plain = nash_bargaining(x, w, 0, 100, 10)
    assert plain == nash_bargaining(x, w, 0, 100, 10, quota=RULE_QUOTAS[DEFAULT_RULE])
    assert plain.feasible  # actor 1 sits at d but holds 2 of 7: it cannot block a majority
    assert not nash_bargaining(x, w, 0, 100, 10, quota=1.0).feasible


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError, match="utility"):
        nash_bargaining([0, 1], [1, 1], 0, 1, 0, utility="cubic")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="quota"):
        nash_bargaining([0, 1], [1, 1], 0, 1, 0, quota=0.0)
    with pytest.raises(ValueError, match="blocking"):
        nash_bargaining([0, 1], [1, 1], 0, 1, 0, blocking="all")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- grid search


def brute_nash(x, w, votes, quota, d, utility, blocking, lo=0.0, hi=100.0):
    """The definition on a grid, written independently: who is a veto player, which grid points
    the rule admits, each actor's security level, the best admissible grid point."""
    grid = np.linspace(lo, hi, 100_001)
    loss = (lambda y, xi: np.abs(y - xi)) if utility == "linear" else (lambda y, xi: (y - xi) ** 2)
    total = votes.sum()
    ok = np.ones(grid.size, dtype=bool)
    veto = [votes[i] > 0 and total - votes[i] < quota * total * (1 - 1e-12) for i in range(x.size)]
    prefers = [np.abs(grid - x[i]) <= abs(d - x[i]) + 1e-9 for i in range(x.size)]
    for i in range(x.size):
        if veto[i]:
            ok &= prefers[i]
    if blocking == "coalition" and total > 0:
        support = sum(np.where(prefers[i], votes[i], 0.0) for i in range(x.size))
        ok &= support >= quota * total * (1 - 1e-12)
    a, b = grid[ok].min(), grid[ok].max()
    if b - a < 1e-6:
        return None, None
    inner = ok & (grid > a) & (grid < b)
    value = np.zeros(grid.size)
    for i in range(x.size):
        sec = loss(d, x[i]) if veto[i] else max(loss(a, x[i]), loss(b, x[i]))
        gain = sec - loss(grid, x[i])
        with np.errstate(divide="ignore", invalid="ignore"):
            value += w[i] * np.log(np.where(inner, gain, 1.0))
    value = np.where(inner, value, -np.inf)
    return grid[np.argmax(value)], (a, b)


@st.composite
def problems(draw):
    n = draw(st.integers(1, 6))
    x = np.array(draw(st.lists(st.integers(0, 100), min_size=n, max_size=n)), dtype=float)
    w = np.array(draw(st.lists(st.sampled_from([0.5, 1.0, 2.0, 5.0]), min_size=n, max_size=n)))
    votes = np.array(draw(st.lists(st.sampled_from([0.0, 1.0, 3.0, 10.0]), min_size=n,
                                   max_size=n)))
    d = float(draw(st.integers(0, 100)))
    quota = draw(st.sampled_from([1.0, NICE_QMV_SHARE, 0.5]))
    return x, w, votes, quota, d


@SETTINGS
@given(problems(), st.sampled_from(UTILITIES), st.sampled_from(("individual", "coalition")))
def test_matches_grid_search(problem, utility, blocking):
    x, w, votes, quota, d = problem
    res = nash_bargaining(x, w, 0, 100, d, utility=utility, votes=votes, quota=quota,
                          blocking=blocking)
    ref, bounds = brute_nash(x, w, votes, quota, d, utility, blocking)
    if ref is None:
        assert not res.feasible and res.outcome == d
        return
    assert res.feasible
    assert (res.low, res.high) == pytest.approx(bounds, abs=2e-3)
    if abs(res.outcome - ref) > 1e-2:  # a flat top: the objective values must agree
        y = np.array([res.outcome, ref])
        lo_, hi_ = bounds
        val = np.zeros(2)
        total = votes.sum()
        for i in range(x.size):
            veto = votes[i] > 0 and total - votes[i] < quota * total * (1 - 1e-12)
            f = np.abs if utility == "linear" else np.square
            sec = f(d - x[i]) if veto else max(f(lo_ - x[i]), f(hi_ - x[i]))
            val += w[i] * np.log(sec - f(y - x[i]))
        assert val[0] == pytest.approx(val[1], abs=1e-6)


# --------------------------------------------------------------------------- invariances


@SETTINGS
@given(problems(), st.sampled_from(UTILITIES), st.randoms(),
       st.floats(0.1, 20), st.floats(-50, 50), st.floats(0.01, 100))
def test_order_affine_scale_and_weight_invariance(problem, utility, rnd, a, b, k):
    x, w, votes, quota, d = problem
    kw = {"utility": utility, "quota": quota}
    base = nash_bargaining(x, w, 0, 100, d, votes=votes, **kw)
    perm = np.array(rnd.sample(range(x.size), x.size))
    shuffled = nash_bargaining(x[perm], w[perm], 0, 100, d, votes=votes[perm], **kw)
    assert shuffled.outcome == pytest.approx(base.outcome, abs=1e-7)
    assert shuffled.feasible == base.feasible
    moved = nash_bargaining(a * x + b, w, b, 100 * a + b, a * d + b, votes=votes, **kw)
    assert moved.feasible == base.feasible
    assert moved.outcome == pytest.approx(a * base.outcome + b, abs=1e-6 * max(1.0, a))
    scaled = nash_bargaining(x, k * w, 0, 100, d, votes=k * votes, **kw)
    assert scaled.outcome == pytest.approx(base.outcome, abs=1e-7)
    assert base.low - 1e-9 <= base.outcome <= base.high + 1e-9


# --------------------------------------------------------------------------- end to end


def test_bundled_scenario_bargains():
    """Where some actor can gain and no weighted majority sits at the status quo, the default
    rule gives a negotiated forecast, not d (all but one bundled issue; on Japan's sanctions a
    majority of the weight holds the status quo)."""
    r = run_cli("forecast", SCENARIO, "--json", "--model", "nash,compromise")
    assert r.code == 0, r.stderr
    issues = json.loads(r.stdout)["issues"]
    assert len(issues) == len(load_scenario(SCENARIO).issues) >= 8
    feasible = 0
    for issue in issues:
        nash = issue["nash"]
        assert nash["rule"] == "majority" and nash["rule_from"] == "default"
        if nash["feasible"]:
            feasible += 1
            assert issue["forecasts"]["nash"] != pytest.approx(nash["disagreement"])
        else:  # a weighted majority holds at the status quo: no agreement is the answer
            assert issue["forecasts"]["nash"] == pytest.approx(nash["disagreement"])
    assert feasible >= len(issues) - 1


def test_forecast_reads_the_rule_tag_as_the_backtest_does():
    """The back-test's Nash forecast of every DEU development issue equals `forecast` on that
    issue converted to a scenario (the rule comes from the importer's ``rule`` tag)."""
    path = REF / "deu3" / "deu3_dev.tsv"
    panel = load_panel(path, "gdp")
    scored = Context(issue_panel(panel)).predict("nash").point
    scenario = deu.read(path)
    by_row = {i.tags["isnrnmc"]: i for i in scenario.issues}
    rules = {decision_rule(i) for i in scenario.issues}
    assert rules == {("qmv", "tag"), ("unanimity", "tag")}
    for t in range(panel.n):
        issue = by_row[str(panel.issue_id[t])]
        got = forecast_issue(scenario, issue.id, ["nash"]).forecasts["nash"]
        assert got == pytest.approx(scored[t], abs=1e-7)
    mae = float(np.mean(np.abs(scored - panel.outcome)))
    assert mae < 30  # 27.2: docs/models.md (the linear-loss, all-veto model scored 45.4)
