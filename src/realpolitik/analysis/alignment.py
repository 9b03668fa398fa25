"""Alignment analysis: who sides with whom, how firmly, and what would flip it.

Maps a scenario (or COW data for a year, or a sizes/propensity table) onto the landscape model
(Axelrod & Bennett 1993), classifies every strategic triangle (Dittmer 1981) and finds the
tipping point of one relation; and runs exact structural balance on signed-graph files.

Scenario rules (documented in docs/alignment.md):

* actors: by default every actor without a ``parent`` whose kind is not ``public`` or
  ``leader`` (domestic actors speak through their state) and that is a ``state`` or has a
  relation with another such actor; ``actors=[...]`` (CLI ``--actors``) chooses explicitly;
* sizes: ``capability.value``, normalised to sum to 1 (energies are then comparable across
  scenarios; the configurations do not depend on the scale);
* propensities: ``relations`` values in [-1, 1]; a directed relation given both ways is
  averaged, one given one way only is used for both; a pair with no relation counts as 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from realpolitik.analysis.tipping import (
    MAX_FACTOR,
    RELATION_BOUNDS,
    Alternative,
    RelationTipping,
    alternatives,
    relation_bounds,
    relation_tipping,
)
from realpolitik.errors import InputError, Problem
from realpolitik.models.alignment.balance import SignedGraph, frustration_index
from realpolitik.models.alignment.landscape import (
    EXHAUSTIVE_MAX,
    Configuration,
    LandscapeResult,
    frustration,
    pair_minima,
    stable_configurations,
)
from realpolitik.models.alignment.triangle import Triad, triads
from realpolitik.numfmt import fmt
from realpolitik.scenario.schema import Scenario

FloatArray = npt.NDArray[np.float64]
_DOMESTIC_KINDS = {"public", "leader"}


@dataclass(frozen=True)
class AlignmentInputs:
    """What the landscape sees: actor ids and names, sizes (sum 1), symmetric propensities."""

    actors: tuple[str, ...]
    names: tuple[str, ...]
    sizes: FloatArray
    propensities: FloatArray
    title: str
    file: str = ""
    notes: tuple[str, ...] = ()
    ranges: dict[tuple[int, int], tuple[float, float]] = field(default_factory=dict)
    """Cited low/high of a relation (i < j), when it has a range."""

    def index(self, actor: str, what: str = "actor") -> int:
        try:
            return self.actors.index(actor)
        except ValueError:
            raise InputError.single(self.file, what, f"unknown actor {actor!r} (the landscape "
                                    f"has: {', '.join(self.actors)})") from None

    def name(self, k: int) -> str:
        return self.names[k] or self.actors[k]


def _normalised(sizes: npt.ArrayLike, file: str) -> FloatArray:
    s = np.asarray(sizes, dtype=float)
    total = s.sum()
    if not total > 0:
        raise InputError.single(file, "capability", "every actor in the landscape has size 0")
    return s / total


def inputs_from_scenario(scenario: Scenario, actors: list[str] | None = None,
                         file: str | None = None) -> AlignmentInputs:
    """The landscape inputs of a scenario (rules in the module docstring). ``file`` names the
    input in error messages (default: the scenario's origin, else its id)."""
    file = file or scenario.where
    by_id = {a.id: a for a in scenario.actors}
    if actors:
        unknown = [a for a in actors if a not in by_id]
        if unknown:
            raise InputError(file, [Problem("--actors", f"unknown actor {a!r}") for a in unknown])
        chosen = list(dict.fromkeys(actors))
    else:
        eligible = [a.id for a in scenario.actors
                    if a.parent is None and a.kind not in _DOMESTIC_KINDS]
        related = {x for r in scenario.relations for x in r.pair
                   if r.pair[0] in eligible and r.pair[1] in eligible}
        chosen = [a for a in eligible if by_id[a].kind == "state" or a in related]
    if len(chosen) < 2:
        need = "an alignment needs at least two actors that are states or have relations"
        if not scenario.relations and len(scenario.actors) >= 2 and not actors:
            raise InputError.single(file, "relations", f"none between its {len(scenario.actors)} "
                                    f"actors, and {len(chosen)} are states: {need} (-1 hostile"
                                    " .. +1 allied); convert the file to a scenario TOML "
                                    "(realpolitik convert) and add [[relations]]")
        raise InputError.single(file, "actors", f"{need} with each other; found {len(chosen)} "
                                f"({', '.join(chosen) or 'none'}) of {len(scenario.actors)} "
                                "actors")
    pos = {a: k for k, a in enumerate(chosen)}
    n = len(chosen)
    sums = np.zeros((n, n))
    counts = np.zeros((n, n))
    ranges: dict[tuple[int, int], tuple[float, float]] = {}
    for r in scenario.relations:
        a, b = r.pair
        if a not in pos or b not in pos:
            continue
        i, j = pos[a], pos[b]
        v = r.value
        if r.directed:
            sums[i, j] += v.value
            counts[i, j] += 1
        else:
            sums[i, j] += v.value
            sums[j, i] += v.value
            counts[i, j] += 1
            counts[j, i] += 1
        if v.ranged:
            key = (min(i, j), max(i, j))
            lo0, hi0 = ranges.get(key, (v.lo, v.hi))
            ranges[key] = (min(lo0, v.lo), max(hi0, v.hi))
    one_way = (counts > 0) & (counts.T == 0)
    sums = np.where(one_way.T, sums.T, sums)
    counts = np.where(one_way.T, counts.T, counts)
    p = np.divide(sums, counts, out=np.zeros((n, n)), where=counts > 0)
    p = 0.5 * (p + p.T)
    np.fill_diagonal(p, 0.0)
    missing = int(((counts + counts.T) == 0).sum() - n) // 2
    notes = ["sizes: capability values, normalised to sum 1"]
    if missing:
        notes.append(f"{missing} pair(s) without a relation count as 0 (indifferent)")
    left_out = [a.id for a in scenario.actors if a.id not in pos]
    if left_out and not actors:
        notes.append("left out (domestic or unrelated): " + ", ".join(left_out))
    return AlignmentInputs(
        tuple(chosen), tuple(by_id[a].name for a in chosen),
        _normalised([by_id[a].capability.value for a in chosen], file),
        p, scenario.scenario.title or scenario.scenario.id, file, tuple(notes), ranges)


def inputs_from_cow(year: int, states: list[str] | None = None) -> AlignmentInputs:
    """Data-built inputs for ``year`` (see :mod:`realpolitik.analysis.cowdata`)."""
    from realpolitik.analysis.cowdata import cow_landscape

    c = cow_landscape(year, states)
    return AlignmentInputs(c.ids, c.names, _normalised(c.sizes, "COW"), c.propensities,
                           f"COW data, {year}", "--states", c.notes)


def inputs_from_tables(sizes_path: str | Path, matrix_path: str | Path,
                       center: float = 0.0) -> AlignmentInputs:
    """Inputs from a sizes CSV and a propensity matrix CSV (Furnas's Syria 2016 format)."""
    from realpolitik.scenario.signed_graph import read_landscape_csv

    t = read_landscape_csv(sizes_path, matrix_path, center)
    p = np.asarray(t.propensities, dtype=float)
    note = f"propensities: matrix value - {center:g}" if center else "propensities as given"
    return AlignmentInputs(tuple(t.actors), tuple(t.actors), _normalised(t.sizes, str(sizes_path)),
                           p, Path(matrix_path).stem, str(matrix_path),
                           ("sizes: normalised to sum 1", note))


# --------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TippingResult:
    """A relation's tipping point, with actor ids and the reading of it."""

    pair: tuple[str, str]
    model: RelationTipping
    partner: str | None
    """The first actor's strongest tie on its side before the change (e.g. China for Russia)."""
    leaves_partner: bool
    range: tuple[float, float] | None
    without_partner: Configuration | None = None
    """The lowest-energy split that parts the first actor from its partner (stable or not)."""
    alternatives: tuple[Alternative, ...] | None = None
    """The least single changes (a relation of the first actor, a relation among the others, or
    one actor's size) that move the first actor off its partner's side, smallest first; empty
    if none within range (or no partner); None when not searched (too many actors)."""

    def to_json(self, actors: tuple[str, ...]) -> dict[str, Any]:
        return {"pair": list(self.pair), "from": self.model.value, "to": self.model.to,
                "switchers": [actors[k] for k in self.model.switchers],
                "required": self.model.threshold,
                "alternatives": None if self.alternatives is None else [
                    alternative_json(a, actors) for a in self.alternatives]}


def alternative_json(alt: Alternative, actors: tuple[str, ...]) -> dict[str, Any]:
    """``{"kind", "pair" | "actor", "from", "to", "change", "switchers"}``: for a size, from/to
    are shares of the landscape's total before the change and change is the factor."""
    where: dict[str, Any] = ({"pair": [actors[k] for k in alt.actors]} if alt.kind == "relation"
                             else {"actor": actors[alt.actors[0]]})
    return {"kind": alt.kind, **where, "from": alt.value, "to": alt.to, "change": alt.change,
            "switchers": [actors[k] for k in alt.switchers]}


@dataclass(frozen=True)
class AlignmentResult:
    inputs: AlignmentInputs
    landscape: LandscapeResult
    frustration: FloatArray
    """Each actor's frustration F_i in the predicted configuration."""
    triads: tuple[Triad, ...]
    tipping: TippingResult | None

    def sides(self, labels: npt.ArrayLike) -> list[list[str]]:
        lab = np.asarray(labels)
        k = max(self.landscape.k if self.landscape.k == 2 else int(lab.max()) + 1, 1)
        return [[self.inputs.actors[i] for i in np.flatnonzero(lab == c)] for c in range(k)]

    def to_json(self) -> dict[str, Any]:
        """The ``realpolitik align --json`` payload."""
        a = self.inputs.actors
        return {
            "configurations": [{"sides": self.sides(c.labels), "energy": c.energy,
                                "basin": c.basin} for c in self.landscape.minima],
            "global": 0,
            "frustration": {a[i]: float(f) for i, f in enumerate(self.frustration)},
            "triads": [{"actors": [a[m] for m in t.members], "type": t.type,
                        "roles": {a[m]: r for m, r in zip(t.members, t.roles, strict=True)}}
                       for t in self.triads],
            "tipping": self.tipping.to_json(a) if self.tipping else None,
        }


def _partner(inputs: AlignmentInputs, labels: npt.ArrayLike, i: int) -> int | None:
    lab = np.asarray(labels)
    mates = np.flatnonzero((lab == lab[i]) & (np.arange(lab.size) != i))
    if mates.size == 0:
        return None
    pull = inputs.sizes[mates] * inputs.propensities[i, mates]
    return int(mates[int(np.argmax(pull))])


def _without_isolated(inputs: AlignmentInputs) -> AlignmentInputs:
    """Drop actors with no nonzero weight s_i s_j p_ij (no relation, or size 0): they are
    indifferent to every configuration and would only duplicate each minimum."""
    w = np.outer(inputs.sizes, inputs.sizes) * inputs.propensities
    keep = np.abs(w).sum(axis=1) > 0
    if keep.all():
        return inputs
    if keep.sum() < 2:
        raise InputError.single(inputs.file, "relations", "no two actors have both a size and "
                                "a nonzero relation: every configuration has energy 0")
    idx = np.flatnonzero(keep)
    pos = {int(o): n for n, o in enumerate(idx)}
    gone = [inputs.actors[i] for i in np.flatnonzero(~keep)]
    return AlignmentInputs(
        tuple(inputs.actors[i] for i in idx), tuple(inputs.names[i] for i in idx),
        _normalised(inputs.sizes[idx], inputs.file), inputs.propensities[np.ix_(idx, idx)],
        inputs.title, inputs.file,
        (*inputs.notes, "left out, indifferent (no relation or size 0): " + ", ".join(gone)),
        {(pos[a], pos[b]): r for (a, b), r in inputs.ranges.items() if a in pos and b in pos})


def align(inputs: AlignmentInputs, *, tipping: tuple[str, str] | None = None, k: int = 2,
          starts: int = 4096, seed: int = 0) -> AlignmentResult:
    """Stable configurations, frustrations, triads and (optionally) one relation's tipping point.
    Actors with no nonzero weight are left out first (noted)."""
    inputs = _without_isolated(inputs)
    if k < 2:
        raise InputError.single(inputs.file, "--k", "k must be at least 2")
    if tipping is not None and k != 2:
        raise InputError.single(inputs.file, "--tipping", "tipping points are computed for two "
                                "coalitions (k = 2)")
    pair = None
    if tipping is not None:
        pair = (inputs.index(tipping[0], "--tipping"), inputs.index(tipping[1], "--tipping"))
        if pair[0] == pair[1]:
            raise InputError.single(inputs.file, "--tipping", "name two different actors")
    s, p = inputs.sizes, inputs.propensities
    land = stable_configurations(s, p, k=k, starts=starts, seed=seed)
    best = land.best.labels
    frus = frustration(s, p, best)
    found = triads(p)
    tip = None
    if pair is not None:
        i, j = pair
        model = relation_tipping(s, p, i, j, before=best, bounds=relation_bounds(p))
        partner = _partner(inputs, best, i)
        leaves = bool(partner is not None and model.after[i] != model.after[partner])
        key = (min(i, j), max(i, j))
        apart = pair_minima(s, p, i, partner)[1] if partner is not None else None
        alts = (alternatives(s, p, i, partner, before=best) if partner is not None else ())
        tip = TippingResult((inputs.actors[i], inputs.actors[j]), model,
                            inputs.actors[partner] if partner is not None else None, leaves,
                            inputs.ranges.get(key), apart, alts)
    return AlignmentResult(inputs, land, frus, found, tip)


def align_scenario(scenario: Scenario, *, tipping: tuple[str, str] | None = ("RUS", "JPN"),
                   actors: list[str] | None = None, k: int = 2, seed: int = 0) -> AlignmentResult:
    """The demo's entry point: ``align(inputs_from_scenario(scenario, actors), ...)``; a default
    tipping pair whose actors are not in the landscape is skipped."""
    inputs = inputs_from_scenario(scenario, actors)
    if tipping is not None and not all(t in inputs.actors for t in tipping):
        tipping = None
    return align(inputs, tipping=tipping, k=k, seed=seed)


# --------------------------------------------------------------------------------------------
# text
# --------------------------------------------------------------------------------------------


def _fmt_sides(result: AlignmentResult, labels: npt.ArrayLike) -> str:
    groups = [g for g in result.sides(labels) if g]
    return " vs ".join("{" + ", ".join(g) + "}" for g in groups) if len(groups) > 1 else (
        "{" + ", ".join(groups[0]) + "} all together")


MAX_TRIADS_LISTED = 20
"""summary_lines lists every triad up to this many (six actors), else counts them by type."""
TRIAD_NAMES = {"menage": "ménage à trois", "marriage": "stable marriage",
                 "romantic": "romantic triangle", "unit_veto": "unit veto"}


def _is_stable(result: AlignmentResult, conf: Configuration) -> bool:
    from realpolitik.analysis.tipping import same_partition

    return any(same_partition(c.labels, conf.labels) for c in result.landscape.minima)


def tipping_sentence(result: AlignmentResult) -> str | None:
    """"Russia-Japan relations would have to rise from -0.30 to +0.42 for Russia to leave
    China's side" (or why no admissible value does it)."""
    t = result.tipping
    if t is None:
        return None
    inp = result.inputs
    m = t.model
    a, b = inp.name(m.i), inp.name(m.j)
    rel = f"{a}-{b} relations"
    if m.threshold is None:
        return f"{rel} cannot change the alignment: one of them has size 0."
    who = ", ".join(inp.name(k) for k in m.switchers)
    goal = (f"for {a} to leave {inp.name(inp.actors.index(t.partner))}'s side"
            if t.leaves_partner and t.partner is not None else "to change the predicted alignment")
    if m.to is None:
        lo, hi = relation_bounds(inp.propensities)
        return (f"No value of {rel} in [{lo:+g}, {hi:+g}] changes the predicted alignment: it "
                f"would take {fmt(m.threshold, signed=True)} (now {fmt(m.value, signed=True)}) "
                f"{goal}, and then {who} would switch sides.")
    verb = "rise" if m.direction == "rise" else "fall"
    prep = "above" if m.direction == "rise" else "below"
    s = (f"{rel} would have to {verb} from {fmt(m.value, signed=True)} to {prep} "
         f"{fmt(m.to, signed=True)} {goal} (switching sides: {who}; "
         f"then {_fmt_sides(result, m.after)}).")
    if t.range is not None:
        lo, hi = t.range
        inside = lo <= m.to <= hi
        s += (f" That lies {'inside' if inside else 'outside'} the relation's cited range "
              f"[{fmt(lo, signed=True)}, {fmt(hi, signed=True)}].")
    return s


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def alternative_clause(result: AlignmentResult, alt: Alternative) -> str:
    """"Russia-United States relations rose from -0.50 to above +0.17 (a thaw)" or "China's
    size fell to 0.4x"; who switches sides is named unless it is the focal actor alone."""
    inp = result.inputs
    notes = []
    if alt.kind == "relation":
        a, b = (inp.name(k) for k in alt.actors)
        up = alt.change > 0
        if up and alt.value < 0:
            notes.append("a thaw")
        elif not up and alt.value > 0:
            notes.append("a falling-out")
        s = (f"{a}-{b} relations {'rose' if up else 'fell'} from {fmt(alt.value, signed=True)} to "
             f"{'above' if up else 'below'} {fmt(alt.to, signed=True)}")
    else:
        up = alt.change > 1
        s = (f"{_possessive(inp.name(alt.actors[0]))} size {'rose' if up else 'fell'} to "
             f"{alt.change:.3g}x")
    focal = result.tipping.model.i if result.tipping is not None else None
    if alt.switchers != (focal,):
        notes.append(f"switching sides: {', '.join(inp.name(k) for k in alt.switchers)}")
    return s + (f" ({'; '.join(notes)})" if notes else "")


ALTERNATIVES_IN_SUMMARY = 3


def alternatives_sentence(result: AlignmentResult) -> str | None:
    """The top alternatives in one sentence: "Russia would leave China's side if ..., or if
    ...", or that no single change within range does it."""
    t = result.tipping
    if t is None or t.partner is None:
        return None
    inp = result.inputs
    a, b = inp.name(t.model.i), inp.name(inp.actors.index(t.partner))
    alts = t.alternatives
    if alts is None:
        return (f"Single changes that would move {a} off {_possessive(b)} side were not "
                f"searched (more than {EXHAUSTIVE_MAX} actors).")
    lo, hi = relation_bounds(inp.propensities, RELATION_BOUNDS)
    if not alts:
        return (f"No single change within range moves {a} off {_possessive(b)} side: no "
                f"relation in [{lo:+g}, {hi:+g}] and no actor's size from near 0 to "
                f"{MAX_FACTOR:g}x.")
    top = alts[:ALTERNATIVES_IN_SUMMARY]
    s = (f"{a} would leave {_possessive(b)} side if "
         + ", or if ".join(alternative_clause(result, x) for x in top) + ".")
    rest = len(alts) - len(top)
    if rest:
        s += f" ({rest} more single change{'s' if rest > 1 else ''} in the full results.)"
    elif len(alts) < ALTERNATIVES_IN_SUMMARY:
        s += (f" No other single change of a relation (within [{lo:+g}, {hi:+g}]) or of "
              f"one actor's size (up to {MAX_FACTOR:g}x) does it.")
    return s


def summary_lines(result: AlignmentResult) -> list[str]:
    """Plain sentences for the demo and the report."""
    inp, land = result.inputs, result.landscape
    best = land.best
    how = (f"exact over all {land.starts} configurations" if land.method == "exhaustive"
           else f"global minimum {'proven by MILP' if land.exact else 'not proven'}, basins from "
                f"{land.starts} sampled starts")
    lines = [f"Predicted alignment ({len(land.minima)} stable configuration"
             f"{'s' if len(land.minima) != 1 else ''}, {how}): {_fmt_sides(result, best.labels)}"
             f" (energy {best.energy:.4g}, basin {best.basin:.0%})."]
    if result.tipping is not None:
        i = result.tipping.model.i
        partner = result.tipping.partner
        if partner is not None:
            lines.append(f"{inp.name(i)} is predicted on "
                         f"{inp.name(inp.actors.index(partner))}'s side.")
        else:
            lines.append(f"{inp.name(i)} is predicted alone on its side.")
    scale = float(np.abs(np.outer(inp.sizes, inp.sizes) * inp.propensities).sum())
    if land.gap is not None:
        ru = land.minima[1]
        gap = (f"{land.gap:.4g} higher in energy" if land.gap > 1e-9 * scale
               else "tied in energy")
        lines.append(f"Runner-up: {_fmt_sides(result, ru.labels)}, {gap} (basin {ru.basin:.0%}).")
    else:
        lines.append("No other stable configuration: every start descends to the prediction.")
    tip = result.tipping
    if tip is not None and tip.partner is not None and tip.without_partner is not None:
        wp = tip.without_partner
        a, b = inp.name(tip.model.i), inp.name(inp.actors.index(tip.partner))
        lines.append(f"The best configuration with {a} off {b}'s side, "
                     f"{_fmt_sides(result, wp.labels)}, lies {wp.energy - best.energy:.4g} "
                     f"higher in energy{'' if _is_stable(result, wp) else ' and is not stable'}.")
    worst = int(np.argmax(result.frustration))
    f_worst = float(result.frustration[worst])
    if f_worst > 0:
        lines.append(f"Most frustrated in the prediction: {inp.name(worst)} (F = {f_worst:.3g}).")
    else:
        lines.append(f"No actor is frustrated in the prediction (F <= 0 for all; the least "
                     f"content is {inp.name(worst)}, F = {f_worst:.3g}).")
    if len(result.triads) > MAX_TRIADS_LISTED:
        counts: dict[str, int] = {}
        for t in result.triads:
            counts[t.type] = counts.get(t.type, 0) + 1
        lines.append(f"Strategic triangles ({len(result.triads)}): " + ", ".join(
            f"{v} {TRIAD_NAMES[k]}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))
            + " (each listed in the JSON and the report).")
    elif result.triads:
        parts = []
        for t in result.triads:
            names = "-".join(inp.actors[m] for m in t.members)
            special = [f"{inp.actors[m]} {r}" for m, r in zip(t.members, t.roles, strict=True)
                       if r in ("pivot", "outcast")]
            parts.append(f"{names} {TRIAD_NAMES[t.type]}"
                         + (f" ({special[0]})" if special else ""))
        lines.append("Strategic triangles: " + "; ".join(parts) + ".")
    sentence = tipping_sentence(result)
    if sentence:
        lines.append(sentence)
    sentence = alternatives_sentence(result)
    if sentence:
        lines.append(sentence)
    return lines


# --------------------------------------------------------------------------------------------
# structural balance of signed-graph files
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WindowBalance:
    label: str
    nodes: tuple[str, ...]
    edges: int
    frustration: float
    sides: tuple[tuple[str, ...], tuple[str, ...]]
    frustrated_edges: tuple[tuple[str, str], ...]
    optimal: bool

    def to_json(self) -> dict[str, Any]:
        f = self.frustration
        return {"label": self.label, "nodes": len(self.nodes), "edges": self.edges,
                "frustration": int(f) if float(f).is_integer() else f,
                "sides": [list(s) for s in self.sides],
                "frustrated_edges": [list(e) for e in self.frustrated_edges]}


def balance_file(path: str | Path, at: float | None = None, time_limit: float | None = None,
                 on_window: Callable[[int, int], None] | None = None) -> list[WindowBalance]:
    """Exact frustration index of every window of a signed-graph file; ``on_window(done,
    total)`` is called after each window (progress)."""
    from realpolitik.scenario.signed_graph import read_signed_graph

    out: list[WindowBalance] = []
    windows = read_signed_graph(path, at)
    for w in windows:
        g = SignedGraph(len(w.nodes), np.asarray(w.edges, dtype=np.intp).reshape(-1, 2),
                        np.asarray(w.signs, dtype=np.int8), np.asarray(w.weights, dtype=float))
        res = frustration_index(g, time_limit=time_limit)
        x = res.sides if res.sides[0] == 0 else 1 - res.sides
        sides = (tuple(w.nodes[i] for i in np.flatnonzero(x == 0)),
                 tuple(w.nodes[i] for i in np.flatnonzero(x == 1)))
        bad = tuple((w.nodes[int(a)], w.nodes[int(b)]) for a, b in g.edges[res.frustrated])
        out.append(WindowBalance(w.label, tuple(w.nodes), g.m, res.frustration, sides, bad,
                                 res.optimal))
        if on_window is not None:
            on_window(len(out), len(windows))
    return out
