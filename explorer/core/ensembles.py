"""Ensembles are the unit of work: configs that share a shape key train as one batched ensemble.

Every study's ``run_many`` is :func:`run_by_shape` around its own ``run_group(configs, on_progress, cancel)``,
which trains every seed of those configs together and returns one Result per config.
"""
from __future__ import annotations

import contextlib
import os


def by_shape(configs) -> list[list[int]]:
    """Indices of ``configs`` grouped by :meth:`~explorer.core.config.StudyConfig.shape_key`, first seen first."""
    groups: dict = {}
    for i, c in enumerate(configs):
        groups.setdefault(c.shape_key(), []).append(i)
    return list(groups.values())


def run_by_shape(configs, run_group, on_progress=None, cancel=None) -> list:
    """``run_group`` once per shape group (under :func:`compute_threads`); Results in the order of ``configs``."""
    configs = list(configs)
    out: list = [None] * len(configs)
    with compute_threads():
        for idx in by_shape(configs):
            for i, result in zip(idx, run_group([configs[i] for i in idx], on_progress, cancel), strict=True):
                out[i] = result
    return out


_HEAP_KEPT = False


def keep_freed_memory() -> None:
    """Let glibc keep freed memory for reuse instead of handing it back to the kernel (process-wide, once; a
    no-op off glibc). A training step allocates and frees many MB of temporaries; with glibc's defaults the
    freed heap top is trimmed after every step and the next step page-faults it back in (~2000 faults a step, a
    quarter of a BIMT step's time at 8 × 8). Allocations up to 32 MB stay on the heap, and up to 128 MB of free
    heap is kept; a served app still gives memory back when a session closes (an explicit ``malloc_trim``,
    :func:`explorer.ui.heap.release_memory`)."""
    global _HEAP_KEPT
    if _HEAP_KEPT:
        return
    _HEAP_KEPT = True
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        if hasattr(libc, "gnu_get_libc_version") and hasattr(libc, "mallopt"):
            libc.mallopt(-3, 32 << 20)                                  # M_MMAP_THRESHOLD
            libc.mallopt(-1, 128 << 20)                                 # M_TRIM_THRESHOLD
    except (OSError, TypeError):                                        # pragma: no cover - no C library
        pass


@contextlib.contextmanager
def compute_threads():
    """Intra-op threads for the engine: ``$EXPLORER_THREADS`` or 1.

    An ensemble step is many small kernels; on a 2-core machine a second intra-op thread costs more in
    synchronisation than it brings (benchmarks/bench_engine.py prints both), and one free core keeps a served
    app responsive while a run trains.
    """
    import torch

    keep_freed_memory()
    before = torch.get_num_threads()
    torch.set_num_threads(max(1, int(os.environ.get("EXPLORER_THREADS", "1"))))
    try:
        yield
    finally:
        torch.set_num_threads(before)
