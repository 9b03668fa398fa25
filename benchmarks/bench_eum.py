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
``benchmarks/against.py``). For each N, ``--processes`` fresh child processes (3 by default)
each load both versions and alternate them (15 times at N <= 100, 7 at N = 1000, 3 above),
each time the marginal round of each from the best of a few runs of 1 and 4 rounds; "REV/now"
is the median of all the paired ratios of REV's marginal round time over the current one
(above 1: the current code is faster), with its quartiles, and "processes" the lowest and
highest median of one process. Fresh processes, because a process's history (what it
allocated and freed before, such as the direct form's N^3 arrays) moves one version's timings
against the other's by several per cent, and differently from process to process.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
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


def versus(
    rev: ModuleType, n: int, repeats: int, threads: int | None
) -> tuple[list[float], list[float]]:
    """Marginal round times of the fast form (now, REV), the two alternating in this process."""
    reps = max(repeats, 20 if n <= 10 else 10 if n <= 100 else 0)
    alternations = 15 if n <= 100 else 7 if n <= 1_000 else 3
    times: list[list[float]] = [[], []]
    for _ in range(alternations):
        for model, out in zip((eum, rev), times, strict=True):
            out.append(fast_times(n, reps, threads, model)[1])
    return times[0], times[1]


def versus_in_processes(
    rev_src: Path, n: int, repeats: int, threads: int | None, processes: int
) -> tuple[float, float, float, float, float, float, float]:
    """:func:`versus` in ``processes`` fresh child processes: median times (now, REV), the
    median of the pooled paired ratios REV / now with its quartiles, and the lowest and highest
    median ratio of one process."""
    now: list[float] = []
    old: list[float] = []
    medians: list[float] = []
    for _ in range(processes):
        args = ["--versus-child", str(rev_src), str(n), str(repeats), str(threads or 0)]
        out = subprocess.run(
            [sys.executable, __file__, *args], check=True, capture_output=True, text=True
        ).stdout
        a, b = (np.array(v) for v in json.loads(out))
        now += a.tolist()
        old += b.tolist()
        medians.append(float(np.median(b / a)))
    ratios = np.array(old) / np.array(now)
    q1, q2, q3 = np.percentile(ratios, [25, 50, 75])
    return (
        float(np.median(now)), float(np.median(old)), float(q2), float(q1), float(q3),
        min(medians), max(medians),
    )  # fmt: skip


def versus_child(args: list[str]) -> int:
    """Child mode of --against: print :func:`versus`'s times as JSON."""
    from against import load_renamed  # (beside this script)

    rev_src, n, repeats, threads = Path(args[0]), int(args[1]), int(args[2]), int(args[3])
    rev = load_renamed(rev_src, "realpolitik.models.bargaining.eum")
    print(json.dumps(versus(rev, n, repeats, threads or None)))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="stop at N = 1000")
    ap.add_argument("--threads", type=int, default=None, help="threads of the fast form")
    ap.add_argument("--against", metavar="REV", help="also time the fast form of git revision REV")
    ap.add_argument(
        "--processes", type=int, default=3, help="fresh processes per N for --against (3)"
    )
    ap.add_argument("--versus-child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.versus_child:
        return versus_child(args.versus_child)
    rev_src = None
    if args.against:
        from against import checkout, describe  # (beside this script)

        rev_src = checkout(args.against)
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
    if rev_src is not None:
        header += (
            f" {'later (now)':>12} {'later (REV)':>12} {'REV/now (quartiles)':>20}"
            f" {'processes':>12}"
        )
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
        if rev_src is not None:
            now, old, ratio, lo, hi, low, high = versus_in_processes(
                rev_src, n, repeats, threads, args.processes
            )
            row += f" {now:12.5f} {old:12.5f} {ratio:7.3f} ({lo:.3f}-{hi:.3f}) {low:.3f}-{high:.3f}"
        print(row)
        sys.stdout.flush()
    for note in notes:
        print(note)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
