"""decide input files -> Scenario (scenario/importers/decide.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from realpolitik.analysis.forecast import effective_capability
from realpolitik.analysis.linkage import exchange_scenario, linkage_inputs
from realpolitik.errors import InputError
from realpolitik.scenario.importers import detect_format
from realpolitik.scenario.importers.decide import read
from realpolitik.scenario.loader import load_any, load_scenario
from realpolitik.scenario.writer import to_toml

DECIDE = Path(__file__).resolve().parents[1] / "data" / "reference" / "decide"


def _write(tmp_path: Path, rows: list[str], name: str = "case.csv") -> Path:
    p = tmp_path / name
    p.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return p


GOOD = [
    "'#A'\t'A1'\t'Actor one'\t''",
    "'#A'\t'A 2'\t'A 2'\t''",
    "'#P'\t'p'\t'Issue p'\t''",
    "'#M'\t'p'\t0\t'none'",
    "'#M'\t'p'\t10\t'all'",
    "'#P'\t'q'\t'q'\t''",
    "'#D'\t'A1'\t'p'\t2.5\t0.5\t0.3",
    "'#D'\t'A 2'\t'p'\t10\t1.0\t0.7",
    "'#D'\t'A1'\t'q'\t40\t0.25\t0.3",
]


@pytest.mark.parametrize(
    ("name", "actors", "issues", "stances"),
    [("cop21.csv", 15, 13, 181), ("copenhagen.csv", 11, 7, 75), ("sample_data.txt", 10, 6, 60)],
)
def test_reference_files(name: str, actors: int, issues: int, stances: int) -> None:
    path = DECIDE / name
    assert detect_format(path) == "decide"
    sc = load_any(path)
    assert (len(sc.actors), len(sc.issues), len(sc.stances)) == (actors, issues, stances)
    assert sc.scenario.id == path.stem.lower()
    assert [s.kind for s in sc.sources] == ["dataset"] and sc.sources[0].id == name
    for st in sc.stances:
        assert st.position.source == name and st.salience.source == name
    for a in sc.actors:
        assert a.capability.source == name


def test_values_and_scales() -> None:
    sc = read(DECIDE / "sample_data.txt", "decide")
    toll = sc.issue("tol-hoogte")
    assert (toll.scale.min, toll.scale.max) == (0.5, 7.0)
    st = {(s.actor, s.issue): s for s in sc.stances}
    s = st[("Willems", "tol-hoogte")]
    assert (s.position.value, s.salience.value) == (3.0, 0.7)
    assert sc.actor("Willems").capability.value == 1.0
    cop = read(DECIDE / "copenhagen.csv", "decide")
    eu = cop.actor("EU_incl_Norway")
    assert eu.name == "EU (incl Norway)" and eu.capability.value == 0.156
    # Russia has no stance on two issues
    assert {s.issue for s in cop.stances if s.actor == "Russia"} == {
        "Newtreaty", "DevlopC2020", "Domestred", "MRVdecrease", "Control"
    }  # fmt: skip


def test_small_file_and_labels(tmp_path: Path) -> None:
    sc = read(_write(tmp_path, GOOD), "decide")
    assert [a.id for a in sc.actors] == ["A1", "A_2"]
    assert sc.actor("A1").name == "Actor one"
    p = sc.issue("p")
    assert (p.scale.min, p.scale.max) == (0.0, 10.0)
    assert p.scale.points == {0.0: "none", 10.0: "all"}
    assert p.title == "Issue p"
    q = sc.issue("q")
    assert (q.scale.min, q.scale.max) == (0.0, 100.0)  # no #M rows: decide's 0-100


def test_round_trip_through_toml(tmp_path: Path) -> None:
    """decide file -> Scenario -> TOML (``realpolitik convert``) -> Scenario: the same
    scenario, the same exchanges."""
    for name in ("copenhagen.csv", "sample_data.txt"):
        sc = read(DECIDE / name, "decide")
        path = tmp_path / f"{sc.scenario.id}.toml"
        path.write_text(to_toml(sc), encoding="utf-8")
        again = load_scenario(path)
        assert again.model_dump() == sc.model_dump()
        r1 = exchange_scenario(sc, rounds=3, seed=2)
        r2 = exchange_scenario(again, rounds=3, seed=2)
        np.testing.assert_array_equal(r1.compromise_after, r2.compromise_after)


def test_power_varying_across_issues_stays_exact(tmp_path: Path) -> None:
    rows = [
        "'#A'\t'a'\t'a'", "'#A'\t'b'\t'b'",
        "'#P'\t'p'\t'p'", "'#P'\t'q'\t'q'",
        "'#D'\t'a'\t'p'\t100\t0.8\t0.5",
        "'#D'\t'a'\t'q'\t100\t0.2\t0.25",
        "'#D'\t'b'\t'p'\t0\t0.2\t0.4",
        "'#D'\t'b'\t'q'\t0\t0.8\t0.4",
    ]  # fmt: skip
    sc = read(_write(tmp_path, rows), "decide")
    a = sc.actor("a")
    assert a.capability.value == 0.5
    st = {(s.actor, s.issue): s for s in sc.stances}
    # the weight is exact for every model: influence = decide's power x salience ...
    aq = st[("a", "q")]
    assert aq.salience.value == 0.2
    assert aq.influence is not None and aq.influence.value == pytest.approx(0.25 * 0.2)
    assert aq.weight(a.capability.value) == pytest.approx(0.25 * 0.2)
    assert effective_capability(aq, a.capability.value) * 0.2 == pytest.approx(0.25 * 0.2)
    # ... an actor whose power does not vary has no influence: capability x salience is exact
    assert st[("b", "q")].influence is None
    assert sc.issue("q").tags == {"decide.power.a": "0.25", "decide.salience.a": "0.2"}
    # ... and the exchange model sees decide's own power and salience
    inp = linkage_inputs(sc)
    np.testing.assert_allclose(inp.power, [[0.5, 0.25], [0.4, 0.4]])
    np.testing.assert_allclose(inp.salience, [[0.8, 0.2], [0.2, 0.8]])


@pytest.mark.parametrize(
    ("rows", "needles"),
    [
        (GOOD + ["'#D'\t'A1'\t'p'\tx\t0.5\t0.3"], ["line 10, #D position", "not a number"]),
        (GOOD + ["'#D'\t'nobody'\t'p'\t1\t0.5\t0.3"], ["line 10, #D actor", "unknown actor"]),
        (GOOD + ["'#D'\t'A 2'\t'r'\t1\t0.5\t0.3"], ["line 10, #D issue", "unknown issue"]),
        (GOOD + ["'#D'\t'A 2'\t'q'\t1\t1.5\t0.3"], ["line 10, #D salience", "outside [0, 1]"]),
        (GOOD + ["'#D'\t'A 2'\t'q'\t1\t0.5\t-1"], ["line 10, #D power", "below the minimum 0"]),
        (GOOD + ["'#D'\t'A1'\t'p'\t11\t0.5\t0.3"], ["line 10", "a second row"]),
        (GOOD + ["'#D'\t'A 2'\t'p'\t1"], ["line 10, #D", "expected actor"]),
        (GOOD[:6] + ["'#D'\t'A1'\t'p'\t11\t0.5\t0.3"], ["line 7, #D position", "outside"]),
        (GOOD + ["'#X'\t'what'"], ["line 10, row type", "unknown row type"]),
        (GOOD + ["'#A'\t'A1'\t'again'"], ["line 10, #A actor", "defined twice"]),
        (GOOD + ["'#M'\t'zz'\t5"], ["line 10, #M issue", "unknown issue"]),
        (["'#A'\t'a'", "'#P'\t'p'", "'#M'\t'p'\t5"], ["line 2, #M", "two different"]),
        (["'#A'\t'a'"], ["#P", "no issues"]),
    ],
)
def test_bad_rows_name_file_line_and_field(tmp_path: Path, rows, needles) -> None:
    path = _write(tmp_path, rows)
    with pytest.raises(InputError) as err:
        read(path, "decide")
    text = str(err.value)
    assert str(path) in text
    for n in needles:
        assert n in text, (n, text)


def test_all_problems_reported_at_once(tmp_path: Path) -> None:
    rows = GOOD + ["'#D'\t'A1'\t'p'\tx\t0.5\t0.3", "'#D'\t'A 2'\t'q'\t1\t2\t0.3"]
    with pytest.raises(InputError) as err:
        read(_write(tmp_path, rows), "decide")
    assert len(err.value.problems) == 2


def test_cli_bad_decide_file_exit_2(tmp_path: Path, cli) -> None:
    from conftest import assert_bad_input

    path = _write(tmp_path, GOOD + ["'#D'\t'A1'\t'p'\tx\t0.5\t0.3"])
    assert_bad_input(cli("exchange", str(path)), "line 10, #D position")
    assert_bad_input(cli("exchange", str(path), "--json"), "not a number")


def test_other_delimiters(tmp_path: Path) -> None:
    rows = [r.replace("\t", ";") for r in GOOD]
    sc = read(_write(tmp_path, rows), "decide")
    assert len(sc.stances) == 3
    rows = [r.replace("\t", ",").replace("'", '"') for r in GOOD]
    sc = read(_write(tmp_path, rows, "comma.csv"), "decide")
    assert sc.issue("p").scale.max == 10.0
