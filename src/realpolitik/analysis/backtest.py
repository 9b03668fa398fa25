"""Back-test the bargaining models on real EU outcomes (DEU III) with honest, out-of-sample numbers.

Pipeline: a DEU TSV file -> arrays (:func:`realpolitik.scenario.importers.deu.read_table`) ->
capabilities -> every model's forecast for every issue with an outcome -> errors, a cluster
bootstrap interval of the mean absolute error (resampling proposals), an 80% prediction interval
per forecast and its coverage.

Fitted parameters (the focal-point model's and the ensemble's betas, and every model's interval
radius) ship with the package in ``analysis/fitted/deu3.json``; they were fitted on the DEU III
development file with 10-fold cross-validation grouped by proposal (:func:`fit_parameters`). When
the back-test scores an issue whose proposal was in that training file it uses the parameters
fitted *without* that proposal's fold, so the numbers it reports on the training file are the
cross-validated ones; every other issue is scored with the parameters fitted on the whole training
file, never refitted. The "best" model is the one with the lowest cross-validated error on the
training file, fixed in the parameter file, not re-chosen on the file being scored.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from realpolitik.analysis.conformal import TARGET, calibrated_radius, coverage, interval
from realpolitik.analysis.crossval import (
    cluster_bootstrap_mean,
    cluster_bootstrap_se,
    fold_of,
    grouped_folds,
)
from realpolitik.analysis.ensemble import align, ensemble_choice_set, focal_choice_set
from realpolitik.errors import InputError
from realpolitik.models.bargaining.focal import ChoiceSet, choice_median, fit_choice
from realpolitik.models.bargaining.panel import (
    compromise_panel,
    nash_panel,
    weighted_median_panel,
)
from realpolitik.models.bargaining.procedural import procedural_panel
from realpolitik.options import choose
from realpolitik.scenario.importers.deu import SCALE, DEUTable, gdp_capabilities, read_table

BASE_MODELS = ("compromise", "median", "nash", "eum", "procedural")
FITTED_MODELS = ("focal", "ensemble")
MODELS = BASE_MODELS + FITTED_MODELS
CAPABILITIES = ("equal", "gdp", "votes", "population")
DEFAULT_CAPABILITY = "gdp"
CAPABILITY_FILES = {"votes": "nice_votes.csv", "population": "population_2016.csv"}
FOLDS, FOLD_SEED = 10, 20240917
N_BOOT = 2000
PARAMS_FORMAT = 1


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Panel:
    """The issues of a DEU file that have an outcome and at least one position, as model inputs."""

    table: DEUTable
    rows: np.ndarray
    capability: np.ndarray
    capability_name: str
    skipped: int
    skipped_no_outcome: int
    warnings: tuple[str, ...]

    @property
    def positions(self) -> np.ndarray:
        return self.table.positions[self.rows]

    @property
    def weights(self) -> np.ndarray:
        s = np.nan_to_num(self.table.saliences[self.rows])
        return np.where(np.isnan(self.positions), 0.0, s * self.capability[None, :])

    @property
    def outcome(self) -> np.ndarray:
        return self.table.outcome[self.rows]

    @property
    def reference(self) -> np.ndarray:
        return self.table.reference[self.rows]

    @property
    def proposal(self) -> np.ndarray:
        return self.table.proposal[self.rows]

    @property
    def issue_id(self) -> np.ndarray:
        return self.table.issue_id[self.rows]

    @property
    def procedure(self) -> np.ndarray:
        return self.table.procedure[self.rows]

    @property
    def rule(self) -> np.ndarray:
        return self.table.rule[self.rows]

    @property
    def n(self) -> int:
        return int(self.rows.size)

    def actor_positions(self, actor: str) -> np.ndarray:
        k = self.table.actor_index(actor)
        return np.full(self.n, np.nan) if k is None else self.positions[:, k]


def _capability_file(name: str) -> dict[str, float]:
    from realpolitik.paths import data_file

    path = data_file("capabilities", CAPABILITY_FILES[name])
    with path.open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return {r[0].strip().lower(): float(r[1]) for r in rows[1:] if r and r[0].strip()}


def capabilities(table: DEUTable, name: str) -> tuple[np.ndarray, str, list[str]]:
    """(capability per actor, the name actually used, warnings). Falls back to equal capabilities,
    with a warning, when an actor that takes part in some issue has no figure."""
    if name not in CAPABILITIES:
        raise InputError.single(
            "--capability", "",
            f"unknown capability {name!r}; choose from {', '.join(CAPABILITIES)}",
        )
    m = len(table.actors)
    if name == "equal":
        return np.ones(m), "equal", []
    takes_part: list[bool] = np.asarray(table.present.any(axis=0)).tolist()
    if name == "gdp":
        caps = gdp_capabilities(table)
        if caps is None:
            return np.ones(m), "equal", [
                f"{Path(table.file).name}: the GDP row is missing or incomplete: "
                "capability 'gdp' falls back to equal capabilities"
            ]
        return caps, "gdp", []
    figures = _capability_file(name)
    lacking = [
        a for a, t in zip(table.actors, takes_part, strict=True) if t and a not in figures
    ]
    if lacking:
        return np.ones(m), "equal", [
            f"no {name} figure for {', '.join(lacking)}: capability {name!r} falls back to equal "
            "capabilities"
        ]
    return np.array([figures.get(a, 0.0) for a in table.actors]), name, []


def load_panel(path: Path, capability: str = DEFAULT_CAPABILITY) -> Panel:
    """Read a DEU file and keep the issues that can be scored (an outcome and a position)."""
    table = read_table(Path(path))
    if "out" not in table.columns:
        raise InputError.single(
            str(path), "line 1", "no 'out' column: a back-test needs the actual outcomes"
        )
    caps, used, warns = capabilities(table, capability)
    has_out = ~np.isnan(table.outcome)
    has_pos = table.present.any(axis=1)
    rows = np.flatnonzero(has_out & has_pos)
    if rows.size == 0:
        raise InputError.single(
            str(path), "out", "no issue has both an outcome and a position: nothing to score"
        )
    no_pos = int(np.sum(has_out & ~has_pos))
    if no_pos:
        warns.append(f"{no_pos} issue(s) with an outcome but no position were skipped")
    return Panel(
        table=table,
        rows=rows,
        capability=caps,
        capability_name=used,
        skipped=int(table.n_issues - rows.size),
        skipped_no_outcome=int(np.sum(~has_out)),
        warnings=tuple(table.warnings) + tuple(warns),
    )


def _council_votes(table: DEUTable) -> np.ndarray:
    """Nice votes of the member states (0 for the Commission, the Parliament and unknown actors)."""
    figures = _capability_file("votes")
    return np.array(
        [0.0 if a in ("com", "ep") else figures.get(a, 0.0) for a in table.actors], dtype=float
    )


# --------------------------------------------------------------------------- models


def eum_forecasts(
    panel: Panel, progress: Callable[[int], None] | None = None,
    errors: list[str] | None = None,
) -> np.ndarray:
    """The expected-utility model's final-round median per issue (NaN where it cannot run; the
    reason goes to ``errors`` and the back-test carries on with the other models)."""
    from realpolitik.models.bargaining.eum import EUMParams, expected_utility_model
    params = EUMParams(threads=1)  # issues are small: threads cost more than they save
    x, w = panel.positions, panel.weights
    s = np.nan_to_num(panel.table.saliences[panel.rows])
    out = np.full(panel.n, np.nan)
    for t in range(panel.n):
        keep = ~np.isnan(x[t])
        pos = x[t, keep]
        if np.ptp(pos) == 0:
            out[t] = pos[0]
        elif w[t, keep].sum() > 0:
            try:
                with np.errstate(all="ignore"):
                    res = expected_utility_model(pos, panel.capability[keep], s[t, keep], params)
                out[t] = float(res.median_by_round[-1])
            except Exception as e:  # noqa: BLE001  one model's failure must not stop the others
                out[t] = np.nan
                if errors is not None:
                    errors.append(
                        f"eum failed on issue {panel.issue_id[t]}: {type(e).__name__}: {e}"
                    )
        if progress is not None:
            progress(1)
    return out


def base_forecasts(
    panel: Panel, models: Sequence[str] = BASE_MODELS,
    progress: Callable[[int], None] | None = None, errors: list[str] | None = None,
) -> dict[str, np.ndarray]:
    """Raw forecasts of the parameter-free models (NaN where a model is undefined)."""
    lo, hi = SCALE
    x, w = panel.positions, panel.weights
    out: dict[str, np.ndarray] = {"compromise": compromise_panel(x, w)}
    if "median" in models:
        out["median"] = weighted_median_panel(x, w)
    if "nash" in models:
        d = np.where(np.isnan(panel.reference), lo, panel.reference)
        out["nash"] = nash_panel(x, w, lo, hi, d)[0]
    if "procedural" in models:
        votes = _council_votes(panel.table)
        res = procedural_panel(
            x, votes, panel.reference, panel.actor_positions("com"), panel.actor_positions("ep"),
            panel.rule == "unanimity", panel.procedure == "COD", lo, hi,
        )
        out["procedural"] = res.outcome
    if "eum" in models:
        out["eum"] = eum_forecasts(panel, progress, errors)
    return out


def choice_sets(panel: Panel, forecasts: Mapping[str, np.ndarray]) -> dict[str, ChoiceSet]:
    lo, hi = SCALE
    ep = panel.actor_positions("ep")
    rp = panel.reference
    return {
        "focal": focal_choice_set(panel.positions, forecasts, rp, ep, lo, hi),
        "ensemble": ensemble_choice_set(panel.positions, forecasts, rp, ep, lo, hi),
    }


# --------------------------------------------------------------------------- parameters


def shipped_parameters_path() -> Path:
    return Path(str(resources.files("realpolitik.analysis") / "fitted" / "deu3.json"))


def load_parameters(path: Path | None = None) -> dict[str, Any]:
    p = Path(path) if path is not None else shipped_parameters_path()
    try:
        data: dict[str, Any] = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError.single(str(p), "", "no such parameter file") from None
    except json.JSONDecodeError as e:
        raise InputError.single(str(p), "", f"not a parameter file: {e}") from None
    if data.get("format") != PARAMS_FORMAT or "capabilities" not in data:
        raise InputError.single(str(p), "format", "not a realpolitik backtest parameter file")
    return data


# --------------------------------------------------------------------------- scoring


def metrics(
    forecast: np.ndarray, outcome: np.ndarray, proposal: np.ndarray, procedure: np.ndarray,
    rule: np.ndarray, low: np.ndarray | None = None, high: np.ndarray | None = None,
    n_boot: int = N_BOOT, seed: int = 0,
) -> dict[str, Any]:
    """MAE with a 95% cluster-bootstrap interval (proposals resampled), median absolute error,
    RMSE, shares within 10 and 20 points, 80%-interval coverage, and breakdowns."""
    e = np.abs(forecast - outcome)
    res: dict[str, Any] = {
        "mae": float(e.mean()),
        "mae_ci95": list(cluster_bootstrap_mean(e, list(proposal), n_boot, seed)),
        "median_ae": float(np.median(e)),
        "rmse": float(np.sqrt(np.mean(e**2))),
        "within10": float(np.mean(e <= 10)),
        "within20": float(np.mean(e <= 20)),
        "coverage80": None if low is None or high is None else coverage(outcome, low, high),
    }
    for key, labels in (("by_procedure", procedure), ("by_rule", rule)):
        res[key] = {
            str(v): {"n": int(np.sum(labels == v)), "mae": float(e[labels == v].mean())}
            for v in sorted({str(v) for v in labels})
        }
    return res


@dataclass
class ModelRecord:
    name: str
    forecast: np.ndarray
    low: np.ndarray
    high: np.ndarray
    metrics: dict[str, Any]
    fallback: int = 0


@dataclass
class BacktestResult:
    file: str
    capability: str
    n_issues: int
    skipped: int
    skipped_no_outcome: int
    issue_id: np.ndarray
    proposal: np.ndarray
    outcome: np.ndarray
    procedure: np.ndarray
    rule: np.ndarray
    cross_validated: np.ndarray
    models: dict[str, ModelRecord]
    best: str | None
    cv_best: str | None
    params_file: str
    warnings: list[str] = field(default_factory=list)

    def to_json(self, per_issue: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "n_issues": self.n_issues,
            "skipped": self.skipped,
            "capability": self.capability,
            "models": {m: r.metrics for m, r in self.models.items()},
            "best": self.best,
            "validation": {
                "cross_validated_issues": int(self.cross_validated.sum()),
                "shipped_parameter_issues": int((~self.cross_validated).sum()),
                "params": self.params_file,
            },
        }
        if per_issue:
            ids = [str(i) for i in self.issue_id]
            out["predictions"] = {
                m: dict(zip(ids, r.forecast.tolist(), strict=True)) for m, r in self.models.items()
            }
            out["intervals80"] = {
                m: {i: [lo, hi] for i, lo, hi in zip(ids, r.low.tolist(), r.high.tolist(),
                                                     strict=True)}
                for m, r in self.models.items()
            }
            out["outcomes"] = dict(zip(ids, self.outcome.tolist(), strict=True))
        return out


def intervals80(panel: Panel, forecast: np.ndarray, radius: np.ndarray) -> tuple[
    np.ndarray, np.ndarray
]:
    """forecast +- radius, cut to the hull of the positions on the table, the reference point and
    the forecast itself (outcomes outside it are rare: 1 of 230 development issues)."""
    with np.errstate(invalid="ignore"):
        hull_lo = np.fmin(np.nanmin(panel.positions, axis=1), panel.reference)
        hull_hi = np.fmax(np.nanmax(panel.positions, axis=1), panel.reference)
    return interval(forecast, radius, np.minimum(hull_lo, forecast), np.maximum(hull_hi, forecast))


def _per_fold(
    folds: np.ndarray, full: Any, by_fold: Sequence[Any]
) -> list[tuple[np.ndarray, Any]]:
    """(issue rows, parameter) pairs: an issue of training fold j gets by_fold[j], others full."""
    parts = [(np.flatnonzero(folds == j), p) for j, p in enumerate(by_fold)]
    parts.append((np.flatnonzero(folds < 0), full))
    return [(rows, p) for rows, p in parts if rows.size]


def parse_models(names: Sequence[str] | None) -> list[str]:
    return choose(names, MODELS, "--models")


def run_backtest(
    path: Path,
    models: Sequence[str] | None = None,
    capability: str = DEFAULT_CAPABILITY,
    params: Mapping[str, Any] | None = None,
    params_file: str = "shipped",
    n_boot: int = N_BOOT,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> BacktestResult:
    """Score the chosen models on every issue of ``path`` that has an outcome."""
    chosen = parse_models(models)
    panel = load_panel(path, capability)
    warnings = list(panel.warnings)
    params = params if params is not None else load_parameters()
    cap = panel.capability_name
    cap_params = params["capabilities"].get(cap)
    if cap_params is None:
        raise InputError.single(
            params_file, "capabilities", f"no parameters for capability {cap!r}"
        )
    folds = fold_of(list(panel.proposal), params["folds"]["proposal"])
    need = set(chosen)
    if "ensemble" in need:
        need |= {"median", "nash", "procedural", "eum"}
    errors: list[str] = []
    raw = base_forecasts(panel, [m for m in BASE_MODELS if m in need], progress, errors)
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        warnings.append(errors[0] + more)
    comp = raw["compromise"]
    forecasts: dict[str, np.ndarray] = {}
    fallback: dict[str, int] = {}
    for m in BASE_MODELS:
        if m in raw:
            undefined = np.isnan(raw[m])
            forecasts[m] = np.where(undefined, comp, raw[m])
            fallback[m] = int(undefined.sum())
    fitted = [m for m in FITTED_MODELS if m in need]
    if fitted:
        sets = choice_sets(panel, raw)
        for m in fitted:
            mp = cap_params["models"][m]
            pred = np.empty(panel.n)
            for rows, beta in _per_fold(folds, mp["full"], mp["folds"]):
                cs = sets[m].rows(rows)
                pred[rows] = choice_median(cs, align(beta, cs.names))
            forecasts[m] = pred
            fallback[m] = 0
    if fallback.get("procedural") and "procedural" in chosen:
        warnings.append(
            f"procedural: {fallback['procedural']} issue(s) without a reference point use the "
            "compromise forecast"
        )
    if fallback.get("eum") and "eum" in chosen:
        warnings.append(
            f"eum: the expected-utility model was unavailable on {fallback['eum']} issue(s); "
            "the compromise forecast is used there"
        )
    records: dict[str, ModelRecord] = {}
    for m in chosen:
        radius = np.empty(panel.n)
        rp = cap_params["radius80"][m]
        for rows, q in _per_fold(folds, rp["full"], rp["folds"]):
            radius[rows] = q
        low, high = intervals80(panel, forecasts[m], radius)
        records[m] = ModelRecord(
            m, forecasts[m], low, high,
            metrics(forecasts[m], panel.outcome, panel.proposal, panel.procedure, panel.rule,
                    low, high, n_boot, seed),
            fallback.get(m, 0),
        )
    cv_best = cap_params.get("best")
    best = cv_best if cv_best in records else None
    if best is None and records:
        ranking = [m for m in cap_params.get("ranking", []) if m in records]
        best = ranking[0] if ranking else None
    return BacktestResult(
        file=str(path), capability=cap, n_issues=panel.n, skipped=panel.skipped,
        skipped_no_outcome=panel.skipped_no_outcome, issue_id=panel.issue_id,
        proposal=panel.proposal, outcome=panel.outcome, procedure=panel.procedure,
        rule=panel.rule, cross_validated=folds >= 0, models=records, best=best, cv_best=cv_best,
        params_file=params_file, warnings=warnings,
    )


# --------------------------------------------------------------------------- fitting


def _fit_predict(
    cs: ChoiceSet, y: np.ndarray, train: np.ndarray, test: np.ndarray, start: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    beta = fit_choice(cs.rows(train), y[train], start=start)
    return beta, choice_median(cs.rows(test), beta)


def fit_capability(
    panel: Panel, k: int = FOLDS, seed: int = FOLD_SEED, assignment: dict[str, int] | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Fit one capability's parameters with cross-validation grouped by proposal.

    For each outer fold j: the choice models are fitted on the other folds (their betas for
    fold j) and forecast fold j; the interval radius for fold j is calibrated on inner
    out-of-fold residuals of the other folds only (nested: fold j's outcomes never touch its own
    radius). The full-data betas and the radius from the outer out-of-fold residuals are what a
    new file is scored with. Returns the JSON-ready parameters and the cross-validated metrics.
    """
    assignment = assignment or grouped_folds(list(panel.proposal), k, seed)
    folds = fold_of(list(panel.proposal), assignment)
    k = int(folds.max()) + 1
    y = panel.outcome
    raw = base_forecasts(panel, BASE_MODELS, progress)
    comp = raw["compromise"]
    fc = {m: np.where(np.isnan(v), comp, v) for m, v in raw.items()}
    sets = choice_sets(panel, raw)
    models_out: dict[str, Any] = {}
    oof: dict[str, np.ndarray] = dict(fc)
    inner_res: dict[str, list[np.ndarray]] = {m: [] for m in MODELS}
    for m, cs in sets.items():
        pred = np.empty(panel.n)
        by_fold = []
        full = fit_choice(cs, y)
        for j in range(k):
            test, train = np.flatnonzero(folds == j), np.flatnonzero(folds != j)
            beta, pred[test] = _fit_predict(cs, y, train, test, full)
            by_fold.append(dict(zip(cs.names, beta.tolist(), strict=True)))
            inner = np.empty(panel.n)
            inner[:] = np.nan
            for i in range(k):
                if i == j:
                    continue
                t_i = np.flatnonzero(folds == i)
                tr_i = np.flatnonzero((folds != i) & (folds != j))
                inner[t_i] = _fit_predict(cs, y, tr_i, t_i, beta)[1]
            inner_res[m].append(np.abs(inner[train] - y[train]))
        models_out[m] = {
            "names": list(cs.names),
            "full": dict(zip(cs.names, full.tolist(), strict=True)),
            "folds": by_fold,
        }
        oof[m] = pred
    radius: dict[str, Any] = {}
    cv: dict[str, Any] = {}
    for m in MODELS:
        res = np.abs(oof[m] - y)
        if m in FITTED_MODELS:
            by = [calibrated_radius(r, TARGET) for r in inner_res[m]]
        else:
            by = [calibrated_radius(res[folds != j], TARGET) for j in range(k)]
        radius[m] = {"full": calibrated_radius(res, TARGET), "folds": by}
        r_issue = np.array(by)[folds]
        low, high = intervals80(panel, oof[m], r_issue)
        cv[m] = metrics(oof[m], y, panel.proposal, panel.procedure, panel.rule, low, high)
    ranking = sorted(MODELS, key=lambda m: cv[m]["mae"])
    best, selection = select_best(oof, y, panel.proposal, models_out)
    return {
        "models": models_out,
        "radius80": radius,
        "cv": cv,
        "ranking": ranking,
        "best": best,
        "selection": selection,
        "oof": {m: oof[m].tolist() for m in MODELS},
    }


def select_best(
    oof: Mapping[str, np.ndarray], y: np.ndarray, proposal: np.ndarray,
    fitted: Mapping[str, Any],
) -> tuple[str, dict[str, Any]]:
    """The one-standard-error rule (Breiman et al. 1984; Hastie, Tibshirani & Friedman 2009,
    sec. 7.10): the simplest model whose cross-validated MAE is within one standard error of the
    lowest, the error being that of the paired difference of absolute errors, resampling
    proposals. Simplicity = number of fitted parameters (0 for the parameter-free models); among
    equally simple models the lower MAE wins. Choosing between near-equal models by the smallest
    CV error alone would add selection noise without expected gain."""
    err = {m: np.abs(np.asarray(v) - y) for m, v in oof.items()}
    mae = {m: float(e.mean()) for m, e in err.items()}
    low = min(mae, key=lambda m: mae[m])
    size = {m: len(fitted[m]["names"]) if m in fitted else 0 for m in err}
    table = {}
    for m in sorted(err, key=lambda m: (size[m], mae[m])):
        se = cluster_bootstrap_se(err[m] - err[low], list(proposal), N_BOOT, 0) if m != low else 0.0
        table[m] = {"mae": mae[m], "excess": mae[m] - mae[low], "se": se, "parameters": size[m]}
    best = next(m for m in table if table[m]["excess"] <= table[m]["se"])
    return best, {"rule": "one standard error (paired, proposals resampled)", "lowest": low,
                  "candidates": table}


def fit_parameters(
    path: Path, capabilities_: Sequence[str] = CAPABILITIES, k: int = FOLDS,
    seed: int = FOLD_SEED, progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Fit every capability's parameters on a DEU file (grouped CV) and return the parameter file
    content (what ``realpolitik backtest --fit`` writes and ``analysis/fitted/deu3.json`` holds)."""
    path = Path(path)
    first = load_panel(path, "equal")
    assignment = grouped_folds(list(first.proposal), k, seed)
    out: dict[str, Any] = {
        "format": PARAMS_FORMAT,
        "description": "realpolitik backtest parameters: choice-model betas and 80% interval "
        "radii per capability, fitted with cross-validation grouped by proposal",
        "trained_on": {
            "file": path.name,
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "n_issues": first.n,
            "n_proposals": len(assignment),
            "date": dt.date.today().isoformat(),
        },
        "folds": {"k": k, "seed": seed, "proposal": assignment},
        "capabilities": {},
    }
    for cap in capabilities_:
        panel = load_panel(path, cap)
        if panel.capability_name != cap:
            continue
        fitted = fit_capability(panel, k, seed, assignment, progress)
        fitted.pop("oof")
        out["capabilities"][cap] = fitted
    return out
