"""``realpolitik validate``: every quote is in its source, every number has provenance."""

from __future__ import annotations

from pathlib import Path

from realpolitik.errors import Problem
from realpolitik.scenario.citations import normalise, resolve_source_path, source_text
from realpolitik.scenario.schema import Citation, Scenario, Value


def check_sources(scenario: Scenario) -> tuple[list[Problem], dict[str, str]]:
    """Load every source that names a file; report the ones that cannot be found."""
    problems: list[Problem] = []
    texts: dict[str, str] = {}
    for k, s in enumerate(scenario.sources):
        if s.path is None:
            continue
        found = resolve_source_path(s.path, scenario.origin)
        if found is None:
            problems.append(Problem(f"sources[{k}].path", f"source file {s.path!r} not found"))
            continue
        texts[s.id] = normalise(source_text(found))
    return problems, texts


def _check_quotes(
    path: str, cites: list[Citation], texts: dict[str, str], file_sources: set[str]
) -> list[Problem]:
    out = []
    for j, c in enumerate(cites):
        if c.source in texts and normalise(c.quote) not in texts[c.source]:
            out.append(
                Problem(
                    f"{path}.cite[{j}].quote",
                    f"quote not found verbatim in source {c.source!r}: {c.quote[:80]!r}",
                )
            )
        elif c.source not in texts and c.source in file_sources:
            pass  # the missing file is reported once, by check_sources
    return out


def _provenance(path: str, v: Value, inherited: bool, assumed_with_note: bool) -> list[Problem]:
    if v.has_provenance() or inherited or assumed_with_note:
        return []
    if v.assumed and not v.note:
        return [Problem(path, "assumed = true needs a one-line note")]
    return [Problem(path, "uncited number: add cite, source, or assumed = true with a note")]


def validate_scenario(scenario: Scenario) -> list[Problem]:
    """All problems that structural validation cannot see; an empty list means valid."""
    problems, texts = check_sources(scenario)
    file_sources = {s.id for s in scenario.sources if s.path}
    for path, cites in scenario._citations():
        problems += _check_quotes(path, cites, texts, file_sources)
    for k, a in enumerate(scenario.actors):
        problems += _provenance(f"actors[{k}].capability", a.capability, False, False)
    for k, st in enumerate(scenario.stances):
        ok = bool(st.cite)
        note_ok = st.assumed and bool(st.note)
        if st.assumed and not st.note:
            problems.append(Problem(f"stances[{k}]", "assumed = true needs a one-line note"))
        problems += _provenance(f"stances[{k}].position", st.position, ok, note_ok)
        problems += _provenance(f"stances[{k}].salience", st.salience, ok, note_ok)
    for k, r in enumerate(scenario.relations):
        note_ok = r.assumed and bool(r.note)
        if r.assumed and not r.note:
            problems.append(Problem(f"relations[{k}]", "assumed = true needs a one-line note"))
        problems += _provenance(f"relations[{k}].value", r.value, bool(r.cite), note_ok)
    return problems


def quote_count(scenario: Scenario) -> int:
    return sum(len(c) for _, c in scenario._citations())


def source_file(scenario: Scenario, source_id: str) -> Path | None:
    for s in scenario.sources:
        if s.id == source_id and s.path:
            return resolve_source_path(s.path, scenario.origin)
    return None
