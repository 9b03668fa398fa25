"""DEU TSV importer: arrays and Scenario from the DEU III development file, and bad input."""

from __future__ import annotations

import csv
import tomllib
from pathlib import Path

import numpy as np
import pytest
from conftest import REF, assert_bad_input, run_cli

from realpolitik.errors import InputError
from realpolitik.scenario.importers import detect_format
from realpolitik.scenario.importers.deu import gdp_capabilities, read, read_table
from realpolitik.scenario.loader import load_any
from realpolitik.scenario.reading import scenario_from_dict

DEV = REF / "deu3" / "deu3_dev.tsv"


def _rows(path: Path = DEV) -> list[list[str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.reader(f, delimiter="\t"))


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, delimiter="\t").writerows(rows)
    return path


@pytest.fixture(scope="module")
def table():
    return read_table(DEV)


def test_table_shape_and_columns(table):
    assert table.n_issues == 237
    assert table.actors[:3] == ("com", "ep", "at") and len(table.actors) == 30
    assert set(table.procedure) == {"COD", "CNS"}
    # "QMV", "QMV(10)" and "Unan" in the file
    assert set(table.rule) == {"qmv", "unanimity"}
    assert int(np.isnan(table.outcome).sum()) == 7
    assert int((~np.isnan(table.reference)).sum()) == 166
    assert table.gdp[table.actors.index("de")] == 4.1 == table.gdp[0] == table.gdp[1]
    assert table.gdp[table.actors.index("mt")] == 0.02
    assert table.line[0] == 3  # header, GDP row, then the first issue


def test_first_issue_values(table):
    # d00060i1 "buses": pcom 100 scom 80, pat 100 sat 70, bulgaria absent, out 50, no rp
    k = table.actor_index
    assert table.issue_id[0] == "5" and table.issue_name[0] == "d00060i1"
    assert table.proposal[0] == "d00060"
    assert table.positions[0, k("com")] == 100 and table.saliences[0, k("com")] == 0.8
    assert table.positions[0, k("at")] == 100 and table.saliences[0, k("at")] == 0.7
    assert np.isnan(table.positions[0, k("bu")]) and np.isnan(table.saliences[0, k("bu")])
    assert table.outcome[0] == 50 and np.isnan(table.reference[0])


def test_missing_salience_is_imputed_with_issue_mean(table):
    assert int(table.salience_imputed.sum()) == 7
    r, a = np.argwhere(table.salience_imputed)[0]
    others = table.present[r] & ~table.salience_imputed[r]
    assert table.saliences[r, a] == pytest.approx(np.mean(table.saliences[r, others]))


def test_scenario(table):
    sc = load_any(DEV)
    assert detect_format(DEV) == "deu"
    assert len(sc.issues) == 237 and len(sc.actors) == 30
    assert len(sc.stances) == int(table.present.sum())
    iss = sc.issue("d00060i2")
    assert iss.reference == 0 and iss.outcome == 0
    assert iss.tags == {"proposal": "d00060", "procedure": "COD", "rule": "qmv", "isnrnmc": "6"}
    de = sc.actor("DE")
    assert de.capability.value == 4.1 and de.capability.source == "deu3-gdp-row"
    st = next(s for s in sc.stances if s.actor == "COM" and s.issue == "d00060i1")
    assert (st.position.value, st.salience.value) == (100, 0.8)
    assert st.position.source == "deu3_dev.tsv"
    assumed = [s for s in sc.stances if s.salience.assumed]
    assert len(assumed) == 7 and all(s.salience.note for s in assumed)


def test_scenario_round_trips_through_toml():
    from realpolitik.scenario.writer import to_toml

    sc = read(DEV)
    again = scenario_from_dict(tomllib.loads(to_toml(sc)), "roundtrip")
    assert again.model_dump() == sc.model_dump()


def test_forecast_runs_on_deu_file():
    r = run_cli("forecast", DEV, "--model", "compromise", "--issue", "d00060i1", "--json")
    assert r.code == 0, r.stderr
    assert '"compromise"' in r.stdout


@pytest.mark.parametrize(
    ("line", "column", "value", "needle"),
    [
        (3, "pat", "lots", "not a number"),
        (4, "sde", "120", "outside [0, 100]"),
        (5, "out", "-3", "outside [0, 100]"),
    ],
)
def test_bad_cells_name_line_and_column(tmp_path, line, column, value, needle):
    rows = _rows()
    rows[line - 1][rows[0].index(column)] = value
    bad = _write(tmp_path / "bad.tsv", rows)
    with pytest.raises(InputError) as e:
        read_table(bad)
    msg = str(e.value)
    assert f"line {line}, column {column}" in msg and needle in msg and "bad.tsv" in msg
    assert_bad_input(run_cli("backtest", bad, "--no-report"), f"line {line}", column)
    assert_bad_input(run_cli("forecast", bad), f"line {line}")


def test_short_long_rows_na_cells_and_empty_file(tmp_path):
    rows = _rows()
    rows[5] = rows[5][:20]  # trailing cells left out: read as empty
    rows[6][rows[0].index("pde")] = "NA"
    t = read_table(_write(tmp_path / "short.tsv", rows))
    assert np.isnan(t.positions[3, 20:]).all() and np.isnan(t.outcome[3])
    assert np.isnan(t.positions[4, t.actor_index("de")])
    rows[7] += ["", "7"]
    with pytest.raises(InputError, match="line 8: 77 cells"):
        read_table(_write(tmp_path / "long.tsv", rows))
    empty = tmp_path / "empty.tsv"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(InputError, match="empty"):
        read_table(empty)
    with pytest.raises(InputError, match="no actor columns"):
        read_table(_write(tmp_path / "noact.tsv", [["prnr", "isnr", "out"], ["a", "b", "1"]]))


def test_missing_gdp_row_falls_back_to_equal(tmp_path):
    rows = _rows()
    del rows[1]
    t = read_table(_write(tmp_path / "nogdp.tsv", rows))
    assert t.n_issues == 237 and np.isnan(t.gdp).all()
    assert gdp_capabilities(t) is None
    assert any("no capability (GDP) row" in w for w in t.warnings)
    sc = read(tmp_path / "nogdp.tsv")
    assert all(a.capability.value == 1.0 and a.capability.assumed for a in sc.actors)


def test_unknown_actor_without_gdp_is_not_a_crash(tmp_path):
    rows = _rows()
    rows[0] += ["pzz", "szz"]
    rows[1] += ["", ""]
    for r in rows[2:]:
        r += ["40", "50"]
    t = read_table(_write(tmp_path / "extra.tsv", rows))
    assert t.actors[-1] == "zz" and t.positions[0, -1] == 40
    assert gdp_capabilities(t) is None
    assert any("no capability (GDP) figure for zz" in w for w in t.warnings)
