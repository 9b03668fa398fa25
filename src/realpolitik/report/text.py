"""The results in words: the English sentences of the demo summary, the CLI and the report.

The analysis modules return numbers (:class:`~realpolitik.analysis.alignment.AlignmentResult`,
:class:`~realpolitik.analysis.linkage.LinkageResult`); this module writes them as sentences.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from realpolitik.analysis.alignment import AlignmentResult
from realpolitik.analysis.forecast import IssueForecast, ScenarioForecast
from realpolitik.analysis.linkage import LinkageResult, Trade
from realpolitik.analysis.tipping import (
    MAX_FACTOR,
    RELATION_BOUNDS,
    Alternative,
    relation_bounds,
    same_partition,
)
from realpolitik.models.alignment.landscape import EXHAUSTIVE_MAX, Configuration
from realpolitik.numfmt import fmt
from realpolitik.scenario.schema import Scenario

# --------------------------------------------------------------------------------------------
# alignment (landscape theory, triads, tipping points)
# --------------------------------------------------------------------------------------------

def _fmt_sides(result: AlignmentResult, labels: npt.ArrayLike) -> str:
    groups = [g for g in result.sides(labels) if g]
    return " vs ".join("{" + ", ".join(g) + "}" for g in groups) if len(groups) > 1 else (
        "{" + ", ".join(groups[0]) + "} all together")


MAX_TRIADS_LISTED = 20
"""alignment_summary lists every triad up to this many (six actors), else counts them by type."""
TRIAD_NAMES = {"menage": "ménage à trois", "marriage": "stable marriage",
                 "romantic": "romantic triangle", "unit_veto": "unit veto"}


def _num(x: float) -> str:
    return f"{x:+.2f}"


def _is_stable(result: AlignmentResult, conf: Configuration) -> bool:
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
                f"would take {_num(m.threshold)} (now {_num(m.value)}) {goal}, and then {who} "
                f"would switch sides.")
    verb = "rise" if m.direction == "rise" else "fall"
    prep = "above" if m.direction == "rise" else "below"
    s = (f"{rel} would have to {verb} from {_num(m.value)} to {prep} {_num(m.to)} {goal} "
         f"(switching sides: {who}; then {_fmt_sides(result, m.after)}).")
    if t.range is not None:
        lo, hi = t.range
        inside = lo <= m.to <= hi
        s += (f" That lies {'inside' if inside else 'outside'} the relation's cited range "
              f"[{_num(lo)}, {_num(hi)}].")
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
        s = (f"{a}-{b} relations {'rose' if up else 'fell'} from {_num(alt.value)} to "
             f"{'above' if up else 'below'} {_num(alt.to)}")
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


def alignment_summary(result: AlignmentResult) -> list[str]:
    """Plain sentences for the demo, ``align`` and the report."""
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
# issue linkage (the exchange model's trades)
# --------------------------------------------------------------------------------------------


def trade_line(t: Trade) -> str:
    """One trade in words: who gives ground where, in return for what, and the gains."""
    when = ("rounds " if len(t.rounds) > 1 else "round ") + _rounds(t.rounds)
    share = f"{t.runs} of {t.repetitions} runs, {when}" if t.repetitions > 1 else when
    return (
        f"{t.actor_a} gives ground on {t.issue_a} ({fmt(t.from_a)} -> {fmt(t.to_a)}) for "
        f"{t.actor_b}'s move on {t.issue_b} ({fmt(t.from_b)} -> {fmt(t.to_b)}); gains "
        f"{t.actor_a} {t.gain_a:.3g}, {t.actor_b} {t.gain_b:.3g} [{share}]"
    )


def _rounds(rounds: tuple[int, ...]) -> str:
    if len(rounds) > 3 and rounds == tuple(range(rounds[0], rounds[-1] + 1)):
        return f"{rounds[0]}-{rounds[-1]}"
    return ", ".join(str(r) for r in rounds)


def linkage_summary(
    result: LinkageResult,
    top: int = 5,
    focus: str | None = None,
    pair: tuple[str, str] | None = None,
) -> list[str]:
    """The top trades in words (best expected gain first). With ``focus`` (an issue id) the
    trades on that issue come first, with ``pair`` (two actor ids) the trades between them.
    Gains are salience-weighted shifts of the outcomes, in points of the 0-100 scale (Stokman &
    Van Oosten's expected utility), summed over the rounds of a run."""
    trades = result.trades()
    lines = []
    if pair is not None:
        between = [t for t in trades if {t.actor_a, t.actor_b} == set(pair)][:top]
        head = f"{pair[0]}-{pair[1]} trades"
        lines.append(f"{head}:" if between else f"{head}: none.")
        lines += ["  " + trade_line(t) for t in between]
    if focus is not None and focus in result.inputs.issues:
        on = [t for t in trades if t.involves(focus)][:top]
        lines.append(f"Linkage on {focus}:" if on else f"Linkage on {focus}: no exchange moves it.")
        lines += ["  " + trade_line(t) for t in on]
        trades = [t for t in trades if not t.involves(focus)]
    if trades:
        lines.append("Top trades:" if focus is None else "Other trades:")
        lines += ["  " + trade_line(t) for t in trades[:top]]
    before, after = result.compromise_before, result.compromise_after
    known = [(k, iid) for k, iid in enumerate(result.inputs.issues) if not np.isnan(before[k])]
    moved = [f"{iid} {before[k]:.0f} -> {after[k]:.0f}" for k, iid in known
             if abs(after[k] - before[k]) >= 0.5]  # fmt: skip
    still = [iid for k, iid in known if abs(after[k] - before[k]) < 0.5]
    if still:
        moved.append("moved less than 0.5: " + ", ".join(still))
    if moved:
        lines.append(
            f"Outcomes after {result.rounds} rounds"
            + (f" (mean of {result.repetitions} runs)" if result.repetitions > 1 else "")
            + ": "
            + "; ".join(moved)
        )
    return lines


# --------------------------------------------------------------------------------------------
# the report's summary: what the scenario says, per question, for a reader
# --------------------------------------------------------------------------------------------

MODEL_NAMES = {"compromise": "the compromise model", "median": "the weighted median",
               "nash": "Nash bargaining", "eum": "the expected-utility model",
               "procedural": "the procedural model", "focal": "the focal-point model",
               "ensemble": "the ensemble"}


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def forecast_sentences(fc: IssueForecast) -> list[str]:
    """The models' forecasts on one issue in words, grouped by the scale point they come
    nearest: "The models disagree on X: the compromise model (44) and Nash bargaining (47)
    point to ...; the weighted median (0) to ...". Then an unsettled EUM run, a Nash problem
    without agreement, and forecasts a domestic ratifier would block (Putnam 1988)."""
    issue = fc.inputs.issue
    title = issue.title or issue.id
    known = {m: x for m, x in fc.forecasts.items() if x is not None}
    if not known:
        return [f"No model gives a forecast on {title}."]
    groups: dict[str, list[str]] = {}
    for m, x in known.items():
        groups.setdefault(fc.nearest_label(x), []).append(f"{MODEL_NAMES.get(m, m)} ({x:.0f})")
    scale = f"scale {issue.scale.min:g}-{issue.scale.max:g}"
    if len(groups) == 1:
        (label, who), = groups.items()
        xs = list(known.values())
        span = (f"{min(xs):.0f}" if round(min(xs)) == round(max(xs))
                else f"{min(xs):.0f} to {max(xs):.0f}")
        what = f"point to “{label}”" if label else "agree"
        head = "The model" if len(known) == 1 else f"All {len(known)} models"
        lines = [f"{head} on {title} {what} ({span} {scale})."]
    else:
        parts = [f"{_and(who)} {'point to' if k == 0 else 'to'} "
                 + (f"“{label}”" if label else "no labelled point")
                 for k, (label, who) in enumerate(groups.items())]
        lines = [f"The models disagree on {title} ({scale}): " + "; ".join(parts) + "."]
    if fc.eum is not None and not fc.eum.converged and "eum" in known:
        lines.append(f"The expected-utility model does not settle: {fc.describe('eum')}.")
    if fc.nash_feasible is False and "nash" in known:
        lines.append("Nash bargaining finds no outcome every actor prefers to the "
                     f"disagreement point, so it stays there ({known['nash']:.0f}).")
    tl = fc.extra.get("twolevel")
    if tl:
        blocked = {m: b for m, b in tl["blocking"].items() if b}
        if tl["zone_of_agreement"] is None:
            lines.append("No outcome could be ratified at home: the domestic win-sets "
                         f"({_and(sorted(tl['winsets']))}) do not overlap.")
        elif blocked:
            lines.append(_cap(_and([f"{MODEL_NAMES.get(m, m)} ({', '.join(b)} would block it)"
                                    for m, b in blocked.items()]))
                         + f" lie{'s' if len(blocked) == 1 else ''} outside a domestic win-set.")
        else:
            lines.append("Every forecast lies inside the domestic win-sets: it could be "
                         "ratified.")
    return lines


def linkage_sentences(result: LinkageResult, issue: str | None,
                      pair: tuple[str, str] | None, names: dict[str, str]) -> list[str]:
    """What trading across issues does to one issue and between one pair, in words."""
    def nm(a: str) -> str:
        return names.get(a, a)

    def title(i: str) -> str:
        return "it" if i == issue else result.titles.get(i, i)

    lines = []
    trades = result.trades()
    if issue is not None and issue in result.inputs.issues:
        k = result.inputs.issues.index(issue)
        before, after = result.compromise_before[k], result.compromise_after[k]
        on = [t for t in trades if t.involves(issue)]
        if not on or np.isnan(before):
            lines.append("No exchange of concessions across issues moves this issue.")
        else:
            t = on[0]
            lines.append(
                f"Trading concessions across issues (the exchange model, {result.rounds} "
                f"rounds) moves its weighted-mean outcome on this issue from {before:.0f} to "
                f"{after:.0f}; the largest trade: {nm(t.actor_a)} gives ground on "
                f"{title(t.issue_a)} in return for {_possessive(nm(t.actor_b))} move on "
                f"{title(t.issue_b)}.")
    if pair is not None:
        between = [t for t in trades if {t.actor_a, t.actor_b} == set(pair)]
        a, b = nm(pair[0]), nm(pair[1])
        if not between:
            lines.append(f"{a} and {b} find no trade with each other.")
        else:
            lines.append(f"{a} and {b} find {len(between)} trade"
                         f"{'s' if len(between) > 1 else ''} with each other, the best "
                         f"worth {between[0].gain_a:.2g} to each (salience-weighted points).")
    return lines


def pair_alignment_sentences(result: AlignmentResult, pair: tuple[str, str]) -> list[str]:
    """Whether the pair is predicted on one side, and what it would take to change that."""
    inp = result.inputs
    if not all(a in inp.actors for a in pair):
        return []
    i, j = (inp.actors.index(a) for a in pair)
    lab = np.asarray(result.landscape.best.labels)
    same = lab[i] == lab[j]
    lines = [f"{inp.name(i)} and {inp.name(j)} are predicted on "
             f"{'the same side' if same else 'opposite sides'}: "
             f"{_fmt_sides(result, lab)}."]
    t = result.tipping
    if t is None or {inp.actors[t.model.i], inp.actors[t.model.j]} != set(pair):
        return lines
    m = t.model  # the alignment section gives the full tipping sentence; here the gist
    rel = f"{inp.name(m.i)}-{inp.name(m.j)} relations"
    if m.threshold is None:
        lines.append(f"{rel} cannot change that.")
    elif m.to is None:
        lo, hi = relation_bounds(inp.propensities)
        lines.append(f"No value of {rel} in [{lo:+g}, {hi:+g}] changes that (it would take "
                     f"{_num(m.threshold)}; now {_num(m.value)}).")
    else:
        move = "rise above" if m.direction == "rise" else "fall below"
        lines.append(f"{rel} would have to {move} {_num(m.to)} (now {_num(m.value)}) to "
                     "change that.")
    return lines


def change_in_words(path: str, value: float, names: dict[str, str],
                    titles: dict[str, str]) -> str:
    """A what-if path in words (scenario/changes.py's grammar): ``relations.RUS-USA`` = 0 ->
    "Russia-United States relations set to +0"; ``stances.USA.sanctions.position`` = 40 ->
    "United States' position on <sanctions title> set to 40"; unknown shapes stay as paths."""
    parts = path.split(".")
    if parts[0] == "relations" and len(parts) == 2:
        splits = [(parts[1][:k], parts[1][k + 1:]) for k, ch in enumerate(parts[1]) if ch == "-"]
        known = [(a, b) for a, b in splits if a in names and b in names]
        if len(known) == 1:
            a, b = known[0]
            return f"{names[a]}-{names[b]} relations set to {value:+g}"
    if parts[0] == "stances" and len(parts) == 4 and parts[1] in names:
        return (f"{_possessive(names[parts[1]])} {parts[3]} on "
                f"{titles.get(parts[2], parts[2])} set to {value:g}")
    if parts[0] == "actors" and len(parts) == 3 and parts[1] in names:
        return f"{_possessive(names[parts[1]])} {parts[2]} set to {value:g}"
    return f"{path} = {value:g}"


def scenario_summary(
    scenario: Scenario,
    forecast: ScenarioForecast,
    linkage: LinkageResult | None = None,
    alignment: AlignmentResult | None = None,
    links: list[tuple[str, bool]] | None = None,
) -> list[tuple[str, list[str]]]:
    """The report's summary: (heading, sentences) per question of the scenario, each from the
    analysis results (forecasts on its issue, trades, its pair's alignment), or per issue when
    the scenario asks no question. ``links`` are (issue title, fired) for the scenario's links."""
    names = {a.id: a.name or a.id for a in scenario.actors}
    by_issue = {fc.inputs.issue.id: fc for fc in forecast.issues}
    out: list[tuple[str, list[str]]] = []
    for q in scenario.questions:
        lines: list[str] = []
        if q.issue is not None and q.issue in by_issue:
            lines += forecast_sentences(by_issue[q.issue])
        if linkage is not None:
            lines += linkage_sentences(linkage, q.issue, q.pair, names)
        if alignment is not None and q.pair is not None:
            lines += pair_alignment_sentences(alignment, q.pair)
        out.append((q.title, lines or ["The analyses say nothing about this question."]))
    if not scenario.questions:
        out += [(fc.inputs.issue.title or fc.inputs.issue.id, forecast_sentences(fc))
                for fc in forecast.issues]
    if links:
        fired = [t for t, f in links if f]
        out.append(("Links", [
            f"{len(fired)} of the scenario's {len(links)} "
            f"{'link fires' if len(links) == 1 else 'links fire'}"
            + (f" (on {_and(sorted(set(fired)))})." if fired else
               ": no forecast falls in a band that moves a relation or a stance.")]))
    return out
