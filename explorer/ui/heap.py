"""The served app's memory housekeeping, kept off the moments when a page is being built.

A served app holds a large heap (torch, HoloViews, Bokeh, the warmed engine); Python's full garbage collection
walks all of it while holding the server's one event loop, and the allocator starts one whenever enough objects
have piled up, which is most often while a page is being built. Measured on this 2-core machine (2026-12-03,
a new page opened every 5 s on a warm server): full collections took 0.24–0.42 s, and pages that met one showed
their stored default in 1.9–3.1 s instead of 1.5–1.6 s. ``apps/setup.py`` therefore, after its warm-up:

* :func:`settle_heap`: what the server holds from its start leaves the collector's generations
  (``gc.freeze``), so a full collection walks only what sessions made (0.04–0.17 s);
* :func:`collect_when_quiet`: the allocator no longer starts full collections (the young generations still
  collect as usual, in milliseconds); a daemon thread runs them, together with ``malloc_trim``, once no page is
  opening and none has started for :data:`QUIET_S` seconds (:mod:`explorer.ui.quiet`): after a session closed
  (its memory goes back to the system) and at least every :data:`FULL_EVERY_S` seconds; if pages keep
  starting, after :data:`LATEST_S` seconds at the latest.

Without the setup script (a notebook, a test, ``panel serve`` alone) nothing changes: Python collects as usual
and a closed session releases its memory at once. Nothing here names a study.
"""
from __future__ import annotations

import gc
import logging
import threading
import time

from . import quiet

QUIET_S = 2.0         #: seconds without a new page before a full collection may run
FULL_EVERY_S = 30.0   #: a full collection at least this often (when quiet)
LATEST_S = 120.0      #: …and after this long in any case, quiet or not

log = logging.getLogger("explorer.ui")

_RELEASING = threading.Lock()   # one release at a time
_closed = threading.Event()     # a session closed since the last release
_collector: threading.Thread | None = None


def settle_heap() -> int:
    """Collect, then move every object alive now out of the collector's reach (``gc.freeze``); returns how
    many. For a server process after its warm-up: modules and caches live as long as the process, and frozen
    objects are still freed by reference counting. Returns 0 where ``gc.freeze`` does not exist."""
    gc.collect()
    if not hasattr(gc, "freeze"):
        return 0
    gc.freeze()
    return gc.get_freeze_count()


def release_memory() -> None:
    """Collect garbage and return freed heap to the system (``malloc_trim``; a no-op off glibc)."""
    import ctypes

    if not _RELEASING.acquire(blocking=False):
        return
    try:
        gc.collect()
        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):
            pass
    finally:
        _RELEASING.release()


def _collecting() -> bool:
    return _collector is not None and _collector.is_alive()


def release_soon() -> None:
    """A session closed: give its memory back, at the collector's next quiet moment when it runs, else now."""
    if _collecting():
        _closed.set()
    else:
        release_memory()


def due(now: float, last_page: float, last_full: float, closed: bool, opening: bool = False) -> bool:
    """Whether the collector runs a full collection now (times in seconds on one clock; ``last_page``: when
    the newest page started being built; ``opening``: a page is still opening)."""
    if now - last_full >= LATEST_S:
        return True
    calm = not opening and now - last_page >= QUIET_S
    return calm and (closed or now - last_full >= FULL_EVERY_S)


def collect_when_quiet(check_s: float = 0.5) -> None:
    """Leave full collections to a daemon thread that runs them when no page is being built (once per
    process; see the module's text)."""
    global _collector
    if _collecting():
        return
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, 1_000_000_000)   # the allocator no longer starts full collections

    def run():
        last_full = time.monotonic()
        while True:   # never ends: with the allocator's full collections off, this thread is the only one
            time.sleep(check_s)
            now = time.monotonic()
            try:
                if due(now, quiet.last_start(), last_full, _closed.is_set(), quiet.busy(now=now)):
                    _closed.clear()
                    release_memory()
                    last_full = time.monotonic()
            except Exception:  # noqa: BLE001 — logged; the next turn tries again
                log.exception("garbage collection failed")

    _collector = threading.Thread(target=run, name="explorer-collector", daemon=True)
    _collector.start()
