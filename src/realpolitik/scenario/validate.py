"""``realpolitik validate``: every quote is in its source, every number has provenance."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from realpolitik.errors import InputError, Problem
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
        try:
            texts[s.id] = normalise(source_text(found))
        except InputError as err:
            why = "; ".join(q.message for q in err.problems)
            problems.append(Problem(f"sources[{k}].path", f"source file {s.path!r}: {why}"))
    return problems, texts


def _check_quotes(
    path: str, cites: list[Citation], texts: dict[str, str], file_sources: set[str]
) -> list[Problem]:
    out = []
    for j, c in enumerate(cites):
        if c.source in texts and normalise(c.quote) not in texts[c.source]:
            out.append(
                Problem(
                    f"{path}[{j}].quote",
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


def _value_sources(scenario: Scenario) -> list[Problem]:
    """``source = "<id>"`` on a value must name a ``[[sources]]`` entry (docs/scenario-format.md:
    a source's ``id`` is "referred to by ``cite[].source`` and ``source``")."""
    known = {s.id for s in scenario.sources}
    values: list[tuple[str, Value]] = []
    for k, a in enumerate(scenario.actors):
        values.append((f"actors[{k}].capability", a.capability))
    for k, st in enumerate(scenario.stances):
        values += [(f"stances[{k}].position", st.position), (f"stances[{k}].salience", st.salience)]
    for k, r in enumerate(scenario.relations):
        values.append((f"relations[{k}].value", r.value))
    return [
        Problem(
            f"{path}.source", f"unknown source {v.source!r} (no [[sources]] entry with that id)"
        )
        for path, v in values
        if v.source is not None and v.source not in known
    ]


def _unweighted_issue(k: int, issue_id: str, has_stances: bool = True) -> Problem:
    """The problem with ``issues[k]`` when nobody weighs it: no stances, or every weight 0."""
    why = (
        "every stance on it has capability * salience = 0" if has_stances
        else "it has no stances (add [[stances]] on it, or remove the issue)"
    )  # fmt: skip
    return Problem(f"issues[{k}]", f"nobody weighs issue {issue_id!r}: {why}, so it cannot be "
                   "forecast")


def unweighted_issue_error(scenario: Scenario, issue_ids: Iterable[str]) -> InputError:
    """The user's error, naming the scenario's file, when models find issues nobody weighs
    (``realpolitik validate`` reports the same problems)."""
    index = {i.id: k for k, i in enumerate(scenario.issues)}
    with_stances = {st.issue for st in scenario.stances}
    return InputError(
        scenario.where,
        [_unweighted_issue(index[i], i, i in with_stances) for i in issue_ids],
    )


def unweighted_issues(scenario: Scenario) -> list[Problem]:
    """Issues nobody weighs: no stances, or every weight capability * salience (or influence) is
    0. No bargaining model can forecast them (the weights w_i = c_i s_i of docs/design.md,
    Models), so both cases are the same error (:mod:`realpolitik.scenario.rules`)."""
    caps = {a.id: a.capability.value for a in scenario.actors}
    weight: dict[str, float] = {}
    for st in scenario.stances:
        weight[st.issue] = weight.get(st.issue, 0.0) + st.weight(caps.get(st.actor, 0.0))
    return [
        _unweighted_issue(k, i.id, i.id in weight)
        for k, i in enumerate(scenario.issues)
        if not weight.get(i.id, 0.0) > 0
    ]


def validate_scenario(scenario: Scenario) -> list[Problem]:
    """All problems that structural validation cannot see; an empty list means valid."""
    problems, texts = check_sources(scenario)
    problems += _value_sources(scenario)
    problems += unweighted_issues(scenario)
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
    for k, ln in enumerate(scenario.links):
        note_ok = ln.assumed and bool(ln.note)
        problems += _provenance(f"links[{k}].shift", ln.shift, bool(ln.cite), note_ok)
    problems += _shock_problems(scenario)
    return problems


def _shock_problems(scenario: Scenario) -> list[Problem]:
    """Each shock's paths must name numbers of the scenario, and the shock needs provenance."""
    from realpolitik.scenario.changes import Change, apply_changes

    out: list[Problem] = []
    for k, sh in enumerate(scenario.shocks):
        if not sh.cite and not (sh.assumed and sh.note):
            out.append(Problem(f"shocks[{k}]", "a shock needs cite, or assumed = true with a note"))
        try:
            apply_changes(scenario, [Change(p, v) for p, v in sh.changes.items()],
                          f"shocks[{k}].changes:")
        except InputError as err:
            out += err.problems
    return out


def quote_count(scenario: Scenario) -> int:
    return sum(len(c) for _, c in scenario._citations())


def source_file(scenario: Scenario, source_id: str) -> Path | None:
    for s in scenario.sources:
        if s.id == source_id and s.path:
            return resolve_source_path(s.path, scenario.origin)
    return None


def late_sources(scenario: Scenario) -> list[Problem]:
    """Warnings, not errors: sources dated after the scenario's ``as_of``. A scenario states what
    was known on that day, so such a source may be cited only for what was already true then;
    a person has to check that."""
    as_of = scenario.scenario.as_of
    if as_of is None:
        return []
    return [
        Problem(
            f"sources[{k}].date",
            f"source {src.id!r} is dated {src.date}, after as_of {as_of}: cite it only for "
            "what was already known by then",
        )
        for k, src in enumerate(scenario.sources)
        if src.date is not None and src.date > as_of
    ]
