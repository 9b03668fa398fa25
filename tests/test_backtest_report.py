"""The back-test page: the naive baseline (analysis/naive.py), the glossary of EU procedures,
and the same bytes for the same input."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import REF

from realpolitik.analysis.backtest import run_backtest
from realpolitik.analysis.crossval import cluster_bootstrap_mean
from realpolitik.analysis.naive import MIDPOINT, naive_baseline
from realpolitik.report.backtest import naive_sentence, render

DEV = REF / "deu3" / "deu3_dev.tsv"


@pytest.fixture(scope="module")
def result():
    return run_backtest(DEV, models=["compromise", "median"], n_boot=200)


def test_naive_baseline_is_the_midpoint_scored_like_every_model(result):
    y = result.outcome
    naive = naive_baseline(result, n_boot=200)
    assert naive["forecast"] == MIDPOINT == 50.0
    assert naive["mae"] == pytest.approx(np.mean(np.abs(y - 50.0)))
    assert naive["within10"] == pytest.approx(np.mean(np.abs(y - 50.0) <= 10))
    for m, rec in result.models.items():
        d = np.abs(rec.forecast - y) - np.abs(50.0 - y)
        v = naive["vs_naive"][m]
        assert v["mae_diff"] == pytest.approx(d.mean())
        assert v["mae_diff"] == pytest.approx(rec.metrics["mae"] - naive["mae"])
        assert v["ci95"] == pytest.approx(list(cluster_bootstrap_mean(d, list(result.proposal),
                                                                      200, 0)))


def test_naive_sentence_says_plainly_who_beats_it():
    base = {"forecast": 50.0, "mae": 27.0, "mae_ci95": [24.5, 29.4]}
    none = naive_sentence({**base, "vs_naive": {"median": {"mae_diff": -1.0,
                                                           "ci95": [-3.0, 0.5]}}})
    assert none.endswith("No model beats it: every model's 95% interval of the difference "
                         "reaches 0.")
    some = naive_sentence({**base, "vs_naive": {"compromise": {"mae_diff": -4.0,
                                                               "ci95": [-7.0, -2.0]},
                                                "median": {"mae_diff": -1.0,
                                                           "ci95": [-3.0, 0.5]}}})
    assert "compromise beats it" in some and "median does not." in some


def test_page_has_the_baseline_the_glossary_and_the_same_bytes(result):
    html = render(result)
    assert "naive (always 50)" in html and "MAE - naive [95% CI]" in html
    for term in ("CNS, consultation", "COD, co-decision", "QMV, qualified-majority voting",
                 "Art. 294 TFEU", "Thomson, Stokman, Achen &amp; König 2006"):
        assert term in html
    assert "<th>CNS (consultation)</th>" in html and "<th>COD (co-decision)</th>" in html
    assert render(result) == html  # no random div ids
    assert 'id="fig-backtest-errors"' in html and 'id="fig-backtest-pit"' in html
