"""DEU TSV (Decision-making in the European Union III; Arregui & Perarnaud 2021,
doi:10.34810/data53).

Layout: a header row; a capability row (a GDP figure per actor, the Commission and the Parliament
set equal to Germany by the third party who added it; metadata cells empty); then one issue per
row. Actor columns come in pairs ``p<id>`` (position, 0-100) and ``s<id>`` (salience, 0-100); an
empty position cell means the actor takes no part in the issue. ``prnr`` is the proposal, ``isnr``
/ ``isnrnmc`` the issue, ``proc`` the procedure (COD / CNS), ``counvte`` the Council's voting rule
(``QMV``, ``QMV(10)``, ``Unan``), ``rp`` the reference point and ``out`` the actual outcome.

Two entry points: :func:`read_table` returns dense arrays (what ``analysis/backtest.py`` uses) and
:func:`read` a :class:`Scenario` (what ``forecast`` and ``convert`` use). Both share the parser, so
the two never disagree.

Documented choices:
- a position without a salience (7 cells in the development file) gets the mean salience of the
  other actors with a position on that issue (``assumed`` in the Scenario);
- when the capability row is missing, or lacks a figure for an actor that takes part in some issue,
  every actor gets capability 1 (equal) and a warning is printed on stderr;
- values outside 0-100, or cells that are not numbers, are errors naming the line and the column
  (``NA``, ``N/A``, ``NaN``, ``.`` and ``-`` count as empty; a row shorter than the header is
  padded with empty cells, a row with extra non-empty cells is an error).
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from realpolitik.scenario.cells import MISSING, Problems, table_rows
from realpolitik.scenario.importers.common import dataset_source, make_id, scenario_id
from realpolitik.scenario.limits import check_table
from realpolitik.scenario.reading import read_text, scenario_from_dict
from realpolitik.scenario.schema import Scenario

SCALE = (0.0, 100.0)
"""Every DEU issue is coded on 0-100."""

GDP_SOURCE = "deu3-gdp-row"

METADATA = frozenset(
    {"prnrnmc", "isnrnmc", "prnr", "prname", "isnr", "type", "council", "proc", "counvte",
     "proccde", "issues", "intro", "finact", "rp", "out"}
)
"""Known non-actor columns (an actor is any ``p<id>``/``s<id>`` pair not listed here)."""

NAMES = {
    "com": "European Commission", "ep": "European Parliament", "at": "Austria",
    "be": "Belgium", "bu": "Bulgaria", "bg": "Bulgaria", "cr": "Croatia", "hr": "Croatia",
    "cy": "Cyprus", "cz": "Czech Republic", "dk": "Denmark", "ee": "Estonia", "fi": "Finland",
    "fr": "France", "de": "Germany", "el": "Greece", "gr": "Greece", "hu": "Hungary",
    "ie": "Ireland", "it": "Italy", "lv": "Latvia", "lt": "Lithuania", "lu": "Luxembourg",
    "mt": "Malta", "nl": "Netherlands", "pl": "Poland", "pt": "Portugal", "ro": "Romania",
    "si": "Slovenia", "sk": "Slovakia", "es": "Spain", "se": "Sweden", "uk": "United Kingdom",
    "gb": "United Kingdom",
}
INSTITUTIONS = frozenset({"com", "ep"})


@dataclass(frozen=True)
class DEUTable:
    """A DEU file as dense arrays: rows are issues (every data row, with or without outcome),
    columns actors. ``positions`` is NaN where an actor takes no part; ``saliences`` is on
    [0, 1], NaN where the actor takes no part, imputed where only the salience is missing."""

    file: str
    actors: tuple[str, ...]
    positions: np.ndarray
    saliences: np.ndarray
    salience_imputed: np.ndarray
    reference: np.ndarray
    outcome: np.ndarray
    proposal: np.ndarray
    issue_id: np.ndarray
    issue_name: np.ndarray
    title: np.ndarray
    procedure: np.ndarray
    rule: np.ndarray
    gdp: np.ndarray
    line: np.ndarray
    warnings: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()

    @property
    def n_issues(self) -> int:
        return int(self.positions.shape[0])

    @property
    def present(self) -> np.ndarray:
        return ~np.isnan(self.positions)

    def actor_index(self, actor: str) -> int | None:
        return self.actors.index(actor) if actor in self.actors else None


def _cell(s: str) -> str:
    return s.strip().strip("'\"").strip()


def _rule(text: str) -> str:
    t = text.lower().replace(" ", "")
    if t.startswith("qmv") or t.startswith("qualified"):
        return "qmv"
    if t.startswith("un"):
        return "unanimity"
    return t


def _number(
    text: str, where: str, probs: Problems, lo: float | None, hi: float | None
) -> float:
    """A DEU cell: NaN when missing (:data:`MISSING`) or bad (the problem noted)."""
    v = probs.number(text, where, lo=lo, hi=hi, required=False, missing=MISSING)
    return math.nan if v is None else v


def read_table(path: Path) -> DEUTable:
    """Parse a DEU TSV file into arrays (see the module docstring for the format)."""
    path = Path(path)
    text = read_text(path, "DEU TSV")
    numbered = table_rows(text, path, delimiter="\t")
    probs = Problems(path)
    if not numbered:
        probs.fail("", "empty DEU file")
    head_line, header_raw = numbered[0]
    header = [_cell(h).lower() for h in header_raw]
    col = {h: j for j, h in reversed(list(enumerate(header))) if h}
    actors = tuple(
        h[1:] for h in header
        if h.startswith("p") and h not in METADATA and len(h) > 1 and "s" + h[1:] in col
    )
    if not actors:
        probs.fail(f"line {head_line}", "no actor columns (expected pairs p<id>, s<id>)")
    if "prnr" not in col and "prnrnmc" not in col:
        probs.fail(f"line {head_line}", "no proposal column (prnr)")
    warnings: list[str] = []
    body = numbered[1:]
    meta_cols = [col[c] for c in ("prnr", "prnrnmc", "isnr", "isnrnmc") if c in col]
    gdp = np.full(len(actors), np.nan)
    if body and all(_cell(body[0][1][j]) == "" for j in meta_cols if j < len(body[0][1])):
        gdp_line, gdp_row = body[0]
        body = body[1:]
        for a_i, a in enumerate(actors):
            j = col["p" + a]
            if j < len(gdp_row):
                gdp[a_i] = _number(gdp_row[j], f"line {gdp_line}, column p{a}", probs, 0, None)
    else:
        warnings.append(f"{path.name}: no capability (GDP) row after the header")
    n, m = len(body), len(actors)
    check_table(m, n, str(path), f"line {head_line}")  # before the n x m arrays are made
    pos = np.full((n, m), np.nan)
    sal = np.full((n, m), np.nan)
    ref = np.full(n, np.nan)
    out = np.full(n, np.nan)
    lines = np.zeros(n, dtype=int)
    strings: dict[str, list[str]] = {
        k: [] for k in ("prop", "iid", "isnr", "title", "proc", "rule")
    }
    p_cols = [col["p" + a] for a in actors]
    s_cols = [col["s" + a] for a in actors]
    taken: set[str] = set()
    for r, (line, row) in enumerate(body):
        lines[r] = line
        if len(row) > len(header_raw) and any(c.strip() for c in row[len(header_raw):]):
            probs.add(f"line {line}", f"{len(row)} cells, the header has {len(header_raw)}")
        # trailing empty cells are often left out by spreadsheet exports: pad them
        row = row + [""] * (len(header_raw) - len(row))

        def get(name: str, row: list[str] = row) -> str:
            return _cell(row[col[name]]) if name in col else ""

        for a_i, (jp, js) in enumerate(zip(p_cols, s_cols, strict=True)):
            pos[r, a_i] = _number(row[jp], f"line {line}, column {header[jp]}", probs, *SCALE)
            sal[r, a_i] = _number(row[js], f"line {line}, column {header[js]}", probs, 0, 100)
        ref[r] = _number(get("rp"), f"line {line}, column rp", probs, *SCALE)
        out[r] = _number(get("out"), f"line {line}, column out", probs, *SCALE)
        prop = get("prnr") or get("prnrnmc")
        if not prop:
            probs.add(f"line {line}, column prnr", "empty proposal id")
        strings["prop"].append(prop)
        iid = get("isnrnmc") or get("isnr") or f"line{line}"
        if iid in taken:
            iid = make_id(f"{iid}_line{line}", taken)
        taken.add(iid)
        strings["iid"].append(iid)
        strings["isnr"].append(get("isnr") or iid)
        name = get("prname")
        strings["title"].append(f"{name} ({get('isnr') or iid})" if name else get("isnr") or iid)
        strings["proc"].append(get("proc").upper())
        strings["rule"].append(_rule(get("counvte")))
    probs.check()
    present = ~np.isnan(pos)
    sal = np.where(present, sal / 100.0, np.nan)
    missing = present & np.isnan(sal)
    if missing.any():
        known = ~np.isnan(sal)
        count = known.sum(axis=1)
        total = np.where(known, sal, 0.0).sum(axis=1)
        fill = np.where(count > 0, total / np.maximum(count, 1), 0.5)
        sal = np.where(missing, fill[:, None], sal)
    takes_part = present.any(axis=0)
    lacking = [a for a, g, t in zip(actors, gdp, takes_part, strict=True) if t and not g > 0]
    if lacking and not np.isnan(gdp).all():
        warnings.append(
            f"{path.name}: no capability (GDP) figure for {', '.join(lacking)}: "
            "equal capabilities are used instead of the GDP row"
        )
    return DEUTable(
        file=str(path),
        actors=actors,
        positions=pos,
        saliences=sal,
        salience_imputed=missing,
        reference=ref,
        outcome=out,
        proposal=np.array(strings["prop"], dtype=object),
        issue_id=np.array(strings["iid"], dtype=object),
        issue_name=np.array(strings["isnr"], dtype=object),
        title=np.array(strings["title"], dtype=object),
        procedure=np.array(strings["proc"], dtype=object),
        rule=np.array(strings["rule"], dtype=object),
        gdp=gdp,
        line=lines,
        warnings=tuple(warnings),
        columns=tuple(header),
    )


def gdp_capabilities(table: DEUTable) -> np.ndarray | None:
    """The capability row, or None when it is missing or lacks a figure for an actor that takes
    part in some issue (the caller then falls back to equal capabilities)."""
    takes_part = table.present.any(axis=0)
    ok = table.gdp > 0
    if not np.all(ok | ~takes_part):
        return None
    return np.where(ok, table.gdp, 0.0)


def warn(messages: tuple[str, ...] | list[str]) -> None:
    """Print importer warnings on stderr (never on stdout, which may carry JSON)."""
    for msg in messages:
        sys.stderr.write(f"warning: {msg}\n")


def read(path: Path, fmt: str = "deu") -> Scenario:
    """A DEU TSV file as a Scenario: one issue per row, ``reference`` = rp, ``outcome`` = out."""
    path = Path(path)
    t = read_table(path)
    warn(t.warnings)
    caps = gdp_capabilities(t)
    src = path.name
    taken: set[str] = set()
    ids = [make_id(a.upper(), taken) for a in t.actors]
    actors = []
    for k, a in enumerate(t.actors):
        entry: dict[str, object] = {
            "id": ids[k],
            "name": NAMES.get(a, a),
            "kind": "organization" if a in INSTITUTIONS else "state",
        }
        if caps is None:
            entry["capability"] = {
                "value": 1.0, "assumed": True,
                "note": "equal: the file's capability (GDP) row is missing or incomplete",
            }
        else:
            entry["capability"] = {"value": float(caps[k]), "source": GDP_SOURCE}
        actors.append(entry)
    issue_taken: set[str] = set()
    issues, stances = [], []
    for r in range(t.n_issues):
        iid = make_id(str(t.issue_name[r]), issue_taken)
        issue: dict[str, object] = {
            "id": iid,
            "title": str(t.title[r]),
            "scale": {"min": SCALE[0], "max": SCALE[1]},
            "tags": {
                "proposal": str(t.proposal[r]),
                "procedure": str(t.procedure[r]),
                "rule": str(t.rule[r]),
                "isnrnmc": str(t.issue_id[r]),
            },
        }
        if not math.isnan(t.reference[r]):
            issue["reference"] = float(t.reference[r])
        if not math.isnan(t.outcome[r]):
            issue["outcome"] = float(t.outcome[r])
        issues.append(issue)
        for k in np.flatnonzero(t.present[r]):
            st: dict[str, object] = {
                "actor": ids[k],
                "issue": iid,
                "position": {"value": float(t.positions[r, k]), "source": src},
            }
            if t.salience_imputed[r, k]:
                st["salience"] = {
                    "value": float(t.saliences[r, k]), "assumed": True,
                    "note": f"salience missing in {src}: mean of the other actors on the issue",
                }
            else:
                st["salience"] = {"value": float(t.saliences[r, k]), "source": src}
            stances.append(st)
    data = {
        "scenario": {"id": scenario_id(path), "title": f"{path.stem} (DEU TSV)"},
        "sources": [
            dataset_source(path, f"DEU input {path.name}"),
            {
                "id": GDP_SOURCE,
                "title": "GDP per actor (second row of the DEU III file; the Commission and the "
                "Parliament set equal to Germany)",
                "kind": "dataset",
            },
        ],
        "actors": actors,
        "issues": issues,
        "stances": stances,
    }
    return scenario_from_dict(data, str(path))
