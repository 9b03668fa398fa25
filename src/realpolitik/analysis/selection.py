"""Which model is "better" than the compromise model: a conservative, outcome-honest rule.

The compromise model (the weighted mean; Achen 2006) is the default forecast. Another model
replaces it only when it beats it under *both* validation protocols of the training file

- cross-validation grouped by proposal, and
- forward in time: fitted on earlier proposals, scored on later ones,

each time with a paired cluster-bootstrap interval (proposals resampled; Cameron, Gelbach &
Miller 2008) of the difference in absolute error lying wholly below 0. The intervals are
Bonferroni-corrected (Dunn 1961) for every alternative the choice is made among: each model
other than the compromise model under each of the capability measures (the default capability
was itself picked on the development file's outcomes), because picking the best of many
alternatives by the same data inflates its apparent gain. Among the models that qualify the one
with the lowest cross-validated MAE is selected; when none does, the output says plainly that no
model beats the compromise model and the selection is the compromise model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from realpolitik.analysis.crossval import cluster_bootstrap_mean

BASELINE = "compromise"
ALPHA = 0.05
N_BOOT = 2000


def select_model(
    grouped: Mapping[str, np.ndarray], grouped_groups: np.ndarray,
    forward: Mapping[str, np.ndarray], forward_groups: np.ndarray,
    n_boot: int = N_BOOT, seed: int = 0, alternatives: int = 1,
) -> tuple[str, dict[str, Any]]:
    """(selected model, the table behind the choice). ``grouped`` / ``forward``: model -> absolute
    errors under each protocol (the baseline among them), with the proposal of every error;
    ``alternatives``: how many variants (capabilities) each model was tried in."""
    others = [m for m in grouped if m != BASELINE]
    family = max(len(others), 1) * max(alternatives, 1)
    level = 1 - ALPHA / family
    table: dict[str, Any] = {}
    for m in others:
        row: dict[str, Any] = {}
        for proto, errs, groups in (
            ("grouped", grouped, grouped_groups), ("forward", forward, forward_groups),
        ):
            d = errs[m] - errs[BASELINE]
            lo, hi = cluster_bootstrap_mean(d, list(groups), n_boot, seed, level)
            row[proto] = {"mae_diff": float(d.mean()), "ci": [lo, hi]}
        row["beats_baseline"] = bool(row["grouped"]["ci"][1] < 0 and row["forward"]["ci"][1] < 0)
        table[m] = row
    winners = [m for m in others if table[m]["beats_baseline"]]
    chosen = min(winners, key=lambda m: float(grouped[m].mean())) if winners else BASELINE
    return chosen, {
        "rule": f"beats {BASELINE} in grouped CV and forward in time, "
        f"{100 * level:.2f}% paired cluster-bootstrap intervals (Bonferroni over {family} "
        f"alternatives: {len(others)} models x {max(alternatives, 1)} capabilities)",
        "selected": chosen,
        "candidates": table,
    }


def verdict(
    selected: str, vs: Mapping[str, Mapping[str, Any]],
    crps_vs: Mapping[str, Mapping[str, Any]] | None = None,
) -> str:
    """Sentences for the output: which models beat the compromise model on the file scored
    (95% interval of the paired MAE, and CRPS, difference wholly below 0), and what is
    selected."""
    better = [m for m, v in vs.items() if m != BASELINE and v["ci95"][1] < 0]
    here = (
        f"on this file {', '.join(better)} beat{'s' if len(better) == 1 else ''} the compromise "
        "model (95% interval of the MAE difference below 0)"
        if better
        else "on this file no model beats the compromise model (no 95% interval of the MAE "
        "difference lies wholly below 0)"
    )
    chosen = (
        "the selected model is compromise: no model beat it on the training file under both "
        "protocols"
        if selected == BASELINE
        else f"the selected model is {selected}, which beat compromise on the training file "
        "under both protocols"
    )
    sharper = [m for m, v in (crps_vs or {}).items() if m != BASELINE and v["ci95"][1] < 0]
    dist = (
        f" CRPS: {', '.join(sharper)} beat{'s' if len(sharper) == 1 else ''} the compromise "
        "model's distribution (95% interval below 0)."
        if sharper
        else " CRPS: no model's distribution beats the compromise model's."
    )
    return f"{here[0].upper()}{here[1:]}; {chosen}.{dist if crps_vs is not None else ''}"
