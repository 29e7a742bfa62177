"""Run work off the server's event loop and bring its progress back to the page.

One :class:`LiveJob` per session runs at most one job at a time in a background thread; asking for a new one
cancels the stale one (a ``threading.Event`` the runner checks every batch). Progress events and the final
answer are handed back to the session's event loop (``pn.state.execute`` with the session's document
held, i.e. ``doc.add_next_tick_callback``), where it is safe to touch widgets and stream to plots; in a
notebook, where there is no server loop, they are applied directly. Jobs from stale generations are dropped.

Training is CPU-bound and this machine may have two cores, so at most ``EXPLORER_APP_WORKERS`` (default 1)
trainings run at once in a server process (:func:`training_slot`, the one place that knows); other sessions
wait in line (loading stored runs never waits). Nothing here names a study.
"""
from __future__ import annotations

import contextlib
import logging
import os
import threading
from functools import partial

import param
import panel as pn
from panel.io.state import set_curdoc

from ..core.cancel import Cancelled
from ..core.config import ConfigError
from ..store.catalogue import StoreError
from . import heap
from .departures import connections, watch
from .session import served

log = logging.getLogger("explorer.ui")

TRAINING_SLOTS = threading.BoundedSemaphore(max(1, int(os.environ.get("EXPLORER_APP_WORKERS", "1"))))


def _is_cancelled(exc) -> bool:
    return isinstance(exc, Cancelled)


_WARM = threading.Event()


_WARMERS: list = []


def add_warmer(work) -> None:
    """Register a study's warm-up (its page calls this with e.g. "import the engine, load the data")."""
    if work not in _WARMERS:
        _WARMERS.append(work)


def warm_engine() -> None:
    """Run every registered warm-up, so that the first setting someone asks for starts training at once."""
    for work in list(_WARMERS):
        work()


def warm_up() -> None:
    """:func:`warm_engine` in a background thread, once per process (a no-op when ``apps/setup.py`` did it
    before the server opened)."""
    if _WARM.is_set():
        return
    _WARM.set()

    def work():
        try:
            warm_engine()
        except Exception:  # noqa: BLE001 — a failed warm-up only means a slower first run
            log.debug("warm-up failed", exc_info=True)

    threading.Thread(target=work, name="explorer-warm-up", daemon=True).start()


def mark_warm() -> None:
    """Record that the engine was warmed before the server started (see ``apps/setup.py``)."""
    _WARM.set()


#: who holds the training slots now (each holder's ``owner``: a page's job)
_HOLDERS: list = []


@contextlib.contextmanager
def training_slot(cancel: threading.Event, on_wait=None, owner=None):
    """Hold one of the server's training slots for the ``with`` block.

    ``on_wait(own)`` is called only when every slot is taken (so a page says "waiting" only when something else
    really trains), with ``own`` true when ``owner`` itself holds one (the page's own run, cancelled and still
    stopping: a page with no other session said it waited for "another session's training"); raises
    :class:`Cancelled` if ``cancel`` is set while waiting.
    """
    if not TRAINING_SLOTS.acquire(blocking=False):
        if on_wait is not None:
            on_wait(owner is not None and owner in _HOLDERS)
        while not TRAINING_SLOTS.acquire(timeout=0.1):
            if cancel.is_set():
                raise Cancelled("cancelled while waiting for a training slot")
    _HOLDERS.append(owner)
    try:
        yield
    finally:
        _HOLDERS.remove(owner)
        TRAINING_SLOTS.release()


class LiveJob(param.Parameterized):
    """State of the session's background job, for widgets to show."""

    running = param.Boolean(False, doc="A job is in progress.")
    stage = param.String("", doc="What the job is doing, in words.")
    error = param.String("", doc="Why the last job failed (one sentence); empty when it did not.")

    def __init__(self, **params):
        super().__init__(**params)
        self._doc = pn.state.curdoc  # the session's document; None in plain Python
        self._generation = 0
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self.closed = False   #: the session's page has gone: nothing more is sent to it
        self._connected = False   #: the page's websocket has been seen open
        if self.on_server:
            pn.state.on_session_destroyed(lambda ctx: self.close())
            watch(self)   # a closed tab stops its run at once, not when Bokeh discards the session (15-32 s)

    def close(self):
        """The page was closed: cancel the job and drop every callback still queued for the page, then give
        the freed memory back (a destroyed session's models are garbage only after a collection, and glibc
        keeps freed arenas unless asked)."""
        self.closed = True
        self.cancel()
        self._doc = None
        heap.release_soon()

    def check_page(self):
        """Called every half second from :mod:`explorer.ui.departures`' thread: if the page has gone while a job
        runs, stop the job now (the cancel flag is thread-safe; the training slot is free within one batch) and
        close on the session's own event loop."""
        doc = self._doc
        if self.closed or doc is None:
            return
        count = connections(doc)
        if count:
            self._connected = True
        elif count == 0 and self._connected and self.running and not self._cancel.is_set():
            log.info("a page closed while its job ran: the job is cancelled")
            self._cancel.set()

            def gone():
                with set_curdoc(doc):
                    self.close()

            try:
                doc.add_next_tick_callback(gone)
            except Exception:  # noqa: BLE001 — the session was destroyed meanwhile, and that closed the job
                self.closed = True

    # ------------------------------------------------------------------ called on the event loop
    def submit(self, work, on_event=None, on_done=None, label: str = "working"):
        """Run ``work(report, cancel)`` in a thread; ``report(event)`` forwards to ``on_event(event)`` and the
        return value goes to ``on_done(value)``, both on the event loop, unless a newer job replaced this one."""
        with self._lock:
            self._cancel.set()
            self._generation += 1
            generation, cancel = self._generation, threading.Event()
            self._cancel = cancel
        if self._doc is not None and connections(self._doc):
            self._connected = True   # seen here too: a page closed before the watcher's next look still counts
        self.param.update(running=True, stage=label, error="")
        thread = threading.Thread(target=self._run, args=(generation, cancel, work, on_event, on_done),
                                  name=f"explorer-job-{generation}", daemon=True)
        thread.start()
        return thread

    def background(self, work, on_done):
        """Run a quick side task (e.g. reading the store for the overview) without touching the main job."""
        def run():
            try:
                value = work()
            except Exception:  # noqa: BLE001 — a side view that fails to refresh keeps its old content
                log.exception("background task failed")
                return
            self._schedule(partial(on_done, value))

        threading.Thread(target=run, name="explorer-side", daemon=True).start()

    def later(self, callback, delay_ms: int = 30):
        """Run ``callback`` on the session's event loop ``delay_ms`` from now (at once, outside a server).

        A timeout rather than the next tick: on the next tick the secondary plots' work ran before the main
        plot's patch had left the server, and a slider move's new curve reached the page ~50 ms later.
        """
        self._schedule(callback, delay_ms)

    def cancel(self):
        """Stop the current job (it raises Cancelled inside the runner; nothing half-done is stored)."""
        with self._lock:
            self._cancel.set()
            self._generation += 1
        if self.error:   # what failed before is not this setting's news
            self.error = ""
        if self.running:
            if self.closed:
                self.running = False
            else:
                self._schedule(lambda: self.param.update(running=False, stage="cancelled"))

    def current(self, generation) -> bool:
        return generation == self._generation

    @property
    def generation(self) -> int:
        """The number of the newest job (a cancel counts as one): :meth:`current` tells whether it still is."""
        return self._generation

    # ------------------------------------------------------------------ the worker thread
    def _run(self, generation, cancel, work, on_event, on_done):
        def report(event):
            if not cancel.is_set():
                self._schedule(partial(self._event, generation, on_event, event))

        try:
            value = work(report, cancel)
        except Exception as exc:  # noqa: BLE001 — every failure becomes one sentence on the page
            if cancel.is_set() or _is_cancelled(exc):
                return
            if isinstance(exc, (ConfigError, StoreError, FloatingPointError)):   # what a user can cause: said
                message = str(exc)
            else:
                log.exception("background job failed")
                message = f"the run failed: {exc}" if str(exc) else f"the run failed ({type(exc).__name__})."
            self._schedule(partial(self._failed, generation, message))
            return
        if not cancel.is_set():
            self._schedule(partial(self._done, generation, on_done, value))

    @property
    def on_server(self) -> bool:
        """Whether callbacks go to a served session's event loop (else :meth:`later` runs them at once)."""
        return self._doc is not None and served(self._doc)

    def _schedule(self, callback, delay_ms: int = 0):
        """Run ``callback`` on the session's event loop: next tick, or ``delay_ms`` later (now, outside a server)."""
        if self.closed:   # a closed tab: sending to it would end in WebSocketClosedError
            return
        doc = self._doc
        if not self.on_server:
            callback()
            return

        def run():
            if self.closed:
                return
            try:
                with set_curdoc(doc):
                    callback()
            except Exception as exc:  # noqa: BLE001 — a page closed mid-update is not an error
                if self.closed or type(exc).__name__ in ("WebSocketClosedError", "StreamClosedError"):
                    return
                log.exception("page update failed")

        try:
            if delay_ms:
                doc.add_timeout_callback(run, delay_ms)
            else:
                with set_curdoc(doc):
                    pn.state.execute(run, schedule=True)
        except Exception:  # noqa: BLE001 — the document is gone (session destroyed meanwhile)
            self.closed = True

    # ------------------------------------------------------------------ back on the event loop
    def _event(self, generation, on_event, event):
        if not self.current(generation):
            return
        if on_event is not None:
            on_event(event)

    def _done(self, generation, on_done, value):
        if not self.current(generation):
            return
        self.param.update(running=False, stage="done")
        if on_done is not None:
            on_done(value)

    def _failed(self, generation, message):
        if not self.current(generation):
            return
        self.param.update(running=False, stage="failed", error=message)
