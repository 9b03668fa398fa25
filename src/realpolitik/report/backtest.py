"""The back-test record as a self-contained HTML page (plotly.js embedded, no network)."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.offline
from plotly.subplots import make_subplots

from realpolitik import __version__
from realpolitik.analysis.backtest import BacktestResult
from realpolitik.analysis.naive import naive_baseline
from realpolitik.analysis.registry import get
from realpolitik.files import write_atomic
from realpolitik.models.bargaining.procedural import NICE_QMV_SHARE
from realpolitik.report.figures import figure_html

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1100px;
color:#222;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem}
table{border-collapse:collapse;margin:1rem 0;font-size:.92rem}
th,td{border:1px solid #ccc;padding:.3rem .6rem;text-align:right}
th:first-child,td:first-child{text-align:left}
tr.best td{font-weight:600;background:#eef6ee}
.muted{color:#666;font-size:.9rem}
"""


def _fmt(x: object, digits: int = 2) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return escape(str(x))


def errors_figure(result: BacktestResult) -> go.Figure:
    """Box plot of each model's absolute errors with every issue as a point (ordered by MAE)."""
    fig = go.Figure()
    order = sorted(result.models.values(), key=lambda r: r.metrics["mae"])
    for rec in order:
        err = np.abs(rec.forecast - result.outcome)
        fig.add_trace(
            go.Box(
                y=err,
                name=rec.name,
                boxpoints="all",
                jitter=0.5,
                pointpos=0,
                marker={"size": 3, "opacity": 0.5},
                boxmean=True,
                text=[str(i) for i in result.issue_id],
                hovertemplate="issue %{text}<br>|error| %{y:.1f}<extra>" + rec.name + "</extra>",
            )
        )
    fig.update_layout(
        title="Absolute error per issue (box: quartiles; dashed line: mean)",
        yaxis_title="|forecast - outcome| (0-100 scale)",
        showlegend=False,
        height=520,
        margin={"l": 60, "r": 20, "t": 60, "b": 40},
    )
    return fig


PIT_BINS = 10


def pit_figure(result: BacktestResult) -> go.Figure:
    """Reliability: one PIT histogram per model (flat at 1 = calibrated; U-shaped = too sharp;
    hump-shaped = too wide; Czado, Gneiting & Held 2009)."""
    recs = sorted(result.models.values(), key=lambda r: r.metrics["mae"])
    cols = min(4, max(len(recs), 1))
    rows = -(-len(recs) // cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[r.name for r in recs])
    edges = np.linspace(0, 1, PIT_BINS + 1)
    for k, rec in enumerate(recs):
        counts, _ = np.histogram(rec.pit, bins=edges)
        density = counts / max(rec.pit.size, 1) * PIT_BINS
        fig.add_trace(
            go.Bar(x=0.5 * (edges[:-1] + edges[1:]), y=density, width=1 / PIT_BINS,
                   name=rec.name, marker={"color": "#4c78a8"},
                   hovertemplate="PIT %{x:.2f}<br>density %{y:.2f}<extra>" + rec.name
                   + "</extra>"),
            row=k // cols + 1, col=k % cols + 1,
        )
        fig.add_hline(y=1.0, line_dash="dash", line_color="#888", row=k // cols + 1,
                      col=k % cols + 1)
    fig.update_layout(
        title="Reliability: PIT histogram per model (dashed: a calibrated forecaster)",
        showlegend=False, height=260 * rows + 80, margin={"l": 40, "r": 20, "t": 80, "b": 30},
    )
    return fig


def _ci(v: dict[str, Any]) -> str:
    return f"{v['mae_diff']:+.2f} [{v['ci95'][0]:+.2f}, {v['ci95'][1]:+.2f}]"


def _metrics_table(result: BacktestResult, naive: dict[str, Any]) -> str:
    head = (
        "<tr><th>model</th><th>MAE</th><th>95% CI (proposals resampled)</th>"
        "<th>MAE - compromise [95% CI]</th><th>MAE - naive [95% CI]</th><th>CRPS</th>"
        "<th>log score</th><th>median AE</th>"
        "<th>RMSE</th><th>within 5</th><th>within 10</th><th>within 20</th>"
        "<th>80% interval coverage</th><th>mean width</th><th>fallbacks</th></tr>"
    )
    rows = []
    for rec in sorted(result.models.values(), key=lambda r: r.metrics["mae"]):
        m = rec.metrics
        lo, hi = m["mae_ci95"]
        cls = ' class="best"' if rec.name == result.selected else ""
        cov = m["coverage80"]
        v = m["vs_compromise"]
        diff = "-" if rec.name == "compromise" else _ci(v)
        rows.append(
            f"<tr{cls}><td>{escape(rec.name)}{' (selected)' if cls else ''}</td>"
            f"<td>{_fmt(m['mae'])}</td><td>[{_fmt(lo)}, {_fmt(hi)}]</td><td>{diff}</td>"
            f"<td>{_ci(naive['vs_naive'][rec.name])}</td>"
            f"<td>{_fmt(m['crps'])}</td><td>{_fmt(m['log_score'])}</td>"
            f"<td>{_fmt(m['median_ae'])}</td><td>{_fmt(m['rmse'])}</td>"
            f"<td>{_fmt(100 * m['within5'], 0)}%</td>"
            f"<td>{_fmt(100 * m['within10'], 0)}%</td><td>{_fmt(100 * m['within20'], 0)}%</td>"
            f"<td>{'-' if cov is None else _fmt(100 * cov, 0) + '%'}</td>"
            f"<td>{_fmt(m['interval80_width'], 1)}</td><td>{rec.fallback}</td></tr>"
        )
    n = naive
    rows.append(
        f"<tr><td>naive (always {n['forecast']:g})</td><td>{_fmt(n['mae'])}</td>"
        f"<td>[{_fmt(n['mae_ci95'][0])}, {_fmt(n['mae_ci95'][1])}]</td><td>-</td><td>-</td>"
        f"<td>-</td><td>-</td><td>{_fmt(n['median_ae'])}</td><td>{_fmt(n['rmse'])}</td>"
        f"<td>{_fmt(100 * n['within5'], 0)}%</td><td>{_fmt(100 * n['within10'], 0)}%</td>"
        f"<td>{_fmt(100 * n['within20'], 0)}%</td><td>-</td><td>-</td><td>-</td></tr>"
    )
    return f"<table>{head}{''.join(rows)}</table>"


def naive_sentence(naive: dict[str, Any]) -> str:
    """Which models beat the midpoint (their MAE difference's 95% interval below 0), plainly."""
    beat = [m for m, v in naive["vs_naive"].items() if v["ci95"][1] < 0]
    head = (f"Naive baseline: forecasting the scale's midpoint ({naive['forecast']:g}) on every "
            f"issue gives MAE {naive['mae']:.2f} [{naive['mae_ci95'][0]:.2f}, "
            f"{naive['mae_ci95'][1]:.2f}]. ")
    if not beat:
        return head + "No model beats it: every model's 95% interval of the difference reaches 0."
    rest = [m for m in naive["vs_naive"] if m not in beat]
    return head + (f"{', '.join(beat)} beat{'s' if len(beat) == 1 else ''} it (95% interval of "
                   "the difference below 0)"
                   + (f"; {', '.join(rest)} {'does' if len(rest) == 1 else 'do'} not." if rest
                      else ".")
                   )


GLOSSARY = (
    "<p><b>The EU's legislative procedures and voting rules</b> in the DEU data "
    "(Thomson, Stokman, Achen &amp; König 2006, <i>The European Union Decides</i>, ch. 1; "
    "Arregui &amp; Perarnaud 2021; the treaties as in force when each proposal was decided):</p>"
    "<ul>"
    "<li><b>CNS, consultation</b>: the Council adopts the act on the Commission's proposal "
    "after asking the European Parliament's opinion, which does not bind it; the Commission, "
    "as agenda setter, can shape what passes.</li>"
    "<li><b>COD, co-decision</b> (since the Lisbon Treaty the ordinary legislative procedure, "
    "Art. 294 TFEU): the Parliament and the Council adopt the act jointly, each can block it, "
    "and a conciliation committee settles what they still disagree on.</li>"
    "<li><b>QMV, qualified-majority voting</b> in the Council: weighted votes, under the Nice "
    f"Treaty {NICE_QMV_SHARE * 352:.0f} of 352 ({100 * NICE_QMV_SHARE:.1f}%; Art. 205(2) "
    "TEC as amended at Nice), so no single state can block. <b>QMV(10)</b> is a variant the "
    "DEU file codes apart; the back-test treats it as QMV. <b>Unan</b>: unanimity, every "
    "member can block.</li></ul>"
)


def _models_table(result: BacktestResult) -> str:
    """What each scored model is, from the registry: its forecast rule and its distribution."""
    head = (
        "<tr><th>model</th><th>what it is</th><th>the forecast</th><th>distribution</th>"
        "<th>fitted</th><th>reference</th></tr>"
    )
    rows = []
    for name in result.models:
        spec = get(name)
        dist = "its choice probabilities" if spec.distribution == "choice" else (
            "forecast + out-of-fold residuals"
        )
        rows.append(
            f"<tr><td>{escape(name)}</td><td>{escape(spec.summary)}</td>"
            f"<td>{escape(spec.rule)}</td><td>{dist}</td>"
            f"<td>{'yes' if spec.fitted else 'no'}</td><td>{escape(spec.citation)}</td></tr>"
        )
    return f"<table>{head}{''.join(rows)}</table>"


GROUP_NAMES = {"CNS": "CNS (consultation)", "COD": "COD (co-decision)",
               "qmv": "QMV (qualified majority)", "unanimity": "Unan (unanimity)"}
"""Column heads of the breakdown tables: DEU's codes with their names (GLOSSARY explains)."""


def _breakdown_table(result: BacktestResult, key: str) -> str:
    groups: list[str] = []
    for rec in result.models.values():
        for g in rec.metrics[key]:
            if g not in groups:
                groups.append(g)
    head = "<tr><th>model</th>" + "".join(
        f"<th>{escape(GROUP_NAMES.get(g, g) or '(none)')}</th>" for g in groups
    ) + "</tr>"
    rows = []
    for rec in sorted(result.models.values(), key=lambda r: r.metrics["mae"]):
        cells = []
        for g in groups:
            v = rec.metrics[key].get(g)
            cells.append("<td>-</td>" if v is None else f"<td>{_fmt(v['mae'])} (n={v['n']})</td>")
        rows.append(f"<tr><td>{escape(rec.name)}</td>{''.join(cells)}</tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def render(result: BacktestResult) -> str:
    """The report page as one HTML string."""
    fig = errors_figure(result)
    div = figure_html(fig, "fig-backtest-errors")
    pit_div = figure_html(pit_figure(result), "fig-backtest-pit")
    js = plotly.offline.get_plotlyjs()
    naive = naive_baseline(result)
    n_cv = int(result.cross_validated.sum())
    n_new = result.n_issues - n_cv
    warn = "".join(f"<li>{escape(w)}</li>" for w in result.warnings)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>realpolitik back-test: {escape(Path(result.file).name)}</title>
<style>{_CSS}</style><script type="text/javascript">{js}</script></head>
<body>
<h1>Back-test on {escape(Path(result.file).name)}</h1>
<p>{result.n_issues} issues with an outcome scored; {result.skipped} rows skipped (no outcome or
no position). Capability: <b>{escape(result.capability)}</b> (weight = capability x salience).
Selected model: <b>{escape(result.selected)}</b>. {escape(result.verdict)}
</p>
<p class="muted">{n_cv} issues belong to proposals of the training file and were scored with
parameters fitted without their proposal's fold (cross-validated); {n_new} issues belong to new
proposals and were scored with the shipped parameters, without refitting. The MAE interval
resamples whole proposals (2,000 cluster-bootstrap draws). The 80% interval of each forecast is
forecast &plusmn; a radius calibrated on out-of-sample residuals (split conformal). Each model's
predictive distribution is its own choice probabilities (focal, ensemble) or its forecast plus
the training file's out-of-fold residuals, clipped to the scale; CRPS and the log score of the
outcome's nearest tabled position are lower-is-better.
Parameters: {escape(result.params_file)}.</p>
<h2>Accuracy</h2>
{_metrics_table(result, naive)}
<p>{escape(naive_sentence(naive))}</p>
{div}
<h2>Reliability of the predictive distributions</h2>
{pit_div}
<h2>The models</h2>
{_models_table(result)}
<h2>By procedure and voting rule</h2>
{GLOSSARY}
<h3>By procedure (mean absolute error)</h3>
{_breakdown_table(result, "by_procedure")}
<h3>By Council voting rule (mean absolute error)</h3>
{_breakdown_table(result, "by_rule")}
{f'<h2>Warnings</h2><ul>{warn}</ul>' if warn else ''}
<p class="muted">realpolitik {escape(__version__)}. Models and validation: docs/accuracy.md.</p>
</body></html>
"""


def write_report(result: BacktestResult, path: Path) -> Path:
    """Write the page atomically and return its path."""
    path = Path(path)
    write_atomic(path, render(result))
    return path
