"""Reference checks of a scenario: ids defined twice or referring to nothing, stances off their
issue's scale, horizons before ``as_of``, unknown sources, and cycles of ``[[links]]``. Each fault
is one :class:`~realpolitik.errors.Problem` whose field is the scenario path (``stances[3].actor``).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from realpolitik.errors import Problem

if TYPE_CHECKING:
    from realpolitik.scenario.schema import Actor, Issue, Scenario, Source


def problems(scenario: Scenario) -> list[Problem]:
    """Ids that are defined twice or refer to nothing, and stances off their issue's scale:
    one :class:`Problem` per fault, its field the scenario path (``stances[3].actor``)."""
    problems: list[Problem] = []

    def bad(field: str, message: str) -> None:
        problems.append(Problem(field, message))

    tables: tuple[tuple[str, str, list[Actor] | list[Issue] | list[Source]], ...] = (
        ("actor", "actors", scenario.actors),
        ("issue", "issues", scenario.issues),
        ("source", "sources", scenario.sources),
    )
    for kind, table, items in tables:
        first: dict[str, int] = {}
        for k, item in enumerate(items):
            if item.id in first:
                bad(f"{table}[{k}].id", f"duplicate {kind} id {item.id!r} "
                    f"(first at {table}[{first[item.id]}])")
            first.setdefault(item.id, k)
    actors = {a.id for a in scenario.actors}
    issues = {i.id: i for i in scenario.issues}
    sources = {s.id for s in scenario.sources}
    for k, a in enumerate(scenario.actors):
        if a.parent is not None and a.parent not in actors:
            bad(f"actors[{k}].parent", f"unknown actor {a.parent!r}")
    pairs: set[tuple[str, str]] = set()
    for k, st in enumerate(scenario.stances):
        if st.actor not in actors:
            bad(f"stances[{k}].actor", f"unknown actor {st.actor!r}")
        if st.issue not in issues:
            bad(f"stances[{k}].issue", f"unknown issue {st.issue!r}")
            continue
        if (st.actor, st.issue) in pairs:
            bad(f"stances[{k}]", f"a second stance of {st.actor} on {st.issue}")
        pairs.add((st.actor, st.issue))
        sc = issues[st.issue].scale
        p = st.position
        if p.lo < sc.min or p.hi > sc.max:
            bad(f"stances[{k}].position", f"[{p.lo}, {p.hi}] lies outside the scale of "
                f"{st.issue!r} [{sc.min}, {sc.max}]")
        if st.winset and (st.winset.low < sc.min or st.winset.high > sc.max):
            bad(f"stances[{k}].winset", f"outside the scale of {st.issue!r}")
    rel_pairs: set[tuple[str, ...]] = set()
    for k, r in enumerate(scenario.relations):
        for who in r.pair:
            if who not in actors:
                bad(f"relations[{k}].pair", f"unknown actor {who!r}")
        key = tuple(r.pair) if r.directed else tuple(sorted(r.pair))
        if key in rel_pairs:
            bad(f"relations[{k}]", f"a second relation for {list(r.pair)}")
        rel_pairs.add(key)
    question_ids: set[str] = set()
    for k, q in enumerate(scenario.questions):
        if q.id in question_ids:
            bad(f"questions[{k}].id", f"duplicate question id {q.id!r}")
        question_ids.add(q.id)
        if q.issue is not None and q.issue not in issues:
            bad(f"questions[{k}].issue", f"unknown issue {q.issue!r}")
        for who in q.pair or ():
            if who not in actors:
                bad(f"questions[{k}].pair", f"unknown actor {who!r}")
        if isinstance(q.horizon, dt.date) and (
            scenario.scenario.as_of is None or q.horizon <= scenario.scenario.as_of
        ):
            bad(f"questions[{k}].horizon", "a horizon date needs scenario.as_of before it")
    problems += _link_problems(scenario, actors, set(issues), pairs)
    for path, cites in scenario._citations():
        for j, c in enumerate(cites):
            if c.source not in sources:
                bad(f"{path}[{j}].source", f"unknown source {c.source!r}")
    return problems


def _link_problems(
    scenario: Scenario, actors: set[str], issues: set[str], pairs: set[tuple[str, str]]
) -> list[Problem]:
    """Unknown references of ``links``, and cycles: a link from issue X moving a stance on
    issue Y needs Y forecast after X, so the links among issues must form no cycle."""
    problems: list[Problem] = []
    edges: dict[str, set[str]] = {}
    for k, ln in enumerate(scenario.links):
        if ln.issue not in issues:
            problems.append(Problem(f"links[{k}].issue", f"unknown issue {ln.issue!r}"))
        for who in ln.relation or ():
            if who not in actors:
                problems.append(Problem(f"links[{k}].relation", f"unknown actor {who!r}"))
        if ln.stance is not None:
            if (ln.stance.actor, ln.stance.issue) not in pairs:
                problems.append(Problem(
                    f"links[{k}].stance",
                    f"no stance of {ln.stance.actor!r} on {ln.stance.issue!r}",
                ))
            edges.setdefault(ln.issue, set()).add(ln.stance.issue)
    cycle = find_cycle(edges)
    if cycle:
        problems.append(
            Problem("links", "a cycle of links " + " -> ".join(cycle) + " (refused)")
        )
    return problems


def find_cycle(edges: dict[str, set[str]]) -> list[str]:
    """A cycle in a directed graph as [a, b, ..., a], or [] (depth-first search)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(u: str) -> list[str]:
        state[u] = 1
        stack.append(u)
        for v in sorted(edges.get(u, ())):
            if state.get(v) == 1:
                return [*stack[stack.index(v) :], v]
            if v not in state:
                found = visit(v)
                if found:
                    return found
        stack.pop()
        state[u] = 2
        return []

    for node in sorted(edges):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []
