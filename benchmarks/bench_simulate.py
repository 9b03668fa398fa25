"""Draws per second of ``realpolitik simulate`` on the bundled scenario: the vectorised blocks
with 1 and 2 worker processes, the scaling efficiency, and the ratio against the per-draw path
(every model called once per draw, the EUM issue by issue on the tuned kernel: the code before
the blocks), measured in the same run.

    .venv/bin/python benchmarks/bench_simulate.py                 # 1,000 draws
    .venv/bin/python benchmarks/bench_simulate.py --draws 200 --reference 20

Only the draws are timed (``run_draws``: every bargaining model, the exchange model and the
alignment on each draw), not the Sobol runs. The pool is started and warmed before it is timed.
The machine may be shared: the load average is printed before and after; compare the ratios.
Target (issue 12): 1,000 draws in under 10 s on 2 cores (goal 2 s), >= 80% efficiency 1 -> 2.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from realpolitik.analysis import registry
from realpolitik.analysis.draws import DrawBlock, _forecast_stage, _stages, design, run_draws
from realpolitik.analysis.forecast import MODELS
from realpolitik.analysis.links import forecast_linked
from realpolitik.cli.simulate import draw_chunk
from realpolitik.scenario.inputs import with_values
from realpolitik.scenario.loader import load_any
from realpolitik.scenario.schema import Scenario

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "northeast-asia-2018.toml"


def per_draw(scenario: Scenario, values: dict[str, float], seed: int) -> None:
    """The per-draw path: the scenario with the draw's values, each issue's models one by one
    (links in order), then the exchange model and the alignment."""
    sc = with_values(scenario, values, field="draw")
    sc = forecast_linked(sc, MODELS).scenario
    for name in ("exchange", "landscape"):
        run = registry.get(name).scenario_run
        assert run is not None
        run(sc, seed)


def reference_rate(scenario: Scenario, draws: int, seed: int) -> float:
    plan = design(scenario, draws, seed)
    batch_max = registry.BATCH_MAX_ACTORS
    registry.BATCH_MAX_ACTORS = 0  # every EUM run on the tuned kernel, one issue at a time
    try:
        t0 = time.perf_counter()
        for k in range(draws):
            per_draw(scenario, plan.draw(k), plan.seeds[k])
        return draws / (time.perf_counter() - t0)
    finally:
        registry.BATCH_MAX_ACTORS = batch_max


def block_rate(scenario: Scenario, draws: int, seed: int, workers: int) -> tuple[float, float]:
    """(draws per wall second, CPU seconds per draw summed over the processes that ran them)."""
    plan = design(scenario, draws, seed)
    chunk = draw_chunk(draws, workers)
    if workers == 1:
        t0, c0 = time.perf_counter(), time.process_time()
        run_draws(scenario, plan, MODELS, None, chunk=chunk)
        return draws / (time.perf_counter() - t0), (time.process_time() - c0) / draws
    pool = ProcessPoolExecutor(workers)
    run_draws(scenario, design(scenario, 2 * workers, seed + 1), MODELS, pool, chunk=1)
    t0 = time.perf_counter()
    run_draws(scenario, plan, MODELS, pool, chunk=chunk)
    rate = draws / (time.perf_counter() - t0)
    before = _children_cpu()
    pool.shutdown()
    # the workers' CPU (counted when they exit), warm-up included, so an upper bound
    return rate, (_children_cpu() - before) / draws


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def breakdown(scenario: Scenario, draws: int, seed: int) -> dict[str, float]:
    """Milliseconds per draw of the bargaining models (blocks of ``draws``), the exchange model
    and the alignment (per draw) on one process."""
    plan = design(scenario, draws, seed)
    block = DrawBlock(scenario, plan.paths, plan.values)
    t0 = time.perf_counter()
    for stage in _stages(scenario):
        _forecast_stage(block, stage, MODELS)
    out = {"bargaining models": (time.perf_counter() - t0) / draws}
    sample = min(draws, 32)
    values = [block.values_of(d, list(plan.paths)) for d in range(sample)]
    seeds = list(plan.seeds[:sample])
    runs = registry.get("exchange").scenario_runs
    assert runs is not None
    t0 = time.perf_counter()
    runs(scenario, seeds, values)  # (the draws together, as simulate runs them)
    out["exchange"] = (time.perf_counter() - t0) / sample
    run = registry.get("landscape").scenario_run
    assert run is not None
    t0 = time.perf_counter()
    for d in range(sample):
        run(scenario, seeds[d], values[d])
    out["landscape"] = (time.perf_counter() - t0) / sample
    return {k: 1000 * v for k, v in out.items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--reference", type=int, default=40, help="draws timed on the per-draw path")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    scenario = load_any(SCENARIO)
    print(f"bundled scenario: {len(scenario.issues)} issues, {len(scenario.actors)} actors, "
          f"{len(scenario.links)} links; models {', '.join(MODELS)}, exchange, landscape")
    print(f"cpus {os.cpu_count()}, load average before {os.getloadavg()[0]:.2f}")
    ref = reference_rate(scenario, args.reference, args.seed)
    one, cpu_one = block_rate(scenario, args.draws, args.seed, 1)
    two, cpu_two = block_rate(scenario, args.draws, args.seed, 2)
    print(f"per-draw path, 1 worker:  {ref:8.1f} draws/s ({args.reference} draws)")
    print(f"blocks, 1 worker:         {one:8.1f} draws/s ({args.draws} draws, "
          f"{args.draws / one:.1f} s)  x{one / ref:.1f} the per-draw path")
    print(f"blocks, 2 workers:        {two:8.1f} draws/s ({args.draws} draws, "
          f"{args.draws / two:.1f} s)  x{two / ref:.1f} the per-draw path")
    print(f"scaling efficiency 1 -> 2 workers: {two / one / 2:.0%}")
    print(f"1,000 draws on 2 workers: {1000 / two:.1f} s (target 10 s, goal 2 s)")
    print(f"CPU per 1,000 draws: {1000 * cpu_one:.1f} s in one process, {1000 * cpu_two:.1f} s "
          f"over 2 workers (warm-up included); on 2 idle cores about {500 * cpu_two:.1f} s")
    parts = breakdown(scenario, min(args.draws, 128), args.seed)
    print("ms per draw, 1 process: " + ", ".join(f"{k} {v:.1f}" for k, v in parts.items()))
    print(f"load average after {os.getloadavg()[0]:.2f}")
    return 0 if np.isfinite(two) else 1


if __name__ == "__main__":
    sys.exit(main())
