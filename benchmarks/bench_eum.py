"""Seconds per round of the expected-utility model: the O(N^2) fast form against the O(N^3)
direct form (the reference, measured in the same run), for N = 10 ... 10,000 random actors.

    .venv/bin/python benchmarks/bench_eum.py            # N = 10, 100, 1000, 3000, 10000
    .venv/bin/python benchmarks/bench_eum.py --quick    # stop at N = 1000
    .venv/bin/python benchmarks/bench_eum.py --threads 1
    .venv/bin/python benchmarks/bench_eum.py --quick --against REV   # and an earlier revision

"round 1" is the wall time of a one-round run (it includes allocating and first touching the
N x N work arrays); "later" is the marginal time of a round, (T(4 rounds) - T(1)) / 3. Both are
the best of several repeats (the machine is shared: the load average is printed). The direct
form is timed on one round, and only while its predicted time (from the previous N, scaled by
N^3) stays under a minute.

``--against REV`` also times the fast form of git revision REV (its ``src/`` extracted to a
temporary directory and imported beside the current code under another name,
``benchmarks/against.py``) in the same process: for each N the two alternate (15 times at
N <= 100, 7 at N = 1000, 3 above), each time the marginal round of each from the best of a few
runs of 1 and 4 rounds; "REV/now" is the median of the paired ratios of REV's marginal round
time over the current one (above 1: the current code is faster), with its quartiles.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from types import ModuleType

import numpy as np

import realpolitik.models.bargaining.eum as eum

SIZES = (10, 100, 1_000, 3_000, 10_000)
DIRECT_LIMIT = 60.0  # seconds


def inputs(n: int, seed: int = 20110901) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed + n)
    return rng.uniform(0, 100, n), rng.uniform(0, 1, n), rng.uniform(0, 1, n)


def run_time(
    n: int, rounds: int, method: str, threads: int | None, model: ModuleType = eum
) -> float:
    """Seconds of one run of ``model`` (the current EUM, or a revision's under --against)."""
    x, c, s = inputs(n)
    params = model.EUMParams(tol=0.0, max_rounds=rounds, method=method, threads=threads)
    t0 = time.perf_counter()
    res = model.expected_utility_model(x, c, s, params)
    elapsed = time.perf_counter() - t0
    assert res.rounds == rounds
    return elapsed


def best_of(repeats: int, fn) -> float:  # type: ignore[no-untyped-def]
    return min(fn() for _ in range(repeats))


def fast_times(
    n: int, repeats: int, threads: int | None, model: ModuleType = eum
) -> tuple[float, float]:
    """(round 1, later) of the fast form: see the module docstring."""
    first = best_of(repeats, lambda: run_time(n, 1, "fast", threads, model))
    four = best_of(repeats, lambda: run_time(n, 4, "fast", threads, model))
    return first, max((four - first) / 3.0, 1e-9)


def versus(rev: ModuleType, n: int, repeats: int, threads: int | None
           ) -> tuple[float, float, float, float, float]:
    """Marginal round times (now, REV) of the fast form and REV / now (median, quartiles): the
    two alternating in this process."""
    reps = max(repeats, 20 if n <= 10 else 10 if n <= 100 else 0)
    alternations = 15 if n <= 100 else 7 if n <= 1_000 else 3
    times: list[list[float]] = [[], []]
    for _ in range(alternations):
        for model, out in zip((eum, rev), times, strict=True):
            out.append(fast_times(n, reps, threads, model)[1])
    a, b = np.array(times)
    q1, q2, q3 = np.percentile(b / a, [25, 50, 75])
    return float(np.median(a)), float(np.median(b)), float(q2), float(q1), float(q3)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="stop at N = 1000")
    ap.add_argument("--threads", type=int, default=None, help="threads of the fast form")
    ap.add_argument("--against", metavar="REV", help="also time the fast form of git revision REV")
    args = ap.parse_args()
    rev = None
    if args.against:
        from against import checkout, describe, load_renamed  # (beside this script)

        rev = load_renamed(checkout(args.against), "realpolitik.models.bargaining.eum")
        print(f"against {describe(args.against)}")
    sizes = [n for n in SIZES if not args.quick or n <= 1_000]
    threads = args.threads
    print(
        f"expected-utility model, seconds per round; {os.cpu_count()} CPUs, "
        f"fast-form threads = {threads or 'all'}, numpy {np.__version__}, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    header = (
        f"{'N':>7} {'fast, round 1':>14} {'fast, later':>12} {'direct':>10} {'direct/fast':>12}"
    )
    if rev is not None:
        header += f" {'later (now)':>12} {'later (REV)':>12} {'REV/now (quartiles)':>20}"
    print(header)
    print("-" * len(header))
    direct_prev: tuple[int, float] | None = None
    notes: list[str] = []
    for n in sizes:
        repeats = 5 if n <= 1_000 else 2
        first, later = fast_times(n, repeats, threads)
        predicted = None if direct_prev is None else direct_prev[1] * (n / direct_prev[0]) ** 3
        if predicted is not None and predicted > DIRECT_LIMIT:
            direct_txt, ratio_txt = "skipped", "-"
            notes.append(f"direct form skipped at N = {n}: predicted {predicted:,.0f} s per round")
        else:
            direct = best_of(3 if n <= 100 else 1, lambda n=n: run_time(n, 1, "direct", threads))
            direct_prev = (n, direct)
            direct_txt, ratio_txt = f"{direct:10.4f}", f"{direct / later:12.1f}"
        row = f"{n:>7} {first:14.4f} {later:12.4f} {direct_txt:>10} {ratio_txt:>12}"
        if rev is not None:
            now, old, ratio, lo, hi = versus(rev, n, repeats, threads)
            row += f" {now:12.5f} {old:12.5f} {ratio:7.3f} ({lo:.3f}-{hi:.3f})"
        print(row)
        sys.stdout.flush()
    for note in notes:
        print(note)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
