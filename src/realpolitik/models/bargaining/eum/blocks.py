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
    """A scratch array of this shape, reused across calls that share ``bufs`` (one thread): its
    contents are undefined, and the next call with the same name may overwrite them."""
    size = math.prod(shape)
    flat = bufs.get(name)
    if flat is None or flat.size < size or flat.dtype != dtype:
        fresh: np.ndarray = np.empty(shape, dtype=dtype)
        bufs[name] = fresh.reshape(-1)
        return fresh
    return flat[:size].reshape(shape)


#: fn(i0, i1, scratch): fills the rows i0:i1 of its outputs
BlockTask = Callable[[int, int, Scratch], None]


def run_blocks(task: BlockTask, n: int, step: int, buffers: list[Scratch]) -> None:
    """Apply ``task`` to the row blocks [i0, i0 + step) of 0..n, in up to ``len(buffers)``
    threads, thread k with the scratch buffers ``buffers[k]`` (kept by the caller from pass to
    pass, so that a round allocates nothing); tasks write disjoint rows of their outputs, so the
    result does not depend on the number of threads."""
    blocks = [(i0, min(n, i0 + step)) for i0 in range(0, n, step)]
    workers = min(len(buffers), len(blocks))
    if workers == 1:
        _run_share(task, blocks, buffers[0])
        return
    with ThreadPoolExecutor(workers) as pool:
        futures = [
            pool.submit(_run_share, task, blocks[k::workers], buffers[k]) for k in range(workers)
        ]
        for future in futures:
            future.result()


def _run_share(task: BlockTask, blocks: list[tuple[int, int]], buffers: Scratch) -> None:
    with np.errstate(divide="ignore", invalid="ignore"):  # errstate is per thread
        for i0, i1 in blocks:
            task(i0, i1, buffers)


def near_pairs(ys: F64, i0: int, i1: int, radius: float) -> tuple[I64, I64]:
    """Row offsets (within the block) and columns of the pairs i in [i0, i1), j with
    |y_i - y_j| <= radius, plus a margin of 1e-9 radius (callers filter exactly). Sorted ys."""
    pad = radius * (1.0 + 1e-9)
    block = ys[i0:i1]
    lo = ys.searchsorted(block - pad, side="left")
    hi = ys.searchsorted(block + pad, side="right")
    count = hi - lo
    total = int(count.sum())
    if total == i1 - i0:  # each i near itself only (the usual case for a small radius)
        return np.arange(total), np.arange(i0, i1)
    rows = np.arange(i1 - i0).repeat(count)
    cols = np.arange(total) + (lo - (count.cumsum() - count)).repeat(count)
    return rows, cols
