"""The exchange model against decide (the reference implementation), in the same run:
agreement of the mean outcome per issue after 10 rounds, and speed.

    .venv/bin/python benchmarks/bench_exchange.py            # full: about 25 minutes
    .venv/bin/python benchmarks/bench_exchange.py --quick    # 20 decide runs per file
    .venv/bin/python benchmarks/bench_exchange.py --workers 4
    .venv/bin/python benchmarks/bench_exchange.py --quick --against REV   # and an earlier revision

decide (``decide-exchange-model`` 2022.1.28, GPL-3, pure Python with Decimal arithmetic) is
installed by this script into its own virtual environment, ``bench_out/decide-venv`` (never a
dependency of realpolitik): ``pip install --no-deps decide-exchange-model==2022.1.28`` plus
numpy, pandas, blinker, peewee, ``typesystem==0.2.5`` and matplotlib. Its ModelFactory,
EqualGainModel and ModelLoop are driven directly (its CLI observers need Qt and a database).

decide breaks ties between equal gains with Python's ``random``; realpolitik with numpy's
generator. So the comparison is between distributions: the mean outcome per issue (decide's
0-100 scale) over many runs of each, with its standard error. Speed: seconds per run of 10
rounds, serially in one process each, model only (both exclude interpreter start-up and file
parsing), median over several runs; the ratio is decide / realpolitik.

``--against REV`` also times the exchange model of git revision REV (its ``src/`` extracted to
a temporary directory and imported beside the current code under another name,
``benchmarks/against.py``) on the same inputs in the same process: the two alternate 20 times,
10 runs each (seeds fixed), after a warm-up run each. Reported: the median over the
alternations of each one's median seconds per run, and of the paired ratio REV / now (above 1:
the current code is faster) with its quartiles.

Exit status 1 when the must-show case fails: Copenhagen's mean outcomes not within 1.0 point of
decide's, or realpolitik less than 20 times faster there. The other files are reported only.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from types import ModuleType

import numpy as np

from realpolitik.analysis.linkage import linkage_inputs, run_exchange
from realpolitik.scenario.loader import load_any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "reference" / "decide"
OUT = ROOT / "bench_out"
VENV = OUT / "decide-venv"
FILES = ("sample_data.txt", "copenhagen.csv", "cop21.csv")
ROUNDS = 10
ALTERNATIONS = 20  # of the current code and REV under --against
DECIDE = "decide-exchange-model==2022.1.28"
DECIDE_DEPS = ("numpy", "pandas", "blinker", "peewee", "typesystem==0.2.5", "matplotlib")

DRIVER = r'''
import json, logging, random, sys, time
logging.disable(logging.CRITICAL)
from decide.data.modelfactory import ModelFactory
from decide.data.reader import InputDataFile
from decide.model.equalgain import EqualGainModel
from decide.model.observers.observer import Observable
from decide.model.utils import ModelLoop

path, first, runs, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
factory = ModelFactory(InputDataFile.open(path))
out = []
for r in range(first, first + runs):
    random.seed(r)
    t0 = time.perf_counter()
    model = factory(model_klass=EqualGainModel, randomized_value=None)
    loop = ModelLoop(model, Observable(model_ref=model, output_directory="."), r)
    for _ in range(rounds):
        loop.loop()
    seconds = time.perf_counter() - t0
    out.append({"seconds": seconds, "outcome": {k.name: float(v) for k, v in model.nbs.items()}})
json.dump(out, sys.stdout)
'''


def decide_python() -> Path:
    """The decide venv's interpreter, creating the venv on first use."""
    py = VENV / "bin" / "python"
    if py.exists():
        return py
    print(f"creating {VENV} with {DECIDE} ...", file=sys.stderr)
    OUT.mkdir(exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    pip = [str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--no-deps", DECIDE], check=True)
    subprocess.run([*pip, *DECIDE_DEPS], check=True)
    return py


def _driver() -> Path:
    driver = OUT / "decide_driver.py"
    driver.write_text(DRIVER, encoding="utf-8")
    return driver


def run_decide(py: Path, path: Path, first: int, runs: int) -> list[dict]:
    """``runs`` decide runs in one process, Python's random seeded first, first + 1, ..."""
    cmd = [str(py), str(_driver()), str(path), str(first), str(runs), str(ROUNDS)]
    res = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=OUT)
    return json.loads(res.stdout)


def decide_runs(py: Path, path: Path, runs: int, workers: int) -> list[dict]:
    """``runs`` decide runs (seeds 0, 1, ...) split over ``workers`` processes."""
    driver = _driver()
    bounds = [k * runs // workers for k in range(workers + 1)]
    procs = [
        subprocess.Popen(
            [str(py), str(driver), str(path), str(lo), str(hi - lo), str(ROUNDS)],
            stdout=subprocess.PIPE, text=True, cwd=OUT,
        )  # fmt: skip
        for lo, hi in zip(bounds, bounds[1:], strict=False)
        if hi > lo
    ]
    out: list[dict] = []
    for proc in procs:
        stdout, _ = proc.communicate()
        if proc.returncode:
            raise RuntimeError(f"decide failed on {path.name}")
        out += json.loads(stdout)
    return out


def normalised(path: Path, outcomes: np.ndarray) -> tuple[list[str], np.ndarray]:
    inp = linkage_inputs(load_any(path))
    return inp.issues, (outcomes - inp.lower) / (inp.upper - inp.lower) * 100


def our_runs(path: Path, runs: int, workers: int, seed: int = 2024) -> np.ndarray:
    inp = linkage_inputs(load_any(path))
    seeds = np.random.SeedSequence(seed).spawn(runs)
    with ProcessPoolExecutor(workers) as ex:
        res = list(ex.map(run_exchange, [inp] * runs, [ROUNDS] * runs, seeds, chunksize=8))
    return np.stack([r.compromise[-1] for r in res])


def seconds(run: Callable[[np.random.SeedSequence], object], runs: int) -> list[float]:
    """Seconds of ``run(seed)`` for each of ``runs`` fixed seeds."""
    times = []
    for s in np.random.SeedSequence(99).spawn(runs):
        t0 = time.perf_counter()
        run(s)
        times.append(time.perf_counter() - t0)
    return times


def our_seconds(path: Path, runs: int) -> list[float]:
    inp = linkage_inputs(load_any(path))
    return seconds(lambda s: run_exchange(inp, ROUNDS, s), runs)


def versus(rev: ModuleType, path: Path) -> tuple[float, float, float, float, float]:
    """Seconds per run (now, REV) and REV / now (median, quartiles) on one file: the current
    code and REV's ``equal_gain_exchange`` alternating in this process."""
    from realpolitik.models.exchange import equal_gain_exchange

    inp = linkage_inputs(load_any(path))
    args = (inp.positions, inp.salience, inp.power, inp.lower, inp.upper)
    versions = (equal_gain_exchange, rev.equal_gain_exchange)
    for run in versions:
        run(*args, rounds=ROUNDS, seed=0)  # warm-up
    medians: list[list[float]] = [[], []]
    for _ in range(ALTERNATIONS):
        for run, out in zip(versions, medians, strict=True):
            times = seconds(lambda s, run=run: run(*args, rounds=ROUNDS, seed=s), 10)
            out.append(float(np.median(times)))
    now, old = np.array(medians)
    q1, q2, q3 = np.percentile(old / now, [25, 50, 75])
    return float(np.median(now)), float(np.median(old)), float(q2), float(q1), float(q3)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="20 decide runs per file")
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--decide-runs", type=int, default=None, help="decide runs per file")
    ap.add_argument("--our-runs", type=int, default=None, help="realpolitik runs per file")
    ap.add_argument("--against", metavar="REV", help="also time git revision REV's model")
    args = ap.parse_args()
    rev = None
    if args.against:
        from against import checkout, describe, load_renamed  # (beside this script)

        rev = load_renamed(checkout(args.against), "realpolitik.models.exchange")
        print(f"against {describe(args.against)}")
    py = decide_python()
    quick = args.quick
    print(
        f"exchange model vs decide 2022.1.28, {ROUNDS} rounds; {os.cpu_count()} CPUs, "
        f"{args.workers} workers, numpy {np.__version__}, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    ok = True
    speed_rows = []
    against_rows: list[tuple[str, float, float, float, float, float, float]] = []
    for name in FILES:
        path = DATA / name
        big = name == "cop21.csv"
        n_dec = args.decide_runs or (20 if quick else 200)
        n_our = args.our_runs or (100 if quick else 1000)
        # speed first, serially, while nothing else of ours runs
        n_time = 3 if big else 10
        dec_t = [d["seconds"] for d in run_decide(py, path, 10_000, n_time)]
        our_t = our_seconds(path, 20)
        ratio = float(np.median(dec_t) / np.median(our_t))
        speed_rows.append((name, float(np.median(dec_t)), float(np.median(our_t)), ratio))
        print(f"speed on {name}: decide / realpolitik {ratio:.0f} x", flush=True)
        if rev is not None:
            against_rows.append((name, float(np.median(dec_t)), *versus(rev, path)))
            _, _, now, old, ratio, _, _ = against_rows[-1]
            print(f"  against {args.against}: {now:.4f} s now, {old:.4f} s REV ({ratio:.3f})",
                  flush=True)
        # agreement
        dec = decide_runs(py, path, n_dec, args.workers)
        issues = list(dec[0]["outcome"])
        dmat = np.array([[d["outcome"][i] for i in issues] for d in dec])
        our_issues, omat = normalised(path, our_runs(path, n_our, args.workers))
        assert our_issues == issues, (our_issues, issues)
        print(f"\n### {name}: {n_our} runs of realpolitik, {n_dec} runs of decide\n")
        print("| issue | realpolitik | decide | difference | s.e. |")
        print("|---|---:|---:|---:|---:|")
        worst = 0.0
        for k, issue in enumerate(issues):
            o, d = omat[:, k], dmat[:, k]
            diff = o.mean() - d.mean()
            se = np.sqrt(o.var(ddof=1) / o.size + d.var(ddof=1) / d.size)
            worst = max(worst, abs(diff))
            print(f"| {issue} | {o.mean():.2f} | {d.mean():.2f} | {diff:+.2f} | {se:.2f} |")
        verdict = "within 1.0" if worst <= 1.0 else "NOT within 1.0"
        if n_dec < 100:
            verdict += f" (only {n_dec} decide runs: the standard errors above decide, not 1.0)"
        if name == "copenhagen.csv":  # the must-show case decides the exit status
            ok &= worst <= 1.0
        print(f"\nlargest difference {worst:.2f} points: {verdict}")
    print("\n### Speed: seconds per run of 10 rounds (median), same machine, same run\n")
    print("| file | decide | realpolitik | decide / realpolitik |")
    print("|---|---:|---:|---:|")
    for name, d, o, r in speed_rows:
        print(f"| {name} | {d:.2f} | {o:.3f} | {r:.0f} x |")
    cop = dict((n, r) for n, _, _, r in speed_rows)
    print(
        f"\ntargets: copenhagen >= 20 x required, 50 x targeted ({cop['copenhagen.csv']:.0f} x); "
        f"cop21 >= 50 x ({cop['cop21.csv']:.0f} x); load average {os.getloadavg()[0]:.2f}"
    )
    ok &= cop["copenhagen.csv"] >= 20
    if against_rows:
        print(f"\n### Against {args.against}: seconds per run (median of {ALTERNATIONS} "
              "alternations in one process, 10 runs each)\n")
        print("| file | now | REV | REV / now (quartiles) | decide / now | decide / REV |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, d, now, old, ratio, lo, hi in against_rows:
            print(
                f"| {name} | {now:.4f} | {old:.4f} | {ratio:.3f} ({lo:.3f}-{hi:.3f}) "
                f"| {d / now:.0f} x | {d / old:.0f} x |"
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
