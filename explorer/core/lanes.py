"""Independent parts of one run trained at once, one thread each ("lanes").

Some runs hold parts that never touch each other until they are measured side by side — e.g. two
architectures trained on the same curriculum. Each part is still one batched ensemble (networks on a leading
dimension); lanes only let two such ensembles use two cores. Every part computes exactly what it computes
alone (its own generators, one intra-op thread), so the numbers do not depend on the number of lanes.

How many: ``$EXPLORER_LANES``, else the process default — 1, so that a served app keeps a core free for its
pages while a run trains; the command line raises it to 2 where the machine has two cores or more
(``explorer run`` is the only job of its process). PyTorch's kernels release the GIL, so two lanes of small
kernels run ≈ 1.7× faster than one after the other on two cores (docs/performance.md).
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Callable

from .cancel import is_set

__all__ = ["lanes", "set_default_lanes", "run_lanes"]

_DEFAULT = 1


def set_default_lanes(n: int) -> None:
    """The process default when ``$EXPLORER_LANES`` is unset (the CLI sets 2 on a multi-core machine)."""
    global _DEFAULT
    _DEFAULT = max(1, int(n))


def lanes() -> int:
    """How many independent parts of a run may train at once."""
    try:
        return max(1, int(os.environ.get("EXPLORER_LANES", _DEFAULT)))
    except ValueError:
        return _DEFAULT


class _Either:
    """A cancel flag set when the caller's is, or when another lane failed."""

    def __init__(self, cancel):
        self.cancel, self.failed = cancel, threading.Event()

    def is_set(self) -> bool:
        return self.failed.is_set() or is_set(self.cancel)


def run_lanes(jobs: dict[str, Callable], cancel=None) -> dict:
    """``{name: job(cancel)}`` for every job, up to :func:`lanes` at a time, in the order given when one lane.
    The first failure (an exception, or :class:`~explorer.core.cancel.Cancelled`) stops the other lanes at their
    next check and is raised once they have stopped."""
    if lanes() <= 1 or len(jobs) <= 1:
        return {name: job(cancel) for name, job in jobs.items()}
    flag = _Either(cancel)

    def guarded(job):
        try:
            return job(flag)
        except BaseException:
            flag.failed.set()
            raise

    pool = ThreadPoolExecutor(min(lanes(), len(jobs)), thread_name_prefix="explorer-lane")
    try:
        futures = {name: pool.submit(guarded, job) for name, job in jobs.items()}
        wait(futures.values())
    except BaseException:   # Ctrl-C in the waiting thread: the lanes stop at their next check, before it goes on
        flag.failed.set()   # (lanes left training while Python shut down ended it in "terminate called …")
        raise
    finally:
        pool.shutdown(wait=True)
    errors = [f.exception() for f in futures.values() if f.exception() is not None]
    if errors:   # the lane that failed first, not the ones it stopped
        raise next((e for e in errors if type(e).__name__ != "Cancelled"), errors[0])
    return {name: f.result() for name, f in futures.items()}

