"""``realpolitik backtest`` end to end on the DEU III development file and on files it never saw."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import pytest
from conftest import REF, assert_bad_input, run_cli, run_process

from realpolitik.analysis.backtest import (
    CAPABILITIES,
    MODELS,
    load_panel,
    load_parameters,
    run_backtest,
    shipped_parameters_path,
)
from realpolitik.analysis.fitting import fit_capability, fit_parameters
from realpolitik.errors import InputError

DEV = REF / "deu3" / "deu3_dev.tsv"
CAPS = Path(__file__).resolve().parents[1] / "data" / "capabilities"


def independent_compromise_mae(path: Path, capability: str = "gdp") -> tuple[float, int, int]:
    """Plain-Python compromise model (no NumPy, no project code): sum c s x / sum c s per issue
    over the actors with a position (a missing salience counts as the issue's mean salience)."""
    with path.open(encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    head = [h.strip('"').lower() for h in rows[0]]
    actors = [h[1:] for h in head if h.startswith("p") and "s" + h[1:] in head
              and h not in ("prnr", "prname", "prnrnmc", "proc", "proccde")]
    cap: dict[str, float] = {}
    if capability == "gdp":
        cap = {a: float(rows[1][head.index("p" + a)]) for a in actors}
    elif capability == "equal":
        cap = dict.fromkeys(actors, 1.0)
    else:
        name = "nice_votes.csv" if capability == "votes" else "population_2016.csv"
        with (CAPS / name).open(encoding="utf-8") as f:
            cap = {r[0]: float(r[1]) for r in list(csv.reader(f))[1:]}
    errors, skipped = [], 0
    for row in rows[2:]:
        cell = {h: row[j].strip('"').strip() for j, h in enumerate(head)}
        if cell["out"] == "":
            skipped += 1
            continue
        pos = {a: float(cell["p" + a]) for a in actors if cell["p" + a] != ""}
        sal = {a: float(cell["s" + a]) for a in pos if cell["s" + a] != ""}
        mean_s = sum(sal.values()) / len(sal)
        num = den = 0.0
        for a, x in pos.items():
            w = cap[a] * sal.get(a, mean_s)
            num += w * x
            den += w
        errors.append(abs(num / den - float(cell["out"])))
    return sum(errors) / len(errors), len(errors), skipped


def _split(tmp_path: Path, seed: int) -> tuple[Path, Path]:
    """Write a third of the development proposals to test.tsv and the rest to train.tsv."""
    with DEV.open(encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    head, gdp, body = rows[0], rows[1], rows[2:]
    j = head.index("prnr")
    props = sorted({r[j] for r in body})
    test = set(np.random.default_rng(seed).choice(props, len(props) // 3, replace=False))
    out = []
    for name, keep in (("train", lambda r: r[j] not in test), ("test", lambda r: r[j] in test)):
        p = tmp_path / f"{name}.tsv"
        with p.open("w", encoding="utf-8", newline="") as f:
            csv.writer(f, delimiter="\t").writerows([head, gdp, *[r for r in body if keep(r)]])
        out.append(p)
    return out[0], out[1]


@pytest.fixture(scope="module")
def dev_json():
    r = run_cli("backtest", DEV, "--json", "--no-report", "--per-issue")
    assert r.code == 0, r.stderr
    return json.loads(r.stdout)


def test_json_contract(dev_json):
    d = dev_json
    assert d["n_issues"] == 230 and d["skipped"] == 7 and d["capability"] == "gdp"
    assert set(d["models"]) == set(MODELS)
    for m in d["models"].values():
        assert {"mae", "mae_ci95", "median_ae", "rmse", "within5", "within10", "within20",
                "coverage80", "interval80_width", "crps", "log_score", "vs_compromise",
                "by_procedure", "by_rule"} <= set(m)
        lo, hi = m["mae_ci95"]
        assert lo < m["mae"] < hi
        assert m["median_ae"] <= m["rmse"] and 0 <= m["within5"] <= m["within10"] <= 1
        assert m["within10"] <= m["within20"] <= 1
        # CRPS is at most the MAE of the median of the same distribution, and positive
        assert 0 < m["crps"] < m["rmse"] and m["log_score"] > 0
        dlo, dhi = m["vs_compromise"]["ci95"]
        assert dlo <= m["vs_compromise"]["mae_diff"] <= dhi
        assert m["vs_compromise"]["mae_diff"] == pytest.approx(
            m["mae"] - d["models"]["compromise"]["mae"]
        )
        assert set(m["by_procedure"]) == {"COD", "CNS"}
        assert set(m["by_rule"]) == {"qmv", "unanimity"}
        n = sum(v["n"] for v in m["by_procedure"].values())
        assert n == 230
        assert sum(v["n"] * v["mae"] for v in m["by_rule"].values()) / n == pytest.approx(m["mae"])
    preds = d["predictions"]["compromise"]
    assert len(preds) == 230 and "5" in preds  # keyed by isnrnmc
    assert d["validation"]["cross_validated_issues"] == 230
    assert d["model_info"]["eum"]["rule"].startswith("final weighted Condorcet median")
    info = d["model_info"]["focal"]
    assert info["distribution"] == "choice" and info["fitted"]
    fwd = d["training"]["forward"]
    assert fwd["n_scored"] == 182 and "proposal number" in fwd["order"]
    assert fwd["models"]["focal"]["crps_vs_compromise"]["ci95"][1] < 0


def test_compromise_agrees_with_independent_computation(dev_json):
    mae, n, skipped = independent_compromise_mae(DEV)
    assert (n, skipped) == (230, 7)
    assert dev_json["models"]["compromise"]["mae"] == pytest.approx(mae, abs=1e-9)
    # the literature's figure for the capability-and-salience weighted mean on DEU III is 23-24
    assert 21 < mae < 25


def test_selection_is_conservative(dev_json):
    """Focal and the ensemble beat compromise in plain cross-validation on the development file,
    but not under both protocols with the Bonferroni-corrected rule: the selection stays with
    compromise and the output says so."""
    d = dev_json
    assert d["selected"] == d["best"] == "compromise"
    assert d["models"]["focal"]["vs_compromise"]["ci95"][1] < 0
    assert "no model beat it on the training file" in d["verdict"]
    assert "focal" in d["verdict"]
    nested = d["training"]["nested_cv"]
    assert len(nested["picks"]) == 10
    lo, hi = nested["vs_compromise"]["ci95"]
    assert lo <= nested["vs_compromise"]["mae_diff"] <= hi
    for m in MODELS:
        assert 0.75 <= d["models"][m]["coverage80"] <= 0.85
    # the focal model's own distribution beats the compromise residual distribution on CRPS
    assert d["models"]["focal"]["crps"] < d["models"]["compromise"]["crps"]


def test_per_issue_predictions_match_independent_values(dev_json):
    """The compromise forecast of the first issue, by hand: d00060i1 (buses)."""
    with DEV.open(encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    head = rows[0]
    num = den = 0.0
    for j, h in enumerate(head):
        if h.startswith("p") and "s" + h[1:] in head and rows[2][j]:
            w = float(rows[1][j]) * float(rows[2][head.index("s" + h[1:])])
            num, den = num + w * float(rows[2][j]), den + w
    assert dev_json["predictions"]["compromise"]["5"] == pytest.approx(num / den)
    assert dev_json["outcomes"]["5"] == 50


def test_shipped_parameters_are_reproducible():
    """The shipped betas are what grouped CV on the development file produces (gdp)."""
    shipped = load_parameters()
    assert shipped["trained_on"]["file"] == "deu3_dev.tsv"
    assert set(shipped["capabilities"]) == set(CAPABILITIES)
    gdp = shipped["capabilities"]["gdp"]
    panel = load_panel(DEV, "gdp")
    again = fit_capability(panel, assignment=shipped["folds"]["proposal"])
    for m in ("focal", "ensemble"):
        for name, value in gdp["models"][m]["full"].items():
            assert again["models"][m]["full"][name] == pytest.approx(value, abs=1e-4)
    assert again["selected"] == gdp["selected"]
    assert again["nested"]["picks"] == gdp["nested"]["picks"]
    assert again["cv"]["focal"]["mae"] == pytest.approx(gdp["cv"]["focal"]["mae"], abs=1e-6)
    assert again["residuals"]["compromise"] == pytest.approx(gdp["residuals"]["compromise"])


def test_unseen_file_uses_shipped_parameters_without_refit(tmp_path):
    """A file of proposals the parameters never saw: nothing is cross-validated or refitted, and
    the compromise model still agrees with the independent computation."""
    train, test = _split(tmp_path, seed=11)
    params = tmp_path / "params.json"
    params.write_text(json.dumps(fit_parameters(train, ("gdp",))), encoding="utf-8")
    r = run_cli("backtest", test, "--params", params, "--json", "--no-report")
    assert r.code == 0, r.stderr
    d = json.loads(r.stdout)
    mae, n, _ = independent_compromise_mae(test)
    assert d["n_issues"] == n
    assert d["validation"]["cross_validated_issues"] == 0
    assert d["models"]["compromise"]["mae"] == pytest.approx(mae, abs=1e-9)
    fitted = json.loads(params.read_text())
    assert d["selected"] == fitted["capabilities"]["gdp"]["selected"]
    sel = d["selected"]
    assert d["models"][sel]["mae"] <= d["models"]["compromise"]["mae"] + 0.5
    for m in d["models"].values():
        assert {"crps", "log_score", "interval80_width", "within5", "vs_compromise"} <= set(m)
    # the scoring file's outcomes never touch the parameters: scoring twice gives the same
    assert run_cli("backtest", test, "--params", params, "--json", "--no-report").stdout == r.stdout


def test_fit_option_writes_a_parameter_file(tmp_path):
    with DEV.open(encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    small = tmp_path / "small.tsv"
    with small.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, delimiter="\t").writerows(rows[:40])
    params = tmp_path / "p.json"
    r = run_cli("backtest", small, "--fit", params, "--no-report", "--json",
                "--model", "compromise,focal")
    assert r.code == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["validation"]["cross_validated_issues"] == d["n_issues"] == 37
    fitted = load_parameters(params)
    assert set(fitted["capabilities"]) == set(CAPABILITIES)
    assert fitted["trained_on"]["n_issues"] == 37
    folds = fitted["folds"]["proposal"]
    assert len(folds) == fitted["trained_on"]["n_proposals"] and max(folds.values()) == 9


@pytest.mark.parametrize("capability", ["equal", "votes", "population"])
def test_capabilities(capability):
    r = run_cli("backtest", DEV, "--capability", capability, "--model", "compromise,focal",
                "--json", "--no-report")
    assert r.code == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["capability"] == capability
    mae, _, _ = independent_compromise_mae(DEV, capability)
    assert d["models"]["compromise"]["mae"] == pytest.approx(mae, abs=1e-9)
    assert d["models"]["focal"]["mae"] < d["models"]["compromise"]["mae"] - 1.0


def test_human_table_and_report(tmp_path):
    report = tmp_path / "r" / "bt.html"
    r = run_cli("backtest", DEV, "--model", "compromise,median,focal", "--report", report)
    assert r.code == 0, r.stderr
    assert "compromise*" in r.stdout and "focal" in r.stdout and "COD" in r.stdout
    assert "selected model is compromise" in " ".join(r.stdout.split())
    html = report.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "Plotly.newPlot" in html
    assert '<script src="http' not in html and len(html) > 1_000_000  # plotly.js embedded
    assert "median of the choice probabilities" in html  # the registry's rule for focal
    assert "PIT histogram" in html and html.count('"hovertemplate":"PIT ') == 3  # one per model
    assert [p.name for p in report.parent.iterdir()] == ["bt.html"]  # no temporary file left


def test_unknown_actor_and_missing_gdp_fall_back_to_equal(tmp_path):
    with DEV.open(encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    rows[0] += ["pxx", "sxx"]
    rows[1] += ["", ""]
    for r in rows[2:]:
        r += ["30", "60"]
    p = tmp_path / "new.tsv"
    with p.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, delimiter="\t").writerows(rows)
    r = run_cli("backtest", p, "--model", "compromise,focal,procedural", "--json",
                "--no-report")
    assert r.code == 0, r.stderr
    assert "equal" in r.stderr and "xx" in r.stderr
    d = json.loads(r.stdout)
    assert d["capability"] == "equal" and d["n_issues"] == 230


def test_bad_input(tmp_path):
    assert_bad_input(run_cli("backtest", tmp_path / "nope.tsv", "--no-report"), "nope.tsv")
    assert_bad_input(run_cli("backtest", DEV, "--model", "oracle", "--no-report"), "oracle")
    assert_bad_input(run_cli("backtest", DEV, "--capability", "gold", "--no-report"), "gold")
    no_out = tmp_path / "noout.tsv"
    with DEV.open(encoding="utf-8") as f:
        rows = [r[:-1] for r in csv.reader(f, delimiter="\t")]
    with no_out.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, delimiter="\t").writerows(rows)
    assert_bad_input(run_cli("backtest", no_out, "--no-report"), "out")
    junk = tmp_path / "params.json"
    junk.write_text("{}", encoding="utf-8")
    assert_bad_input(run_cli("backtest", DEV, "--params", junk, "--no-report"), "params.json")


def test_real_process_prints_only_json(tmp_path):
    r = run_process("backtest", str(DEV), "--json", "--model", "compromise,focal",
                    "--report", str(tmp_path / "x.html"))
    assert r.code == 0, r.stderr
    json.loads(r.stdout)
    assert (tmp_path / "x.html").exists()


def test_run_backtest_api_intervals():
    res = run_backtest(DEV, ["compromise", "focal"], "gdp", n_boot=200)
    for rec in res.models.values():
        assert np.all(rec.low <= rec.forecast + 1e-9) and np.all(rec.forecast <= rec.high + 1e-9)
        assert np.all((rec.low >= 0) & (rec.high <= 100))
        inside = (res.outcome >= rec.low) & (res.outcome <= rec.high)
        assert rec.metrics["coverage80"] == pytest.approx(inside.mean())


def test_selection_rule_needs_both_protocols():
    from realpolitik.analysis.selection import select_model

    rng = np.random.default_rng(0)
    groups = np.array([f"p{i // 3}" for i in range(300)])
    base = np.abs(rng.normal(0, 20, 300))
    clear = base * 0.5  # much better everywhere
    noisy = base * rng.choice([0.8, 1.15], 300)  # about as good
    errs = {"compromise": base, "focal": clear, "median": noisy}
    chosen, table = select_model(errs, groups, errs, groups)
    assert chosen == "focal" and table["candidates"]["focal"]["beats_baseline"]
    assert not table["candidates"]["median"]["beats_baseline"]
    # better in cross-validation but not forward in time: not selected
    worse_later = {"compromise": base, "focal": base * 1.05, "median": noisy}
    chosen, table = select_model(errs, groups, worse_later, groups)
    assert chosen == "compromise" and table["candidates"]["focal"]["grouped"]["ci"][1] < 0
    # more alternatives tried = wider intervals
    _, wide = select_model(errs, groups, errs, groups, alternatives=4)
    assert np.ptp(wide["candidates"]["median"]["grouped"]["ci"]) > np.ptp(
        table["candidates"]["median"]["grouped"]["ci"]
    )


def test_parameters_with_nan_or_infinity_are_refused(tmp_path: Path):
    text = shipped_parameters_path().read_text(encoding="utf-8")
    for bad in ("NaN", "Infinity", "-Infinity"):
        f = tmp_path / f"{bad}.json"
        f.write_text(re.sub(r"(?<=: )-?\d+\.\d+", bad, text, count=1), encoding="utf-8")
        with pytest.raises(InputError, match=f"{bad} is not a parameter"):
            load_parameters(f)
