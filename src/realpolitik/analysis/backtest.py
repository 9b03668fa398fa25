"""Back-test the bargaining models on real EU outcomes (DEU III) with honest, out-of-sample numbers.

Pipeline: a DEU TSV file -> arrays (:func:`realpolitik.scenario.importers.deu.read_table`) ->
an :class:`~realpolitik.analysis.registry.IssuePanel` -> every registered model's forecast, by the
same panel function ``forecast`` uses (so the score is of the number ``forecast`` prints) ->
point errors, a predictive distribution per model and its proper scores
(:mod:`realpolitik.analysis.scoring`), an 80% interval per forecast, and each model's paired
difference from the compromise model with a cluster-bootstrap interval (proposals resampled).

Fitted parameters (the focal model's and the ensemble's betas, every model's interval radius and
out-of-fold residuals, the selected model) ship in ``analysis/fitted/deu3.json``, fitted on the
DEU III development file by :func:`realpolitik.analysis.fitting.fit_parameters`. When the
back-test scores an issue whose proposal was in that training file it uses the parameters fitted
*without* that proposal's fold, so the numbers it reports on the training file are the
cross-validated ones; every other issue is scored with the parameters fitted on the whole training
file, never refitted. The selected model is fixed in the parameter file, never re-chosen on the
file being scored.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from realpolitik.analysis.conformal import interval
from realpolitik.analysis.crossval import fold_of
from realpolitik.analysis.registry import Context, IssuePanel, Prediction, get, names
from realpolitik.analysis.scoring import (
    crps,
    distribution_metrics,
    paired_difference,
    pit,
    point_metrics,
    residual_distribution,
)
from realpolitik.analysis.selection import BASELINE, verdict
from realpolitik.errors import InputError
from realpolitik.files import read_bounded
from realpolitik.options import choose
from realpolitik.paths import data_file, package_file
from realpolitik.scenario.importers.deu import SCALE, DEUTable, gdp_capabilities, read_table

MODELS = names("bargaining")
"""Every registered bargaining model (the DEU panel has every input they need)."""
CAPABILITIES = ("equal", "gdp", "votes", "population")
DEFAULT_CAPABILITY = "gdp"
CAPABILITY_FILES = {"votes": "nice_votes.csv", "population": "population_2016.csv"}
FOLDS, FOLD_SEED = 10, 20240917
N_BOOT = 2000
PARAMS_FORMAT = 2


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


def issue_panel(panel: Panel) -> IssuePanel:
    """The scored issues as the registry's model input (scale 0-100, Nice votes for the Council)."""
    lo, hi = SCALE
    return IssuePanel(
        actors=panel.table.actors,
        positions=panel.positions,
        capabilities=panel.capability,
        saliences=panel.table.saliences[panel.rows],
        reference=panel.reference,
        lo=lo,
        hi=hi,
        procedure=panel.procedure,
        rule=panel.rule,
        votes=_council_votes(panel.table),
        issue_ids=tuple(str(i) for i in panel.issue_id),
    )


# --------------------------------------------------------------------------- parameters


def shipped_parameters_path() -> Path:
    return package_file("analysis", "fitted", "deu3.json")


def load_parameters(path: Path | None = None) -> dict[str, Any]:
    p = Path(path) if path is not None else shipped_parameters_path()
    raw = read_bounded(p, "parameter", 1 << 20)  # a folder, /dev/zero, a huge file: refused
    def _refuse(constant: str) -> Any:
        raise InputError.single(str(p), "", f"{constant} is not a parameter: give finite numbers")

    try:
        data: dict[str, Any] = json.loads(raw.decode("utf-8"), parse_constant=_refuse)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError.single(str(p), "", f"not a parameter file: {e}") from None
    if not isinstance(data, dict) or data.get("format") != PARAMS_FORMAT or (
        "capabilities" not in data
    ):
        raise InputError.single(str(p), "format", "not a realpolitik backtest parameter file")
    return data


# --------------------------------------------------------------------------- scoring


@dataclass
class ModelRecord:
    name: str
    forecast: np.ndarray
    low: np.ndarray
    high: np.ndarray
    metrics: dict[str, Any]
    pit: np.ndarray
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
    selected: str
    verdict: str
    training: dict[str, Any]
    params_file: str
    warnings: list[str] = field(default_factory=list)

    @property
    def best(self) -> str:
        return self.selected

    def to_json(self, per_issue: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "n_issues": self.n_issues,
            "skipped": self.skipped,
            "capability": self.capability,
            "models": {m: r.metrics for m, r in self.models.items()},
            "selected": self.selected,
            "best": self.selected,
            "verdict": self.verdict,
            "validation": {
                "cross_validated_issues": int(self.cross_validated.sum()),
                "shipped_parameter_issues": int((~self.cross_validated).sum()),
                "params": self.params_file,
            },
            "training": self.training,
            "model_info": {
                m: {
                    "family": get(m).family, "rule": get(m).rule, "fitted": get(m).fitted,
                    "distribution": get(m).distribution, "citation": get(m).citation,
                }
                for m in self.models
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


def _per_issue(folds: np.ndarray, full: Any, by_fold: Sequence[Any]) -> list[Any]:
    out: list[Any] = [full] * folds.size
    for rows, p in _per_fold(folds, full, by_fold):
        for r in rows:
            out[r] = p
    return out


def parse_models(names_: Sequence[str] | None) -> list[str]:
    return choose(names_, MODELS, "--model")


def _distribution(
    pred: Prediction, point: np.ndarray, residuals: np.ndarray, train_folds: np.ndarray,
    folds: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """A choice model's own distribution, else point + the training file's out-of-fold
    residuals (of the other folds for an issue of a training proposal)."""
    if pred.choice is not None and pred.probabilities is not None:
        return pred.choice.candidates, pred.probabilities
    sets = [residuals[train_folds != f] if f >= 0 else residuals for f in folds]
    return residual_distribution(point, sets, *SCALE)


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
    assignment = params["folds"]["proposal"]
    folds = fold_of(list(panel.proposal), assignment)
    train_folds = fold_of(params["issues"]["proposal"], assignment)
    betas = {
        m: _per_issue(folds, mp["full"], mp["folds"]) for m, mp in cap_params["models"].items()
    }
    ctx = Context(issue_panel(panel), betas=betas, progress=progress)
    comp = ctx.predict(BASELINE).point
    y = panel.outcome
    base_err = np.abs(comp - y)
    records: dict[str, ModelRecord] = {}
    base_crps = np.zeros(panel.n)
    for m in [BASELINE] + [m for m in MODELS if m in chosen and m != BASELINE]:
        pred = ctx.predict(m)
        undefined = np.isnan(pred.point)
        point = np.where(undefined, comp, pred.point)
        if undefined.any():
            warnings.append(
                f"{m}: undefined on {int(undefined.sum())} issue(s) (see docs/accuracy.md); "
                "the compromise forecast is used there"
            )
        radius = np.empty(panel.n)
        rp = cap_params["radius80"][m]
        for rows, q in _per_fold(folds, rp["full"], rp["folds"]):
            radius[rows] = q
        low, high = intervals80(panel, point, radius)
        res = np.asarray(cap_params["residuals"].get(m, []), dtype=float)
        values, weights = _distribution(pred, point, res, train_folds, folds)
        metrics = point_metrics(point, y, panel.proposal, panel.procedure, panel.rule, n_boot,
                                seed)
        metrics.update(distribution_metrics(y, panel.positions, values, weights, low, high))
        metrics["vs_compromise"] = paired_difference(
            np.abs(point - y), base_err, panel.proposal, n_boot, seed
        )
        c = crps(y, values, weights)
        if m == BASELINE:
            base_crps = c
        crps_diff = paired_difference(c, base_crps, panel.proposal, n_boot, seed)
        metrics["crps_vs_compromise"] = {"crps_diff": crps_diff["mae_diff"],
                                         "ci95": crps_diff["ci95"]}
        metrics["distribution"] = get(m).distribution
        if m not in chosen:
            continue
        records[m] = ModelRecord(
            m, point, low, high, metrics, pit(y, values, weights, seed), int(undefined.sum())
        )
    if ctx.errors:
        more = f" (and {len(ctx.errors) - 1} more)" if len(ctx.errors) > 1 else ""
        warnings.insert(0, ctx.errors[0] + more)
    selected = str(cap_params["selected"])
    vs = {m: r.metrics["vs_compromise"] for m, r in records.items()}
    training = {
        "selection_rule": cap_params["selection"]["rule"],
        "nested_cv": cap_params["nested"],
        "forward": {
            "order": cap_params["forward"]["order"],
            "n_scored": cap_params["forward"]["n_scored"],
            "models": {
                m: {k: v[k] for k in ("mae", "vs_compromise", "crps", "crps_vs_compromise")}
                for m, v in cap_params["forward"]["models"].items()
            },
        },
    }
    return BacktestResult(
        file=str(path), capability=cap, n_issues=panel.n, skipped=panel.skipped,
        skipped_no_outcome=panel.skipped_no_outcome, issue_id=panel.issue_id,
        proposal=panel.proposal, outcome=y, procedure=panel.procedure,
        rule=panel.rule, cross_validated=folds >= 0, models=records, selected=selected,
        verdict=verdict(
            selected, vs, {m: r.metrics["crps_vs_compromise"] for m, r in records.items()}
        ), training=training, params_file=params_file,
        warnings=warnings,
    )
