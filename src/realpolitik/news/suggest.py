"""Suggested scenario updates from ingested articles, for a person to review (never applied to
the input file).

- Relations: the mean Goldstein score of the events between two of the scenario's actors
  (either direction) dated within ``window_years`` before the scenario's ``as_of``, divided by
  10 (Goldstein's -10..+10 onto the relation scale -1..+1), with its 90% t interval (from 3
  events).
- Positions: the median position of the direct claims of an actor on an issue dated no later
  than ``as_of``, when there are at least :data:`MIN_CLAIMS` (inferred and background claims
  are too weak to move a number), with its 90% order-statistic interval (from 5 claims).

Each suggestion carries its quotes, kinds and dates. One whose interval lies wholly outside the
value's cited range (for a relation: on the other side of 0 from it, see
:attr:`Suggestion.contradicts`) contradicts the evidence the scenario rests on and is listed
first; one outside the range whose interval still meets it (or that has too few items for an
interval) is only ``outside``. On the very articles the bundled scenario was built from, where
every contradiction is a false alarm, the suggested numbers alone would flag half of all
suggestions; these rules flag none (docs/accuracy.md, "Claims and suggestions").
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from realpolitik.analysis.centre_intervals import mean_interval, median_interval
from realpolitik.news.ingest import Ingested
from realpolitik.news.text import partial_date
from realpolitik.scenario.citations import resolve_source_path
from realpolitik.scenario.inputs import inputs, with_values
from realpolitik.scenario.schema import Citation, Scenario, Source

WINDOW_YEARS = 5
MIN_CLAIMS = 2
"""A position is suggested only from at least this many direct claims."""


@dataclass
class Suggestion:
    path: str
    current: float | None
    low: float | None
    high: float | None
    suggested: float
    evidence: list[dict[str, Any]] = field(default_factory=list)
    interval: tuple[float, float] | None = None
    """90% confidence interval of the suggested number (None: too few items to say)."""

    @property
    def new(self) -> bool:
        return self.current is None

    @property
    def outside(self) -> bool:
        """The suggested number lies outside the cited range (a value without a range: never)."""
        if self.low is None or self.high is None:
            return False
        return not (self.low - 1e-9 <= self.suggested <= self.high + 1e-9)

    @property
    def contradicts(self) -> bool:
        """Outside the cited range, and so is the whole 90% interval; for a relation, the
        interval also lies on the other side of 0 from the range (friend against foe): the mean
        Goldstein score / 10 is not calibrated to the relation scale (friendly pairs average
        about +3 to +4), so only its sign is held against the analyst's number."""
        if not self.outside or self.interval is None:
            return False
        assert self.low is not None and self.high is not None
        lo, hi = self.interval
        if self.path.startswith("relations."):
            return (hi < 0 and self.low > 0) or (lo > 0 and self.high < 0)
        return hi < self.low - 1e-9 or lo > self.high + 1e-9

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "current": self.current,
            "range": [self.low, self.high],
            "suggested": self.suggested,
            "interval": None if self.interval is None else [round(x, 3) for x in self.interval],
            "outside": self.outside,
            "contradicts": self.contradicts,
            "new": self.new,
            "evidence": self.evidence,
        }


def _evidence(item: dict[str, Any], kind: str) -> dict[str, Any]:
    return {"doc": item["doc"], "quote": item["quote"], "kind": kind, "date": item["date"]}


def suggest(
    scenario: Scenario, found: Ingested, window_years: int = WINDOW_YEARS
) -> list[Suggestion]:
    """Relation and position suggestions, contradictions first, then the largest changes."""
    known = {a.id for a in scenario.actors}
    current = {i.path: i for i in inputs(scenario)}
    as_of = scenario.scenario.as_of
    start = as_of.replace(year=as_of.year - window_years) if as_of else None
    pairs: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for e in found.events:
        if e["source"] not in known or e["target"] not in known:
            continue
        when = partial_date(e["date"])
        if as_of and (when is None or when > as_of or (start and when < start)):
            continue
        a, b = sorted((e["source"], e["target"]))
        pairs[(a, b)].append(e)
    out: list[Suggestion] = []
    for (a, b), events in pairs.items():
        scores = [e["score"] for e in events if e["score"] is not None]
        if not scores:
            continue
        path = f"relations.{a}-{b}" if f"relations.{a}-{b}" in current else f"relations.{b}-{a}"
        inp = current.get(path)
        out.append(
            Suggestion(
                path if inp else f"relations.{a}-{b}",
                inp.value if inp else None,
                inp.low if inp else None,
                inp.high if inp else None,
                round(float(np.mean(scores)) / 10.0, 3),
                [_evidence(e, f"event, Goldstein {e['score']:+g}") for e in events],
                mean_interval([x / 10.0 for x in scores]),
            )
        )
    stances: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in found.claims:
        if c["position"] is None or c["kind"] != "direct" or c["actor"] not in known:
            continue
        when = partial_date(c["date"])
        if as_of and when is not None and when > as_of:
            continue  # reported after the scenario's date: not evidence for it
        stances[f"stances.{c['actor']}.{c['issue']}.position"].append(c)
    for path, claims in stances.items():
        if len(claims) < MIN_CLAIMS:
            continue
        inp = current.get(path)
        out.append(
            Suggestion(
                path,
                inp.value if inp else None,
                inp.low if inp else None,
                inp.high if inp else None,
                float(np.median([c["position"] for c in claims])),
                [_evidence(c, f"claim, {c['kind']}") for c in claims],
                median_interval([c["position"] for c in claims]),
            )
        )

    def rank(s: Suggestion) -> tuple[bool, bool, bool, float, str]:
        span = 2.0 if s.path.startswith("relations.") else 100.0
        move = abs(s.suggested - (s.current or 0.0)) / span
        return (not s.contradicts, not s.outside, s.new, -move, s.path)

    return sorted(out, key=rank)


def _moved(src: Source, scenario: Scenario, out_file: Path) -> Source:
    """A source whose file path still resolves from the new file's folder."""
    if src.path is None:
        return src
    found = resolve_source_path(src.path, scenario.origin)
    if found is None:
        return src
    rel = os.path.relpath(found.resolve(), out_file.resolve().parent)
    return src.model_copy(update={"path": rel})


def apply(
    scenario: Scenario, suggestions: list[Suggestion], found: Ingested, out_file: Path
) -> Scenario:
    """The scenario with every suggestion for an existing value applied, each changed value
    citing its quotes from the articles (added as sources, their paths relative to
    ``out_file``). New relations and stances are left for a person to add."""
    changes = {s.path: s.suggested for s in suggestions if not s.new}
    updated = with_values(scenario, changes, field="--suggest")
    docs = {d.id: d for d in found.documents}
    used = {e["doc"] for s in suggestions if not s.new for e in s.evidence}
    taken = {s.id for s in scenario.sources}
    source_id = {}
    sources = [_moved(src, scenario, out_file) for src in updated.sources]
    for doc_id in sorted(used):
        sid = f"news-{doc_id}"
        while sid in taken:
            sid += "-1"
        taken.add(sid)
        source_id[doc_id] = sid
        rel = os.path.relpath(Path(docs[doc_id].path).resolve(), out_file.resolve().parent)
        sources.append(
            Source(
                id=sid,
                title=f"Ingested article {doc_id}",
                path=rel,
                date=docs[doc_id].date,
                note="added by realpolitik ingest --suggest",
            )
        )
    cites = {
        s.path: [Citation(source=source_id[e["doc"]], quote=e["quote"]) for e in s.evidence]
        for s in suggestions
        if not s.new
    }
    stances = []
    for st in updated.stances:
        path = f"stances.{st.actor}.{st.issue}.position"
        if path in cites:
            st = st.model_copy(
                update={
                    "position": st.position.model_copy(
                        update={"cite": [*st.position.cite, *cites[path]]}
                    )
                }
            )
        stances.append(st)
    relations = []
    for r in updated.relations:
        path = f"relations.{r.pair[0]}-{r.pair[1]}"
        if path in cites:
            r = r.model_copy(
                update={"value": r.value.model_copy(update={"cite": [*r.value.cite, *cites[path]]})}
            )
        relations.append(r)
    result = updated.model_copy(
        update={"sources": sources, "stances": stances, "relations": relations}
    )
    return Scenario.model_validate(result.model_dump())
