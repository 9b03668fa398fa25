"""A scenario's numeric inputs, each named by a path, read and changed by that path.

The paths (docs/scenario-format.md, Input paths) are what ``simulate`` samples, what
sensitivity tables name and what a what-if sets:

- ``actors.<ACTOR>.capability``
- ``stances.<ACTOR>.<ISSUE>.position`` and ``stances.<ACTOR>.<ISSUE>.salience``
- ``relations.<A>-<B>`` (an undirected relation answers to either order)

Each input carries its value and its range (``low`` .. ``high``; the value itself when no range
is given). Paths are looked up whole, never split, so ids may contain dots or dashes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from realpolitik.errors import InputError, Problem
from realpolitik.scenario.schema import Scenario, Value

InputKind = Literal["capability", "position", "salience", "relation"]
BOUNDS: dict[str, tuple[float, float] | None] = {
    "capability": (0.0, float("inf")),
    "salience": (0.0, 1.0),
    "relation": (-1.0, 1.0),
    "position": None,  # the issue's scale
}


@dataclass(frozen=True)
class Input:
    """One number of a scenario: where it is, whose it is, its value and its range."""

    path: str
    kind: InputKind
    actor: str
    issue: str | None
    value: float
    low: float
    high: float
    bounds: tuple[float, float]
    """The values the format allows (a salience in [0, 1], a position on its issue's scale)."""

    @property
    def ranged(self) -> bool:
        return self.low < self.high


def _entry(
    path: str, kind: InputKind, actor: str, issue: str | None, v: Value, bounds: tuple[float, float]
) -> Input:
    return Input(path, kind, actor, issue, v.value, v.lo, v.hi, bounds)


def inputs(scenario: Scenario) -> list[Input]:
    """Every numeric input, in a fixed order: capabilities, then stances (position, salience) in
    file order, then relations."""
    out: list[Input] = []
    for a in scenario.actors:
        out.append(
            _entry(
                f"actors.{a.id}.capability",
                "capability",
                a.id,
                None,
                a.capability,
                (0.0, float("inf")),
            )
        )
    scales = {i.id: (i.scale.min, i.scale.max) for i in scenario.issues}
    for st in scenario.stances:
        base = f"stances.{st.actor}.{st.issue}"
        out.append(
            _entry(
                f"{base}.position", "position", st.actor, st.issue, st.position, scales[st.issue]
            )
        )
        out.append(
            _entry(f"{base}.salience", "salience", st.actor, st.issue, st.salience, (0.0, 1.0))
        )
    for r in scenario.relations:
        a, b = r.pair
        out.append(_entry(f"relations.{a}-{b}", "relation", a, None, r.value, (-1.0, 1.0)))
    return out


def _aliases(scenario: Scenario) -> dict[str, str]:
    """Other spellings of a path: ``relations.B-A`` for an undirected ``relations.A-B``."""
    return {
        f"relations.{r.pair[1]}-{r.pair[0]}": f"relations.{r.pair[0]}-{r.pair[1]}"
        for r in scenario.relations
        if not r.directed
    }


def lookup(scenario: Scenario, paths: list[str], field: str = "--set") -> dict[str, Input]:
    """The inputs named by ``paths`` (aliases resolved); unknown paths are bad input naming each,
    with a few known paths as examples."""
    known = {i.path: i for i in inputs(scenario)}
    alias = _aliases(scenario)
    found: dict[str, Input] = {}
    bad = []
    for p in paths:
        key = alias.get(p, p)
        if key in known:
            found[p] = known[key]
        else:
            bad.append(p)
    if bad:
        examples = ", ".join(list(known)[:4])
        raise InputError(
            scenario.where,
            [
                Problem(field, f"unknown input path {p!r} (paths look like {examples}, ...)")
                for p in bad
            ],
        )
    return found


def with_values(scenario: Scenario, values: Mapping[str, float], field: str = "--set") -> Scenario:
    """A copy of ``scenario`` with the named inputs set. A value outside what the format allows
    is bad input naming the path; a value outside the input's cited range widens the range (the
    range records what the evidence supports, a what-if may step outside it)."""
    found = lookup(scenario, list(values), field)
    problems = []
    for p, inp in found.items():
        x = float(values[p])
        lo, hi = inp.bounds
        if not (lo <= x <= hi):
            problems.append(Problem(field, f"{p} = {x:g} is outside [{lo:g}, {hi:g}]"))
    if problems:
        raise InputError(scenario.where, problems)
    by_path = {inp.path: float(values[p]) for p, inp in found.items()}

    def moved(v: Value, path: str) -> Value:
        if path not in by_path:
            return v
        x = by_path[path]
        low = None if v.low is None and x >= v.value else min(v.lo, x)
        high = None if v.high is None and x <= v.value else max(v.hi, x)
        return v.model_copy(update={"value": x, "low": low, "high": high})

    actors = [
        a.model_copy(update={"capability": moved(a.capability, f"actors.{a.id}.capability")})
        if f"actors.{a.id}.capability" in by_path
        else a
        for a in scenario.actors
    ]
    stances = []
    for st in scenario.stances:
        base = f"stances.{st.actor}.{st.issue}"
        if f"{base}.position" in by_path or f"{base}.salience" in by_path:
            st = st.model_copy(
                update={
                    "position": moved(st.position, f"{base}.position"),
                    "salience": moved(st.salience, f"{base}.salience"),
                }
            )
        stances.append(st)
    relations = []
    for r in scenario.relations:
        path = f"relations.{r.pair[0]}-{r.pair[1]}"
        relations.append(
            r.model_copy(update={"value": moved(r.value, path)}) if path in by_path else r
        )
    out = scenario.model_copy(update={"actors": actors, "stances": stances, "relations": relations})
    out._origin = scenario.origin
    return out


def without_actor(scenario: Scenario, actor: str, issue: str) -> Scenario:
    """A copy of ``scenario`` in which ``actor`` holds no stance on ``issue`` (drop-one tables)."""
    stances = [s for s in scenario.stances if not (s.actor == actor and s.issue == issue)]
    out = scenario.model_copy(update={"stances": stances})
    out._origin = scenario.origin
    return out
