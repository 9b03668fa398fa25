"""The back-test record as a self-contained HTML page (plotly.js embedded, no network)."""

from __future__ import annotations

from html import escape
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import plotly.offline

from realpolitik import __version__
from realpolitik.analysis.backtest import BacktestResult
from realpolitik.files import write_atomic

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


def _metrics_table(result: BacktestResult) -> str:
    head = (
        "<tr><th>model</th><th>MAE</th><th>95% CI (proposals resampled)</th><th>median AE</th>"
        "<th>RMSE</th><th>within 10</th><th>within 20</th><th>80% interval coverage</th>"
        "<th>fallbacks</th></tr>"
    )
    rows = []
    for rec in sorted(result.models.values(), key=lambda r: r.metrics["mae"]):
        m = rec.metrics
        lo, hi = m["mae_ci95"]
        cls = ' class="best"' if rec.name == result.best else ""
        cov = m["coverage80"]
        rows.append(
            f"<tr{cls}><td>{escape(rec.name)}{' (best)' if cls else ''}</td>"
            f"<td>{_fmt(m['mae'])}</td><td>[{_fmt(lo)}, {_fmt(hi)}]</td>"
            f"<td>{_fmt(m['median_ae'])}</td><td>{_fmt(m['rmse'])}</td>"
            f"<td>{_fmt(100 * m['within10'], 0)}%</td><td>{_fmt(100 * m['within20'], 0)}%</td>"
            f"<td>{'-' if cov is None else _fmt(100 * cov, 0) + '%'}</td>"
            f"<td>{rec.fallback}</td></tr>"
        )
    return f"<table>{head}{''.join(rows)}</table>"


def _breakdown_table(result: BacktestResult, key: str, title: str) -> str:
    groups: list[str] = []
    for rec in result.models.values():
        for g in rec.metrics[key]:
            if g not in groups:
                groups.append(g)
    head = "<tr><th>model</th>" + "".join(
        f"<th>{escape(title)} {escape(g or '(none)')}</th>" for g in groups
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
    div = plotly.offline.plot(fig, output_type="div", include_plotlyjs=False)
    js = plotly.offline.get_plotlyjs()
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
Best model (chosen on the training file by cross-validation, one-standard-error rule):
<b>{escape(result.best or '-')}</b>.
</p>
<p class="muted">{n_cv} issues belong to proposals of the training file and were scored with
parameters fitted without their proposal's fold (cross-validated); {n_new} issues belong to new
proposals and were scored with the shipped parameters, without refitting. The MAE interval
resamples whole proposals (2,000 cluster-bootstrap draws). The 80% interval of each forecast is
forecast &plusmn; a radius calibrated on out-of-sample residuals (split conformal).
Parameters: {escape(result.params_file)}.</p>
<h2>Accuracy</h2>
{_metrics_table(result)}
{div}
<h2>By procedure (mean absolute error)</h2>
{_breakdown_table(result, "by_procedure", "")}
<h2>By Council voting rule (mean absolute error)</h2>
{_breakdown_table(result, "by_rule", "")}
{f'<h2>Warnings</h2><ul>{warn}</ul>' if warn else ''}
<p class="muted">realpolitik {escape(__version__)}. Models and validation: docs/accuracy.md.</p>
</body></html>
"""


def write_report(result: BacktestResult, path: Path) -> Path:
    """Write the page atomically and return its path."""
    path = Path(path)
    write_atomic(path, render(result))
    return path
