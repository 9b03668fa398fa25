"""Fit the back-test's parameters on a DEU file, with every outcome-driven choice inside folds.

What is fitted on outcomes: the choice models' betas (focal, ensemble: the ensemble's weights),
every model's 80% interval radius, the residuals that make a point forecast a distribution, and
which model is selected. Two protocols (:func:`fit_capability`):

- **grouped cross-validation** (10 folds of proposals; Roberts et al. 2017): betas for fold j are
  fitted on the other folds; the radius for fold j and the selection for fold j come from an
  inner cross-validation of the other folds only (nested: fold j's outcomes touch nothing they
  are scored against). The nested selection gives an honest estimate of "the selected model";
- **forward in time**: proposals ordered by their number (DEU's ``prnr``, ``d`` + year + number;
  the ``intro``/``finact`` dates are corrupted in the file, so the number stands in for the date)
  and cut into :data:`FORWARD_BLOCKS` blocks; block b is scored with betas fitted on blocks < b.

The parameters shipped for new files are fitted on the whole file; the selection shipped with
them uses both protocols' out-of-sample errors (:mod:`realpolitik.analysis.selection`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from realpolitik.analysis.backtest import (
    CAPABILITIES,
    FOLD_SEED,
    FOLDS,
    N_BOOT,
    PARAMS_FORMAT,
    Panel,
    intervals80,
    issue_panel,
    load_panel,
)
from realpolitik.analysis.conformal import TARGET, calibrated_radius, coverage
from realpolitik.analysis.crossval import fold_of, grouped_folds
from realpolitik.analysis.registry import Context, get, names
from realpolitik.analysis.scoring import (
    crps,
    paired_difference,
    point_metrics,
    residual_distribution,
)
from realpolitik.analysis.selection import BASELINE, select_model
from realpolitik.models.bargaining.focal import (
    ChoiceSet,
    choice_median,
    choice_probabilities,
    fit_choice,
)
from realpolitik.scenario.importers.deu import SCALE

FORWARD_BLOCKS = 5


def forward_blocks(proposal: np.ndarray, k: int = FORWARD_BLOCKS) -> np.ndarray:
    """Per issue: the block of its proposal when proposals, sorted by number, are cut into ``k``
    blocks of near-equal numbers of proposals (0 = earliest)."""
    props = sorted({str(p) for p in proposal})
    block = {
        props[i]: b for b, idx in enumerate(np.array_split(np.arange(len(props)), k)) for i in idx
    }
    return np.array([block[str(p)] for p in proposal], dtype=int)


def _fit_predict(
    cs: ChoiceSet, y: np.ndarray, train: np.ndarray, test: np.ndarray,
    start: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    beta = fit_choice(cs.rows(train), y[train], start=start)
    return beta, choice_median(cs.rows(test), beta)


def forward_predictions(
    sets: Mapping[str, ChoiceSet], fc: Mapping[str, np.ndarray], y: np.ndarray,
    rows: np.ndarray, proposal: np.ndarray,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """(model -> forecasts of ``rows`` scored forward in time, NaN on the first block; the mask
    of scored rows)."""
    blocks = forward_blocks(proposal[rows])
    out = {m: v[rows].copy() for m, v in fc.items()}
    for m, cs in sets.items():
        pred = np.full(rows.size, np.nan)
        for b in range(1, int(blocks.max()) + 1):
            train, test = rows[blocks < b], rows[blocks == b]
            pred[blocks == b] = _fit_predict(cs, y, train, test)[1]
        out[m] = pred
    return out, blocks >= 1


def forward_crps(
    sets: Mapping[str, ChoiceSet], fc: Mapping[str, np.ndarray], y: np.ndarray,
    proposal: np.ndarray, lo: float, hi: float,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """CRPS per scored issue of every model's predictive distribution forward in time: a choice
    model's probabilities with betas fitted on earlier blocks; any other model's forecast plus
    the residuals of the earlier blocks."""
    blocks = forward_blocks(proposal)
    scored = blocks >= 1
    out = {m: np.full(y.size, np.nan) for m in [*fc, *sets]}
    for b in range(1, int(blocks.max()) + 1):
        train, test = np.flatnonzero(blocks < b), np.flatnonzero(blocks == b)
        for m, f in fc.items():
            r = y[train] - f[train]
            values, weights = residual_distribution(f[test], [r] * test.size, lo, hi)
            out[m][test] = crps(y[test], values, weights)
        for m, cs in sets.items():
            beta = fit_choice(cs.rows(train), y[train])
            sub = cs.rows(test)
            out[m][test] = crps(y[test], sub.candidates, choice_probabilities(sub, beta))
    return {m: v[scored] for m, v in out.items()}, scored


def _select_on(
    preds: Mapping[str, np.ndarray], fwd: Mapping[str, np.ndarray], scored: np.ndarray,
    y: np.ndarray, proposal: np.ndarray, n_boot: int, alternatives: int,
) -> tuple[str, dict[str, Any]]:
    err = {m: np.abs(v - y) for m, v in preds.items()}
    ferr = {m: np.abs(v[scored] - y[scored]) for m, v in fwd.items()}
    return select_model(err, proposal, ferr, proposal[scored], n_boot, alternatives=alternatives)


def fit_capability(
    panel: Panel, k: int = FOLDS, seed: int = FOLD_SEED, assignment: dict[str, int] | None = None,
    progress: Callable[[int], None] | None = None, n_boot: int = N_BOOT,
    alternatives: int = len(CAPABILITIES),
) -> dict[str, Any]:
    """One capability's parameters and its out-of-sample record under both protocols
    (``alternatives``: the number of capabilities the models are tried in, for the selection's
    Bonferroni correction)."""
    assignment = assignment or grouped_folds(list(panel.proposal), k, seed)
    folds = fold_of(list(panel.proposal), assignment)
    k = int(folds.max()) + 1
    y, prop = panel.outcome, panel.proposal
    ctx = Context(issue_panel(panel), progress=progress)
    comp = ctx.predict(BASELINE).point
    fc = {}
    for m in names("bargaining", fitted=False):
        raw = ctx.predict(m).point
        fc[m] = np.where(np.isnan(raw), comp, raw)
    sets: dict[str, ChoiceSet] = {}
    for m in names("bargaining", fitted=True):
        build = get(m).choice_set
        assert build is not None
        sets[m] = build(ctx)
    models_out: dict[str, Any] = {}
    oof: dict[str, np.ndarray] = dict(fc)
    inner: dict[str, list[np.ndarray]] = {m: [] for m in sets}
    for m, cs in sets.items():
        full = fit_choice(cs, y)
        pred, by_fold = np.empty(panel.n), []
        for j in range(k):
            test, train = np.flatnonzero(folds == j), np.flatnonzero(folds != j)
            beta, pred[test] = _fit_predict(cs, y, train, test, full)
            by_fold.append(dict(zip(cs.names, beta.tolist(), strict=True)))
            inn = np.full(panel.n, np.nan)
            for i in range(k):
                if i != j:
                    t_i = np.flatnonzero(folds == i)
                    tr_i = np.flatnonzero((folds != i) & (folds != j))
                    inn[t_i] = _fit_predict(cs, y, tr_i, t_i, beta)[1]
            inner[m].append(inn)
        models_out[m] = {
            "names": list(cs.names),
            "full": dict(zip(cs.names, full.tolist(), strict=True)),
            "folds": by_fold,
        }
        oof[m] = pred
    everyone = np.arange(panel.n)
    fwd, scored = forward_predictions(sets, fc, y, everyone, prop)
    selected, selection = _select_on(oof, fwd, scored, y, prop, n_boot, alternatives)
    # nested: fold j's selection is made on the other folds' inner out-of-sample errors only
    picks, sel_pred = [], np.empty(panel.n)
    for j in range(k):
        train = np.flatnonzero(folds != j)
        in_pred = {m: (inner[m][j] if m in sets else oof[m])[train] for m in oof}
        in_fwd, in_scored = forward_predictions(sets, fc, y, train, prop)
        pick, _ = _select_on(
            in_pred, in_fwd, in_scored, y[train], prop[train], n_boot, alternatives
        )
        picks.append(pick)
        sel_pred[folds == j] = oof[pick][folds == j]
    base_err = np.abs(comp - y)
    radius: dict[str, Any] = {}
    cv: dict[str, Any] = {}
    for m, f in oof.items():
        res = np.abs(f - y)
        if m in sets:
            by = [calibrated_radius(np.abs(inner[m][j] - y)[folds != j], TARGET) for j in range(k)]
        else:
            by = [calibrated_radius(res[folds != j], TARGET) for j in range(k)]
        radius[m] = {"full": calibrated_radius(res, TARGET), "folds": by}
        low, high = intervals80(panel, f, np.array(by)[folds])
        cv[m] = point_metrics(f, y, prop, panel.procedure, panel.rule, n_boot)
        cv[m]["coverage80"] = coverage(y, low, high)
        cv[m]["vs_compromise"] = paired_difference(res, base_err, prop, n_boot)
    forward: dict[str, Any] = {
        "order": "proposal number (dates in the file are unusable)",
        "blocks": FORWARD_BLOCKS,
        "n_scored": int(scored.sum()),
        "models": {},
    }
    fwd_crps, _ = forward_crps(sets, fc, y, prop, *SCALE)
    for m, f in fwd.items():
        e = np.abs(f[scored] - y[scored])
        c = paired_difference(fwd_crps[m], fwd_crps[BASELINE], prop[scored], n_boot)
        forward["models"][m] = {
            "mae": float(e.mean()),
            "vs_compromise": paired_difference(e, base_err[scored], prop[scored], n_boot),
            "crps": float(fwd_crps[m].mean()),
            "crps_vs_compromise": {"crps_diff": c["mae_diff"], "ci95": c["ci95"]},
        }
    sel_err = np.abs(sel_pred - y)
    return {
        "models": models_out,
        "radius80": radius,
        "residuals": {m: (y - fc[m]).tolist() for m in fc},
        "cv": cv,
        "forward": forward,
        "selected": selected,
        "selection": selection,
        "nested": {
            "picks": picks,
            "mae": float(sel_err.mean()),
            "vs_compromise": paired_difference(sel_err, base_err, prop, n_boot),
        },
        "oof": {m: v.tolist() for m, v in oof.items()},
        "inner_oof": {m: [v.tolist() for v in inner[m]] for m in inner},
    }


def fit_parameters(
    path: Path, capabilities_: Sequence[str] = CAPABILITIES, k: int = FOLDS,
    seed: int = FOLD_SEED, progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Fit every capability's parameters on a DEU file and return the parameter file content
    (what ``realpolitik backtest --fit`` writes and ``analysis/fitted/deu3.json`` holds)."""
    path = Path(path)
    first = load_panel(path, "equal")
    assignment = grouped_folds(list(first.proposal), k, seed)
    out: dict[str, Any] = {
        "format": PARAMS_FORMAT,
        "description": "realpolitik backtest parameters: choice-model betas, 80% interval radii, "
        "out-of-fold residuals and the selected model per capability, fitted with nested "
        "cross-validation grouped by proposal and checked forward in time",
        "trained_on": {
            "file": path.name,
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "n_issues": first.n,
            "n_proposals": len(assignment),
            "date": dt.date.today().isoformat(),
        },
        "folds": {"k": k, "seed": seed, "proposal": assignment},
        "issues": {"proposal": [str(p) for p in first.proposal]},
        "capabilities": {},
    }
    for cap in capabilities_:
        panel = load_panel(path, cap)
        if panel.capability_name != cap:
            continue
        fitted = fit_capability(panel, k, seed, assignment, progress)
        fitted.pop("oof")
        fitted.pop("inner_oof")
        out["capabilities"][cap] = fitted
    return out
