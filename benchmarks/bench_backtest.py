"""Benchmark: the whole back-test of every model on the DEU III development file.

Prints the wall time of (1) the complete ``realpolitik backtest --json`` command as a fresh process
(what a user waits for; the target is under 10 s on 2 cores), (2) the in-process back-test of
all seven models, (3) each model's share, and the ratio of (2) to a named reference measured in
the same run: a plain-Python loop implementation of the compromise model (read the TSV with the
csv module, loop over issues and actors).

Run: .venv/bin/python benchmarks/bench_backtest.py
"""

from __future__ import annotations

import csv
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "data" / "reference" / "deu3" / "deu3_dev.tsv"
TARGET_SECONDS = 10.0


def plain_python_compromise(path: Path) -> float:
    """The reference: the compromise model's MAE with nothing but the standard library."""
    with path.open(encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    head = rows[0]
    pairs = [(j, head.index("s" + h[1:])) for j, h in enumerate(head)
             if h.startswith("p") and "s" + h[1:] in head]
    gdp = rows[1]
    out_j = head.index("out")
    errs = []
    for row in rows[2:]:
        if not row[out_j]:
            continue
        num = den = 0.0
        sal = [float(row[s]) for p, s in pairs if row[p] and row[s]]
        mean_s = sum(sal) / len(sal)
        for p, s in pairs:
            if row[p]:
                w = float(gdp[p]) * (float(row[s]) if row[s] else mean_s)
                num += w * float(row[p])
                den += w
        errs.append(abs(num / den - float(row[out_j])))
    return sum(errs) / len(errs)


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> int:
    from realpolitik.analysis.backtest import MODELS, run_backtest

    exe = Path(sys.executable).with_name("realpolitik")
    t = time.perf_counter()
    proc = subprocess.run(
        [str(exe), "backtest", str(DEV), "--json", "--no-report"],
        capture_output=True, text=True, cwd=ROOT,
    )
    cli_seconds = time.perf_counter() - t
    if proc.returncode != 0:
        print(proc.stderr)
        return 1

    ref = best_of(lambda: plain_python_compromise(DEV), 5)
    run_backtest(DEV, ["compromise"], n_boot=200)  # warm imports and caches
    full = best_of(lambda: run_backtest(DEV, list(MODELS)), 3)
    print(f"reference (plain-Python loop compromise model): {ref * 1e3:8.1f} ms")
    print(f"in-process back-test, all {len(MODELS)} models:     {full * 1e3:8.1f} ms"
          f"  ({full / ref:6.1f} x reference)")
    for m in MODELS:
        need = [m] if m != "ensemble" else list(MODELS)
        s = best_of(lambda need=need: run_backtest(DEV, need, n_boot=2000), 1)
        print(f"  {m:<11s} (with what it needs):    {s * 1e3:8.1f} ms"
              f"  ({s / ref:6.1f} x reference)")
    ok = cli_seconds < TARGET_SECONDS
    print(f"whole command as a process (startup, all models, JSON): {cli_seconds:6.2f} s "
          f"(target < {TARGET_SECONDS:.0f} s: {'met' if ok else 'MISSED'})")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
