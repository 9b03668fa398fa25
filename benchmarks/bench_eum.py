"""Seconds per round of the expected-utility model: the O(N^2) fast form against the O(N^3)
direct form (the reference, measured in the same run), for N = 10 ... 10,000 random actors.

    .venv/bin/python benchmarks/bench_eum.py            # N = 10, 100, 1000, 3000, 10000
    .venv/bin/python benchmarks/bench_eum.py --quick    # stop at N = 1000
    .venv/bin/python benchmarks/bench_eum.py --threads 1

"round 1" is the wall time of a one-round run (it includes allocating and first touching the
N x N work arrays); "later" is the marginal time of a round, (T(4 rounds) - T(1)) / 3. Both are
the best of several repeats (the machine is shared: the load average is printed). The direct
form is timed on one round, and only while its predicted time (from the previous N, scaled by
N^3) stays under a minute.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

from realpolitik.models.bargaining.eum import EUMParams, expected_utility_model

SIZES = (10, 100, 1_000, 3_000, 10_000)
DIRECT_LIMIT = 60.0  # seconds


def inputs(n: int, seed: int = 20110901) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed + n)
    return rng.uniform(0, 100, n), rng.uniform(0, 1, n), rng.uniform(0, 1, n)


def run_time(n: int, rounds: int, method: str, threads: int | None) -> float:
    x, c, s = inputs(n)
    params = EUMParams(tol=0.0, max_rounds=rounds, method=method, threads=threads)  # type: ignore[arg-type]
    t0 = time.perf_counter()
    res = expected_utility_model(x, c, s, params)
    elapsed = time.perf_counter() - t0
    assert res.rounds == rounds
    return elapsed


def best_of(repeats: int, fn) -> float:  # type: ignore[no-untyped-def]
    return min(fn() for _ in range(repeats))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="stop at N = 1000")
    ap.add_argument("--threads", type=int, default=None, help="threads of the fast form")
    args = ap.parse_args()
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
    print(header)
    print("-" * len(header))
    direct_prev: tuple[int, float] | None = None
    notes: list[str] = []
    for n in sizes:
        repeats = 5 if n <= 1_000 else 2
        first = best_of(repeats, lambda n=n: run_time(n, 1, "fast", threads))
        four = best_of(repeats, lambda n=n: run_time(n, 4, "fast", threads))
        later = max((four - first) / 3.0, 1e-9)
        predicted = None if direct_prev is None else direct_prev[1] * (n / direct_prev[0]) ** 3
        if predicted is not None and predicted > DIRECT_LIMIT:
            direct_txt, ratio_txt = "skipped", "-"
            notes.append(f"direct form skipped at N = {n}: predicted {predicted:,.0f} s per round")
        else:
            direct = best_of(3 if n <= 100 else 1, lambda n=n: run_time(n, 1, "direct", threads))
            direct_prev = (n, direct)
            direct_txt, ratio_txt = f"{direct:10.4f}", f"{direct / later:12.1f}"
        print(f"{n:>7} {first:14.4f} {later:12.4f} {direct_txt:>10} {ratio_txt:>12}")
        sys.stdout.flush()
    for note in notes:
        print(note)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
