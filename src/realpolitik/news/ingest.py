"""``realpolitik ingest``: articles -> dated events and stance claims, each with its quote."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from realpolitik.errors import InputError
from realpolitik.news.claims import find_claims, issue_words
from realpolitik.news.events import code_event, load_codebook
from realpolitik.news.gazetteer import load_gazetteer
from realpolitik.news.text import Document, event_date, partial_date, read_document
from realpolitik.scenario.schema import Scenario


@dataclass
class Ingested:
    documents: list[Document] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    sentences: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "documents": [
                {"id": d.id, "path": d.path, "date": d.date.isoformat() if d.date else None}
                for d in self.documents
            ],
            "events": self.events,
            "claims": self.claims,
        }


def ingest(
    paths: Sequence[Path],
    as_of: dt.date | None = None,
    scenario: Scenario | None = None,
    progress: Callable[[], None] | None = None,
) -> Ingested:
    """Read every file; a bad file is recorded in ``errors`` and the others still processed."""
    gaz = load_gazetteer()
    book = load_codebook()
    known = [a.id for a in scenario.actors] if scenario else None
    known_ids = set(known or [])
    issues = issue_words(scenario) if scenario else []
    out = Ingested()
    taken: set[str] = set()
    for path in paths:
        doc_id, k = Path(path).stem, 1
        while doc_id in taken:  # two files with one name in different folders
            k += 1
            doc_id = f"{Path(path).stem}-{k}"
        try:
            doc = read_document(Path(path), as_of, doc_id)
        except InputError as err:
            out.errors.append(err)
            if progress:
                progress()
            continue
        taken.add(doc.id)
        out.documents.append(doc)
        for s in doc.sentences:
            out.sentences += 1
            when = event_date(s.text, doc.date)
            mentions = [  # a former (or future) leader does not act for the state
                m for m in gaz.mentions(s.text, partial_date(when) or doc.date)
                if not (m.role or "").startswith(("former ", "future "))
            ]  # fmt: skip
            base = {"doc": doc.id, "sentence": s.index, "quote": s.quote, "date": when}
            ev = code_event(s.text, mentions, book, known, gaz)
            if ev is not None:
                out.events.append(
                    {
                        **base,
                        "source": ev.source,
                        "target": ev.target,
                        "penta": ev.penta,
                        "plover": ev.plover,
                        "score": ev.score,
                    }
                )
            if issues:
                resolved = ((gaz.resolve(m.actor, known), m) for m in mentions)
                first = next(((a, m) for a, m in resolved if a in known_ids), None)
                year = int(when[:4]) if when and re.match(r"\d{4}", when) else None
                for c in find_claims(
                    s.text,
                    None if first is None else first[0],
                    (0, 0) if first is None else (first[1].start, first[1].end),
                    issues,
                    year,
                    doc.date.year if doc.date else None,
                ):
                    out.claims.append(
                        {
                            **base,
                            "actor": c.actor,
                            "issue": c.issue,
                            "position": c.position,
                            "kind": c.kind,
                        }
                    )
        if progress:
            progress()
    return out
