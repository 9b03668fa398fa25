"""Ingest speed: sentences per second end to end (read, split, date, gazetteer, events, claims)
on the bundled articles, against reading and splitting alone (the floor) in the same run.

    python benchmarks/bench_ingest.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

from realpolitik.news.ingest import ingest
from realpolitik.news.text import read_document
from realpolitik.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    files = sorted((ROOT / "data" / "articles").glob("*.txt"))
    scenario = load_scenario(ROOT / "scenarios" / "northeast-asia-2018.toml")
    as_of = dt.date(2018, 9, 30)
    ingest(files, as_of, scenario)  # warm the caches (gazetteer, lexicon)
    t0 = time.perf_counter()
    for _ in range(args.repeat):
        n = sum(len(read_document(f, as_of).sentences) for f in files)
    floor = (time.perf_counter() - t0) / args.repeat
    t0 = time.perf_counter()
    for _ in range(args.repeat):
        res = ingest(files, as_of, scenario)
    full = (time.perf_counter() - t0) / args.repeat
    print(f"{n} sentences, {len(res.events)} events, {len(res.claims)} claims")
    print(f"read + split only : {n / floor:10.0f} sentences/s")
    print(f"ingest end to end : {n / full:10.0f} sentences/s")
    print(f"ratio (end to end / read + split): {floor / full:.3f}")


if __name__ == "__main__":
    main()
