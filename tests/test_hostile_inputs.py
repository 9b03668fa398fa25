"""Hostile inputs on the data side (issue 13): declared sizes, huge numbers, ids used as paths,
one set of validity rules, one path grammar.

The contract for every case: exit 0 with a correct, finite answer, or exit 2 with a message that
names the file and the field; no traceback, no numpy warning, nothing written on failure. Limits
are lowered through their environment variables, so no case needs a large file.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import DATA, REF, ROOT, Run, assert_bad_input, edit, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from realpolitik.analysis.forecast import IssueForecast
from realpolitik.errors import InputError
from realpolitik.scenario.limits import MAX_MAGNITUDE, slug
from realpolitik.scenario.loader import load_scenario
from realpolitik.scenario.rules import check_for_models, evidence_problems, model_problems

TRIBES = DATA / "alignment" / "highland_tribes_signed.csv"
SYRIA = DATA / "alignment" / "syria2016"


def clean(run: Run) -> None:
    """No traceback and no raw numpy warning, whatever the exit status."""
    for text in (run.stdout, run.stderr):
        assert "Traceback" not in text and "RuntimeWarning" not in text


# 1. declared sizes are capped before anything is allocated ---------------------------------------


def test_pajek_huge_vertex_count_is_refused_before_allocating(tmp_path: Path):
    net = tmp_path / "g.net"
    net.write_text("*Vertices 999999999\n*Edges\n1 2 1\n")
    run = run_cli("balance", net)
    assert_bad_input(run, str(net), "line 1: *Vertices", "999,999,999 graph vertices",
                     "REALPOLITIK_MAX_VERTICES")  # fmt: skip


@pytest.mark.parametrize("count", ["-5", "0"])
def test_pajek_vertex_count_below_one_says_so(tmp_path: Path, count: str):
    net = tmp_path / "g.net"
    net.write_text(f"*Vertices {count}\n*Edges\n1 2 1\n")
    run = run_cli("balance", net)
    assert_bad_input(run, str(net), "*Vertices", f"at least 1, got {count}")
    assert "is not in 1.." not in run.stderr


def test_signed_csv_vertices_are_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("REALPOLITIK_MAX_VERTICES", "5")
    assert_bad_input(run_cli("balance", TRIBES), str(TRIBES), "graph vertices", "limit of 5")
    monkeypatch.setenv("REALPOLITIK_MAX_VERTICES", "100")
    assert run_cli("balance", TRIBES).code == 0  # raised again: the same file is fine


@pytest.mark.parametrize(
    ("name", "value", "path", "needle"),
    [
        ("ACTORS", "3", REF / "bdm" / "ec_emissions_1994.csv", "actors exceed the limit of 3"),
        ("ISSUES", "1", REF / "ktab" / "dummyData_3Dim.csv", "3 issues exceed the limit of 1"),
        ("ACTORS", "2", REF / "ktab" / "smpExample.xml", "actors exceed the limit of 2"),
        ("ACTORS", "2", REF / "decide" / "copenhagen.csv", "actors exceed the limit of 2"),
        ("CELLS", "100", REF / "deu3" / "deu3_dev.tsv", "actors x issues exceed the limit"),
        ("ISSUES", "1", REF / "deu3" / "deu3_dev.tsv", "issues exceed the limit of 1"),
    ],
)  # fmt: skip
def test_every_importer_checks_actors_and_issues(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, path: Path, needle: str
):
    monkeypatch.setenv(f"REALPOLITIK_MAX_{name}", value)
    run = run_cli("convert", path)
    assert_bad_input(run, str(path), needle, f"REALPOLITIK_MAX_{name}")
    assert run.stdout == ""


def test_toml_and_landscape_tables_are_capped(mini: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("REALPOLITIK_MAX_ACTORS", "2")
    assert_bad_input(run_cli("validate", mini), str(mini), "actors, issues",
                     "3 actors exceed the limit of 2")  # fmt: skip
    sizes = SYRIA / "Actor_data.csv"
    run = run_cli("align", "--sizes", sizes, "--matrix", SYRIA / "Pairwise_propensity_Feb_20.csv")
    assert_bad_input(run, str(sizes), "actors exceed the limit of 2")


@pytest.mark.parametrize("bad", ["lots", "0", "-3"])
def test_a_bad_limit_variable_is_itself_bad_input(mini: Path, monkeypatch, bad: str):
    monkeypatch.setenv("REALPOLITIK_MAX_ISSUES", bad)
    assert_bad_input(run_cli("validate", mini), "REALPOLITIK_MAX_ISSUES", "positive integer")


# 2. numbers: bounded, typed, finite -------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("value = 0.5,", "value = 1e308,", "actors[0].capability"),
        ("value = 0.5,", "value = -1e300,", "actors[0].capability"),
        ("scale = { min = 0, max = 100,", "scale = { min = -1e308, max = 1e308,",
         "issues[0].scale"),
        ("position = 100\n", "position = { value = 100, high = 1e16, source = \"cinc\" }\n",
         "stances[1].position"),
        ('value = 0.5, source = "cinc"', 'value = "big"', "actors[0].capability"),
    ],
)  # fmt: skip
def test_overflowing_or_mistyped_numbers_are_refused(mini: Path, old: str, new: str, field: str):
    edit(mini, old, new)
    for command in ("validate", "forecast"):
        run = run_cli(command, mini)
        assert_bad_input(run, str(mini), field)
        assert "valid dictionary" not in run.stderr


def test_a_string_number_says_a_number_belongs_there(mini: Path):
    edit(mini, "salience = 0.7", 'salience = "0.7"')
    run = run_cli("validate", mini)
    assert_bad_input(run, "stances[1].salience", "expected a number", "'0.7'")


def test_bdm_huge_values_name_the_line_and_column(tmp_path: Path):
    f = tmp_path / "big.csv"
    f.write_text("Actor,Capability,Position,Salience\nA,1e308,10,50\nB,1,1e300,50\n")
    run = run_cli("forecast", f)
    assert_bad_input(run, str(f), "line 2, Capability", "line 3, Position", "too large")


_cell = st.one_of(
    st.floats(min_value=-MAX_MAGNITUDE, max_value=MAX_MAGNITUDE, allow_nan=False),
    st.sampled_from([1e308, -1e308, 1e16, 1e-300, 0.0, 1e15]),
)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(_cell, _cell, _cell), min_size=2, max_size=5))
def test_bdm_with_any_magnitudes_gives_finite_forecasts_or_exit_2(tmp_path: Path, rows):
    f = tmp_path / "h.csv"
    lines = ["Actor,Capability,Position,Salience"]
    lines += [f"a{k},{abs(c)!r},{p!r},{min(abs(s), 100.0)!r}" for k, (c, p, s) in enumerate(rows)]
    f.write_text("\n".join(lines) + "\n")
    run = run_cli("forecast", f, "--model", "compromise,median", "--json")
    clean(run)
    assert run.code in (0, 2), run.stderr
    if run.code == 2:
        assert str(f) in run.stderr and ("line" in run.stderr or "Salience" in run.stderr
                                         or "Capability" in run.stderr)  # fmt: skip
        assert run.stdout == ""
        return
    fc = json.loads(run.stdout)["issues"][0]["forecasts"]
    positions = [p for c, p, s in rows]
    for x in fc.values():
        assert x is not None and math.isfinite(x)
        assert min(positions) - 1e-6 * (1 + abs(min(positions))) <= x
        assert x <= max(positions) + 1e-6 * (1 + abs(max(positions)))


def test_nan_matrix_cell_is_reported_once_not_as_asymmetry(tmp_path: Path):
    sizes = tmp_path / "sizes.csv"
    sizes.write_text("actor,size\nA,1\nB,1\nC,1\n")
    matrix = tmp_path / "m.csv"
    matrix.write_text(",A,B,C\nA,,nan,1\nB,2,,1\nC,1,1,\n")
    run = run_cli("align", "--sizes", sizes, "--matrix", matrix)
    assert_bad_input(run, str(matrix), "line 2, column 3", "not a finite number")
    assert "not symmetric" not in run.stderr


def test_a_5000_column_header_is_not_echoed_whole(tmp_path: Path):
    f = tmp_path / "wide.csv"
    f.write_text(",".join(f"column{k}" for k in range(5000)) + "\n1,2,3\n")
    run = run_cli("balance", f)
    assert_bad_input(run, str(f), "from,to,sign", "more characters")
    assert len(run.stderr) < 1000


# 3. ids used as paths ---------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["A\\u0000", "A\\nB", "A\\u001b[31m"])
def test_control_characters_in_ids_are_refused(mini: Path, bad: str):
    edit(mini, 'id = "A"\n', f'id = "{bad}"\n')
    run = run_cli("validate", mini)
    assert_bad_input(run, str(mini), "actors[0].id", "control characters")


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(), st.sampled_from(["..", ".", "../../etc", "a/b", "a\x00b",
                                                  "/abs", "-x-", "", "\u202e..", "C:\\x"])))
def test_slug_is_one_safe_path_component(text: str):
    s = slug(text)
    assert s and s not in (".", "..") and "/" not in s and "\\" not in s and len(s) <= 100
    assert s.isascii() and s.isprintable() and not s.startswith(".")
    assert Path(s).name == s and len(Path(s).parts) == 1
    assert slug("northeast-asia-2018") == "northeast-asia-2018"  # ordinary ids unchanged


def test_demo_never_writes_outside_out(mini: Path, tmp_path: Path):
    edit(mini, 'id = "mini"', 'id = ".."')
    out = tmp_path / "deep" / "out"
    run = run_cli("demo", mini, "--output", out)
    clean(run)
    assert run.code == 0, run.stderr
    assert (out / "scenario" / "report.html").is_file()
    assert sorted(p.name for p in (tmp_path / "deep").iterdir()) == ["out"]


# 4. one set of rules for a valid scenario ---------------------------------------------------------


def add_issue_without_stances(mini: Path) -> Path:
    return edit(mini, "[[stances]]", '[[issues]]\nid = "lake"\ntitle = "The lake"\n\n[[stances]]')


def test_an_issue_without_stances_is_the_same_error_as_one_nobody_weighs(mini: Path,
                                                                         tmp_path: Path):
    add_issue_without_stances(mini)
    sc = load_scenario(mini)
    assert [p.field for p in model_problems(sc)] == ["issues[1]"]
    for args in (("validate",), ("forecast",), ("exchange",), ("align",), ("simulate",)):
        run = run_cli(args[0], mini, *args[1:])
        assert_bad_input(run, str(mini), "issues[1]", "nobody weighs issue 'lake'", "no stances")
    out = tmp_path / "out"
    assert_bad_input(run_cli("demo", mini, "--output", out), "issues[1]", "no stances")
    assert not out.exists()


def test_missing_quotes_fail_validate_and_warn_everywhere_else(mini: Path, tmp_path: Path):
    edit(mini, "Beta wants the whole river", "Beta wants the whole sea")
    sc = load_scenario(mini)
    assert [p.field for p in evidence_problems(sc)] == ["stances[1].cite[0].quote"]
    assert check_for_models(sc, warn=False) == evidence_problems(sc)
    assert_bad_input(run_cli("validate", mini), "stances[1].cite[0].quote", "not found")
    for args in (("forecast",), ("align",), ("demo", "--output", tmp_path / "out")):
        run = run_cli(args[0], mini, *args[1:])
        assert run.code == 0, run.stderr
        assert "warning:" in run.stderr and "stances[1].cite[0].quote" in run.stderr


def test_single_issue_exchange_explains_why_there_is_none(mini: Path):
    run = run_cli("exchange", mini)
    assert_bad_input(run, str(mini), "issues", "at least two issues", "has 1")
    ec = REF / "bdm" / "ec_emissions_1994.csv"
    assert_bad_input(run_cli("exchange", ec, "--json"), str(ec), "at least two issues")


def add_lonely_state(mini: Path, question: bool) -> Path:
    edit(mini, "[[issues]]", '[[actors]]\nid = "H"\nname = "Hermit"\ncapability = { value = 0.2'
         ', assumed = true, note = "n" }\n\n[[issues]]')  # fmt: skip
    if question:
        mini.write_text(mini.read_text() + '\n[[questions]]\nid = "q"\ntitle = "Q"\n'
                        'pair = ["A", "H"]\n')  # fmt: skip
    return mini


def test_align_names_the_actor_without_relations_not_an_unused_option(mini: Path,
                                                                      tmp_path: Path):
    add_lonely_state(mini, question=True)
    for args in (("align",), ("demo", "--output", tmp_path / "out")):
        run = run_cli(args[0], mini, *args[1:])
        assert_bad_input(run, str(mini), "questions", "H has no nonzero relation")
        assert "--tipping" not in run.stderr and "--pair" not in run.stderr
    assert not (tmp_path / "out").exists()


def test_an_explicit_tipping_pair_without_relations_names_the_option(mini: Path):
    add_lonely_state(mini, question=False)
    run = run_cli("align", mini, "--pair", "H,A")
    assert_bad_input(run, "--pair", "H has no nonzero relation")
    assert run_cli("align", mini).code == 0  # without the pair, H is left out as indifferent


def _eum(medians: list[float]) -> IssueForecast:
    inputs = SimpleNamespace(issue=SimpleNamespace(scale=SimpleNamespace(nearest_label=None)))
    eum = SimpleNamespace(converged=False, rounds=len(medians) - 1,
                          median_by_round=np.array(medians, dtype=float))  # fmt: skip
    return IssueForecast(inputs=inputs, forecasts={"eum": medians[-1]}, eum=eum)  # type: ignore[arg-type]


def test_a_run_still_rising_is_not_converged_not_unstable():
    rising = _eum([10, 20, 30, 40]).describe("eum")
    assert rising.startswith("40, not converged within 3 rounds") and "unstable" not in rising
    assert "to 40)" in rising  # where it was heading
    swinging = _eum([10, 60, 20, 70, 15, 65]).describe("eum")
    assert "not converged within 5 rounds" in swinging and "unstable" in swinging


def test_max_rounds_3_from_the_cli_says_not_converged(tmp_path: Path):
    ec = REF / "bdm" / "ec_emissions_1994.csv"
    run = run_cli("forecast", ec, "--model", "eum", "--max-rounds", "3")
    clean(run)
    assert run.code == 0, run.stderr
    if "unstable" in run.stdout:  # only for a median that goes back and forth
        assert "not converged within 3 rounds" in run.stdout


# 5. one path grammar, one setter ----------------------------------------------------------------


def test_whatif_refuses_overflowing_values_and_writes_nothing(mini: Path, tmp_path: Path):
    save = tmp_path / "changed.toml"
    run = run_cli("whatif", mini, "--set", "actors.A.capability=1e308", "--save", save)
    assert_bad_input(run, str(mini), "--set actors.A.capability", "too large")
    assert not save.exists()


def test_one_grammar_for_whatif_and_simulate(mini: Path):
    from realpolitik.scenario.changes import Change, apply_changes
    from realpolitik.scenario.inputs import set_values, with_values

    sc = load_scenario(mini)
    a = apply_changes(sc, [Change("stances.A.river.influence", 0.3)])
    b = set_values(sc, {"stances.A.river.influence": 0.3}, provenance="what-if")
    assert a == b and a.stances[0].influence is not None and a.stances[0].influence.assumed
    widened = with_values(sc, {"stances.A.river.influence": 0.3})
    assert widened.stances[0].influence is not None and not widened.stances[0].influence.assumed
    for setter in (lambda p: apply_changes(sc, [Change(p, 0.1)]),
                   lambda p: with_values(sc, {p: 0.1})):  # fmt: skip
        with pytest.raises(InputError, match="unknown input path 'stances.A.lake.position'"):
            setter("stances.A.lake.position")


@pytest.mark.parametrize("power", ["lots", "nan", "1e308", "-1"])
def test_decide_tags_in_a_scenario_are_numbers_in_range(tmp_path: Path, power: str):


    case = tmp_path / "linkage.toml"
    text = (ROOT / "tests" / "data" / "exchange_linkage.toml").read_text()
    case.write_text(text.replace('title = "Southern Kurils"\n', 'title = "Southern Kurils"\n'
                                 f'tags = {{ "decide.power.RUS" = "{power}", '
                                 '"decide.salience.RUS" = "0.5" }\n'))  # fmt: skip
    run = run_cli("exchange", case)
    assert_bad_input(run, str(case), "issues[0].tags.decide.power.RUS", "expected a number")


def test_exchange_work_is_bounded_before_it_starts(monkeypatch, tmp_path: Path):
    """The DEU file's 237 issues x 30 actors ask for 122 million candidate exchanges: refused
    at once (exit 2, naming the limit and how to raise it), never a two-minute silent run."""
    deu = ROOT / "data" / "reference" / "deu3" / "deu3_dev.tsv"
    run = run_cli("exchange", str(deu))
    assert_bad_input(run, str(deu), "--rounds x --repetitions", "121,652,100",
                     "REALPOLITIK_MAX_EXCHANGES")
    copenhagen = ROOT / "data" / "reference" / "decide" / "copenhagen.csv"
    # Copenhagen: 21 pairs of issues x 55 pairs of actors x 10 rounds = 11,550 per run
    monkeypatch.setenv("REALPOLITIK_MAX_EXCHANGES", "11549")
    assert_bad_input(run_cli("exchange", str(copenhagen)), "11,550")
    monkeypatch.setenv("REALPOLITIK_MAX_EXCHANGES", "11550")
    assert run_cli("exchange", str(copenhagen)).code == 0
    assert_bad_input(run_cli("exchange", str(copenhagen), "-r", "2"), "23,100")


def test_bdm_with_one_position_at_the_magnitude_limit_forecasts_it(tmp_path: Path):
    """All positions at +1e15: the unit scale is laid below the position, not above the limit
    (hypothesis found this case)."""
    f = tmp_path / "edge.csv"
    f.write_text("Actor,Capability,Position,Salience\na0,0.0,1e15,0.0\na1,1.0,1e15,1.0\n")
    run = run_cli("forecast", f, "--model", "compromise,median", "--json")
    assert run.code == 0, run.stderr
    issue = json.loads(run.stdout)["issues"][0]
    assert issue["scale"]["max"] == 1e15 and issue["forecasts"]["compromise"] == 1e15
