"""Stance claims and suggested updates against the analyst's own reading of the same articles.

The bundled scenario was written by hand from the five bundled articles: its stances cite, with
a kind, the sentences that support each position. Ingesting those articles with that scenario
therefore has a reference answer:

1. recall: of the position quotes cited as direct or inferred evidence, how many sentences
   ``ingest`` also reads as a claim of the same actor on the same issue, and how many of those
   claims place the actor at the cited number;
2. positions: of the claims with a position, how many fall inside the analyst's range for that
   actor and issue, against two constant rules measured on the same claims (the middle of the
   scale; the status quo);
3. suggestions: ``--suggest`` against the scenario on its own articles. Every flagged
   contradiction is a false alarm here (the analyst read the same text), so the count is a
   false-alarm count. Reported for the suggested number alone (``outside``) and for what
   ``ingest`` flags (``contradicts``: the 90% interval misses the range; for a relation, it
   lies on the other side of 0).

The claim rules were written while reading these articles, so this is a development score, not
a held-out one.

    python benchmarks/eval_claims.py [--list]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from realpolitik.analysis.forecast import disagreement_point
from realpolitik.news.ingest import ingest
from realpolitik.news.suggest import suggest
from realpolitik.scenario.citations import normalise, resolve_source_path
from realpolitik.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "northeast-asia-2018.toml"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--list", action="store_true", help="list the missed and the outside claims")
    args = ap.parse_args()
    sc = load_scenario(SCENARIO)
    paths = {}
    for s in sc.sources:
        found = resolve_source_path(s.path, sc.origin) if s.path else None
        if found is not None:
            paths[s.id] = found
    res = ingest(sorted(set(paths.values())), sc.scenario.as_of, sc)
    issues = {i.id: i for i in sc.issues}
    stances = {(s.actor, s.issue): s.position for s in sc.stances}

    gold = []
    for st in sc.stances:
        v = st.position
        for end, cites in (("value", v.cite), ("low", v.low_cite), ("high", v.high_cite)):
            for c in cites:
                if c.kind in ("direct", "inferred") and c.source in paths:
                    number = {"value": v.value, "low": v.lo, "high": v.hi}[end]
                    gold.append((st.actor, st.issue, normalise(c.quote), number))
    found_pairs = placed = exact = 0
    for actor, issue, quote, number in gold:
        same = [c for c in res.claims if c["actor"] == actor and c["issue"] == issue
                and (quote in normalise(c["quote"]) or normalise(c["quote"]) in quote)]
        if not same:
            if args.list:
                print(f"  missed {actor} {issue}: {quote[:100]}")
            continue
        found_pairs += 1
        positions = [c["position"] for c in same if c["position"] is not None]
        placed += bool(positions)
        exact += any(abs(p - number) < 1e-9 for p in positions)
    print(f"1. Cited position evidence (direct or inferred) in the bundled articles: {len(gold)}")
    print(f"   read as a claim of that actor on that issue: {found_pairs} "
          f"({found_pairs / len(gold):.0%}); with a position: {placed}; at the cited number: "
          f"{exact}")

    def inside(actor: str, issue: str, x: float) -> bool:
        v = stances[(actor, issue)]
        return v.lo - 1e-9 <= x <= v.hi + 1e-9

    rules = {
        "ingest's position": lambda c: c["position"],
        "middle of the scale": lambda c: (issues[c["issue"]].scale.min
                                          + issues[c["issue"]].scale.max) / 2,
        "status quo": lambda c: disagreement_point(issues[c["issue"]])[0],
    }
    placed_claims = [c for c in res.claims
                     if c["position"] is not None and (c["actor"], c["issue"]) in stances]
    print(f"2. Claims with a position, of an actor and issue the scenario has: "
          f"{len(placed_claims)} (of {len(res.claims)} claims)")
    for name, rule in rules.items():
        k = sum(inside(c["actor"], c["issue"], rule(c)) for c in placed_claims)
        print(f"   {name:20s} inside the analyst's range: {k} ({k / len(placed_claims):.0%})")
    if args.list:
        for c in placed_claims:
            if not inside(c["actor"], c["issue"], c["position"]):
                print(f"  outside {c['actor']} {c['issue']} {c['position']:g}: {c['quote'][:90]}")

    found = suggest(sc, res)
    old = [s for s in found if s.current is not None]
    for kind in ("relations", "stances"):
        these = [s for s in old if s.path.startswith(kind)]
        outside = [s for s in these if s.outside]
        print(f"3. Suggestions for existing {kind}: {len(these)}; the number outside the cited "
              f"range: {len(outside)} ({sum(s.interval is None for s in outside)} of them too "
              f"few items for an interval); flagged as contradicting it "
              f"(Suggestion.contradicts): {sum(s.contradicts for s in these)}")
        if args.list:
            for s in these:
                if s.contradicts:
                    print(f"  contradicts {s.path}: {s.suggested:g} {s.interval} "
                          f"vs [{s.low:g}, {s.high:g}] ({len(s.evidence)} items)")


if __name__ == "__main__":
    main()
