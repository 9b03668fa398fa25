"""``realpolitik align --backtest``: the alignment record (analysis/alignment_record.py).

A synthetic history where the right answer is known, the outcome rule (blocs, most years,
membership), persistence scored exactly as defined, the balance probabilities against a
brute-force enumeration, no leakage from data after t + H (synthetic and COW), and the CLI."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field

import numpy as np
import pytest
from conftest import assert_bad_input, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from realpolitik.analysis.alignment_record import (
    MODELS,
    CowHistory,
    alignment_record,
    balance_together,
    block_bootstrap_mean,
    landscape_together,
    observe_year,
    window_outcome,
)

Pair = tuple[int, int]


@dataclass
class Synthetic:
    """A made-up history: fixed states, propensities and pacts by year (default: none)."""

    n: int
    first: int = 1900
    last: int = 1960
    props: dict[int, np.ndarray] = field(default_factory=dict)
    pact_years: dict[int, set[Pair]] = field(default_factory=dict)
    absent: dict[int, set[int]] = field(default_factory=dict)

    def states(self, year: int) -> tuple[int, ...]:
        return tuple(range(self.n))

    def landscape(self, year: int, states: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        return np.full(self.n, 1.0 / self.n), self.props.get(year, np.zeros((self.n, self.n)))

    def pacts(self, year: int, states: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        a = np.zeros((self.n, self.n), dtype=bool)
        for i, j in self.pact_years.get(year, set()):
            a[i, j] = a[j, i] = True
        present = np.array([s not in self.absent.get(year, set()) for s in states])
        return a, present

    def label(self, state: int) -> str:
        return f"S{state}"


def two_blocs() -> np.ndarray:
    """{0, 1} vs {2, 3}: allies within, enemies across."""
    p = -np.ones((4, 4))
    p[0, 1] = p[1, 0] = p[2, 3] = p[3, 2] = 1.0
    np.fill_diagonal(p, 0.0)
    return p


# ---------------------------------------------------------------- a known answer -----------


def test_models_that_see_the_blocs_coming_beat_persistence_exactly():
    # Propensities show two camps from 1905; the pacts follow only in 1910.
    h = Synthetic(4, props={y: two_blocs() for y in range(1905, 1961)},
                  pact_years={y: {(0, 1), (2, 3)} for y in range(1910, 1961)})
    rec = alignment_record(h, 1908, 1908, horizon=3)  # outcome years 1909-1911: pacts in 2 of 3
    m = {r.name: r for r in rec.models}
    assert m["persistence"].n == 6
    assert m["persistence"].accuracy == pytest.approx(4 / 6)  # all apart in 1908
    assert m["persistence"].brier == pytest.approx(2 / 6)
    assert (m["persistence"].changed_n, m["persistence"].changed_accuracy,
            m["persistence"].changed_brier) == (2, 0.0, 1.0)
    # base rate and transition: years 1900..1905 (outcomes to 1908), 36 pairs, none together;
    # fitted shares are (together + 1/2) / (pairs + 1)
    q = 0.5 / 37
    for name in ("base_rate", "transition"):
        assert rec.years[0].forecasts[name] == pytest.approx(np.full(6, q))
        assert m[name].brier == pytest.approx((2 * (1 - q) ** 2 + 4 * q**2) / 6)
    for name in ("landscape", "balance"):
        assert m[name].accuracy == 1.0 and m[name].brier == pytest.approx(0.0)
        assert m[name].changed_accuracy == 1.0
        assert m[name].brier_diff == pytest.approx(-2 / 6)
        assert m[name].ci95 == pytest.approx((-2 / 6, -2 / 6))
        assert (m[name].disagree_n, m[name].disagree_right) == (2, 1.0)
    # two years later the pacts are in force: persistence is right too
    later = {r.name: r for r in alignment_record(h, 1911, 1911, horizon=3).models}
    assert later["persistence"].brier == 0.0 and later["persistence"].changed_n == 0


def test_base_rate_is_the_share_together_in_years_whose_outcome_is_known():
    # Pair (0, 1) allied 1900-1903 and 1906-1907: together in both years of s+1..s+2 for
    # s = 1900, 1901 and 1905. Scoring t = 1906 with H = 2 may use s <= 1904 only.
    h = Synthetic(3, pact_years={y: {(0, 1)} for y in (1900, 1901, 1902, 1903, 1906, 1907)})
    rec = alignment_record(h, 1906, 1906, horizon=2)
    # training years s = 1900..1904, 3 pairs each: together (0, 1) in s = 1900 and 1901
    assert rec.years[0].forecasts["base_rate"] == pytest.approx(np.full(3, 2.5 / 16))


def test_transition_and_combined_cells_match_a_loop_over_training_pairs():
    rng = np.random.default_rng(11)
    n, hz = 5, 2
    pairs = list(itertools.combinations(range(n), 2))
    props = {}
    for y in range(1900, 1941):
        q = np.triu(rng.choice([-1.0, 0.0, 1.0], size=(n, n)), 1)
        props[y] = q + q.T
    h = Synthetic(n, last=1940, props=props,
                  pact_years={y: {p for p in pairs if rng.random() < 0.3}
                              for y in range(1900, 1941)})
    t = 1925
    rec = alignment_record(h, 1910, 1930, horizon=hz)
    train = [observe_year(h, s, hz) for s in range(1900, t - hz + 1)]
    year = next(y for y in rec.years if y.year == t)
    for model, signal in (("transition", None), ("transition+landscape", "landscape"),
                          ("transition+balance", "balance")):
        def key(y, k, signal=signal):  # noqa: ANN001, ANN202
            if signal is None:
                return bool(y.now[k])
            p = y.forecasts[signal][k]
            return (bool(y.now[k]), "half" if p == 0.5 else (p > 0.5) == y.now[k])
        counts: dict = {}
        for y in train:
            for k in range(y.outcome.size):
                tog, tot = counts.get(key(y, k), (0, 0))
                counts[key(y, k)] = (tog + bool(y.outcome[k]), tot + 1)
        for k in range(year.outcome.size):
            tog, tot = counts.get(key(year, k), (0, 0))
            assert year.forecasts[model][k] == pytest.approx((tog + 0.5) / (tot + 1)), model


# ---------------------------------------------------------------- the outcome rule ---------


def test_blocs_chain_and_most_years_and_membership():
    h = Synthetic(5, pact_years={
        1901: {(0, 1), (1, 2)}, 1902: {(0, 1), (1, 2)}, 1903: {(0, 1)},
        1904: {(3, 4)}, 1905: {(3, 4)}})
    tog, scored = window_outcome(h, 1900, h.states(1900), 5)
    assert scored.all()
    assert tog[0, 1]  # 3 of 5 years
    assert not tog[0, 2] and not tog[1, 2]  # 2 of 5 (0-2 only through 1)
    assert not tog[3, 4]  # 2 of 5
    # state 4 out of the system in 1901-1903: 3-4 together in 2 of its 2 years
    h.absent = {y: {4} for y in (1901, 1902, 1903)}
    tog, scored = window_outcome(h, 1900, h.states(1900), 5)
    assert tog[3, 4] and scored[3, 4]
    h.absent = {y: {4} for y in range(1901, 1906)}
    _, scored = window_outcome(h, 1900, h.states(1900), 5)
    assert not scored[3, 4] and not scored[0, 4] and scored[0, 1]


def _blocs_by_hand(n: int, pairs: set[Pair]) -> list[int]:
    """Component label of each node by repeated merging (independent of scipy)."""
    lab = list(range(n))
    changed = True
    while changed:
        changed = False
        for i, j in pairs:
            lo = min(lab[i], lab[j])
            if lab[i] != lo or lab[j] != lo:
                old = {lab[i], lab[j]}
                lab = [lo if x in old else x for x in lab]
                changed = True
    return lab


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_persistence_is_scored_exactly_as_defined(seed):
    rng = np.random.default_rng(seed)
    n, h_len = 6, 3
    all_pairs = list(itertools.combinations(range(n), 2))
    years = {y: {p for p in all_pairs if rng.random() < 0.2} for y in range(1900, 1931)}
    h = Synthetic(n, last=1930, pact_years=years)
    rec = alignment_record(h, 1910, 1920, horizon=h_len)
    hits = total = changed = 0
    for t in range(1910, 1921):
        now = _blocs_by_hand(n, years[t])
        later = [_blocs_by_hand(n, years[u]) for u in range(t + 1, t + h_len + 1)]
        for i, j in all_pairs:
            same_now = now[i] == now[j]
            same_later = sum(b[i] == b[j] for b in later) * 2 > h_len
            total += 1
            hits += same_now == same_later
            changed += same_now != same_later
    p = rec.models[0]
    assert p.name == "persistence" and p.n == total
    assert p.accuracy == pytest.approx(hits / total)
    assert p.brier == pytest.approx(1 - hits / total)
    assert p.changed_n == changed
    if changed:
        assert (p.changed_accuracy, p.changed_brier) == (0.0, 1.0)


# ---------------------------------------------------------------- the models' probabilities --


@settings(max_examples=40, deadline=None)
@given(st.integers(3, 7), st.integers(0, 2**31 - 1))
def test_balance_probabilities_match_brute_force(n, seed):
    rng = np.random.default_rng(seed)
    p = np.triu(rng.choice([-1.0, -0.5, 0.0, 0.25, 1.0], size=(n, n)), 1)
    p = p + p.T
    splits = [x for x in itertools.product((0, 1), repeat=n) if x[-1] == 0]
    frus = [sum(abs(p[i, j]) for i, j in itertools.combinations(range(n), 2)
                if (p[i, j] > 0 and x[i] != x[j]) or (p[i, j] < 0 and x[i] == x[j]))
            for x in splits]
    best = [x for x, f in zip(splits, frus, strict=True) if f <= min(frus) + 1e-9]
    want = np.array([[np.mean([x[i] == x[j] for x in best]) for j in range(n)]
                     for i in range(n)])
    assert balance_together(p) == pytest.approx(want)


@settings(max_examples=30, deadline=None)
@given(st.integers(3, 7), st.integers(0, 2**31 - 1))
def test_landscape_probabilities_are_basin_shares_and_relabel(n, seed):
    rng = np.random.default_rng(seed)
    s = rng.uniform(0.1, 1.0, n)
    p = np.triu(rng.uniform(-1, 1, (n, n)), 1)
    p = p + p.T
    q = landscape_together(s, p)
    assert q == pytest.approx(q.T) and np.diag(q) == pytest.approx(1.0)
    assert ((q >= -1e-12) & (q <= 1 + 1e-12)).all()
    perm = rng.permutation(n)
    assert landscape_together(s[perm], p[np.ix_(perm, perm)]) == pytest.approx(
        q[np.ix_(perm, perm)])


def test_an_unrelated_state_is_a_coin_flip_for_both_models():
    p = np.zeros((3, 3))
    p[0, 1] = p[1, 0] = 1.0
    assert landscape_together(np.ones(3) / 3, p)[0, 2] == pytest.approx(0.5)
    assert balance_together(p)[0, 2] == pytest.approx(0.5)
    assert balance_together(p)[0, 1] == 1.0


def test_block_bootstrap_of_a_constant_is_the_constant_and_covers_the_mean():
    assert block_bootstrap_mean(np.full(10, 3.0), np.full(10, 2.0), 3) == pytest.approx(
        (1.5, 1.5))
    rng = np.random.default_rng(1)
    sums = rng.normal(0.0, 1.0, 40)
    lo, hi = block_bootstrap_mean(sums, np.ones(40), 5)
    assert lo < sums.mean() < hi


# ---------------------------------------------------------------- no leakage ---------------


@dataclass
class Perturbed:
    """Another history with every input after ``inputs_to`` and every pact after ``pacts_to``
    replaced by noise."""

    base: object
    inputs_to: int
    pacts_to: int
    seed: int = 7

    def __getattr__(self, name: str) -> object:
        return getattr(self.base, name)

    def landscape(self, year: int, states: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        s, p = self.base.landscape(year, states)  # type: ignore[attr-defined]
        if year <= self.inputs_to:
            return s, p
        rng = np.random.default_rng(self.seed + year)
        q = np.triu(rng.uniform(-1, 1, p.shape), 1)
        return rng.uniform(0.1, 1, s.size), q + q.T

    def pacts(self, year: int, states: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        a, present = self.base.pacts(year, states)  # type: ignore[attr-defined]
        if year <= self.pacts_to:
            return a, present
        rng = np.random.default_rng(self.seed + year)
        r = np.triu(rng.random(a.shape) < 0.5, 1)
        return r | r.T, present


def _year_json(rec, t):  # noqa: ANN001, ANN202
    y = next(s for s in rec.years if s.year == t)
    return (y.states, y.pairs.tolist(), y.outcome.tolist(), y.now.tolist(),
            {k: v.tolist() for k, v in y.forecasts.items()})


def test_no_leakage_on_a_synthetic_history():
    rng = np.random.default_rng(3)
    pairs = list(itertools.combinations(range(5), 2))
    h = Synthetic(5, pact_years={y: {p for p in pairs if rng.random() < 0.3}
                                 for y in range(1900, 1961)})
    t, hz = 1930, 4
    rec = alignment_record(h, 1925, 1940, horizon=hz)
    rec2 = alignment_record(Perturbed(h, t, t + hz), 1925, 1940, horizon=hz)
    assert _year_json(rec, t) == _year_json(rec2, t)
    assert _year_json(rec, t + 1) != _year_json(rec2, t + 1)  # the perturbation bites
    # the forecasts of year t use nothing after t (the outcome window may change, not they)
    rec3 = alignment_record(Perturbed(h, t, t), 1925, 1940, horizon=hz)
    assert _year_json(rec, t)[-1] == _year_json(rec3, t)[-1]
    assert _year_json(rec, t)[2] != _year_json(rec3, t)[2]


def test_no_leakage_on_cow_data():
    t, hz = 1960, 5
    cow = CowHistory(first=1930)  # a shorter training period: the test is about what t sees
    rec = alignment_record(cow, t, t, horizon=hz)
    rec2 = alignment_record(Perturbed(cow, t, t + hz), t, t, horizon=hz)
    assert json.dumps(rec.to_json()) == json.dumps(rec2.to_json())
    assert _year_json(rec, t) == _year_json(rec2, t)


# ---------------------------------------------------------------- CLI ----------------------


def test_cli_backtest_json_1950_2010():
    r = run_cli("align", "--backtest", "1950:2010", "--json")
    assert r.code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert (doc["from"], doc["to"], doc["horizon"]) == (1950, 2010, 5)
    assert doc["states"]["per_year"] == 12 and {"USA", "RUS", "CHN"} <= set(doc["states"]["ever"])
    assert list(doc["models"]) == list(MODELS)
    n = doc["models"]["persistence"]["n"]
    # 12 states, 66 pairs a year; West Germany (GFR, among the 12 in 1990 with united Germany)
    # leaves the system in 1990, so its 11 pairs of 1990 have no outcome year
    assert n == 61 * 66 - 11
    for name, m in doc["models"].items():
        extra = {"vs_transition"} if name.startswith("transition+") else set()
        assert set(m) == {"accuracy", "brier", "changed", "n", "vs_persistence"} | extra
        assert m["n"] == n and 0 <= m["accuracy"] <= 1 and 0 <= m["brier"] <= 1
        assert set(m["changed"]) == {"accuracy", "brier", "n"}
        lo, hi = m["vs_persistence"]["ci95"]
        assert lo <= m["vs_persistence"]["brier_diff"] <= hi, name
    pers = doc["models"]["persistence"]
    assert pers["brier"] == pytest.approx(1 - pers["accuracy"])
    assert len(doc["changes"]) == pers["changed"]["n"]
    assert all(c["before"] != c["after"] and 1950 <= c["year"] <= 2010 for c in doc["changes"])
    assert pers["changed"]["n"] > 0 and pers["changed"]["accuracy"] == 0


def test_cli_backtest_table():
    r = run_cli("align", "--backtest", "1990:1994", "--horizon", "3")
    assert r.code == 0, r.stderr
    for word in MODELS:
        assert word in r.stdout
    assert "Alignment record 1990-1994" in r.stdout and "95% CI" in r.stdout


@pytest.mark.parametrize(("args", "needle"), [
    (["--backtest", "2010:1950"], "FROM must not be after TO"),
    (["--backtest", "1700:1800"], "1821..2013"),
    (["--backtest", "1950:2016"], "1821..2013"),
    (["--backtest", "1950-2010"], "FROM:TO"),
    (["--backtest", "junk"], "FROM:TO"),
    (["--backtest", "1950:2010", "--horizon", "0"], "--horizon"),
    (["--backtest", "1950:1960", "--year", "1950"], "--backtest"),
    (["--year", "1950", "--horizon", "3"], "--horizon"),
    (["--backtest", "1950:1960", "--k", "3"], "--k"),
])
def test_cli_backtest_bad_input(args, needle):
    assert_bad_input(run_cli("align", *args), needle)
