"""Row blocks of the fast form: their scratch buffers, running them in threads, and finding
the near pairs."""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from realpolitik.models.bargaining.eum.params import F64, I64

Scratch = dict[str, np.ndarray]  # scratch buffers of one thread, reused across row blocks


def scratch(bufs: Scratch, name: str, shape: tuple[int, ...], dtype: type) -> np.ndarray:
    """A scratch array of this shape, reused across calls that share ``bufs`` (one thread)."""
    size = math.prod(shape)
    flat = bufs.get(name)
    if flat is None or flat.size < size or flat.dtype != dtype:
        flat = np.empty(size, dtype=dtype)
        bufs[name] = flat
    return flat[:size].reshape(shape)


#: fn(i0, i1, scratch): fills the rows i0:i1 of its outputs
BlockTask = Callable[[int, int, Scratch], None]


def run_blocks(task: BlockTask, n: int, step: int, threads: int) -> None:
    """Apply ``task`` to the row blocks [i0, i0 + step) of 0..n, in up to ``threads`` threads
    that own their scratch buffers; tasks write disjoint rows of their outputs, so the result
    does not depend on the number of threads."""
    blocks = [(i0, min(n, i0 + step)) for i0 in range(0, n, step)]
    workers = min(threads, len(blocks))
    if workers == 1:
        _run_share(task, blocks)
        return
    with ThreadPoolExecutor(workers) as pool:
        futures = [pool.submit(_run_share, task, blocks[k::workers]) for k in range(workers)]
        for future in futures:
            future.result()


def _run_share(task: BlockTask, blocks: list[tuple[int, int]]) -> None:
    buffers: Scratch = {}
    with np.errstate(divide="ignore", invalid="ignore"):  # errstate is per thread
        for i0, i1 in blocks:
            task(i0, i1, buffers)


def near_pairs(ys: F64, i0: int, i1: int, radius: float) -> tuple[I64, I64]:
    """Row offsets (within the block) and columns of the pairs i in [i0, i1), j with
    |y_i - y_j| <= radius, plus a margin of 1e-9 radius (callers filter exactly). Sorted ys."""
    pad = radius * (1.0 + 1e-9)
    lo = np.searchsorted(ys, ys[i0:i1] - pad, side="left")
    hi = np.searchsorted(ys, ys[i0:i1] + pad, side="right")
    count = hi - lo
    rows = np.repeat(np.arange(i1 - i0), count)
    cols = np.arange(int(count.sum())) + np.repeat(lo - (np.cumsum(count) - count), count)
    return rows, cols
