"""Notice a page that has gone before the server does, so that its run stops at once.

Bokeh discards a session only after it has had no connection for ``--unused-session-lifetime`` (15 s by default,
looked at every 17 s); until then a closed tab's training went on, held the server's one training slot
(:func:`explorer.ui.live.training_slot`), and the next page said "Waiting for another session's training …":
measured 2026-12-04 on the served app, a page opened just after a training tab closed waited 22 s.

A browser that closes a tab closes its websocket, and Bokeh never attaches a new connection to an old session
(a reload makes a new one), so a session that has had a connection and has none left belongs to a page that has
gone. One daemon thread looks every :data:`POLL` seconds at the jobs it watches and hands those whose page has
gone to their ``page_gone()``. Nothing here names a study.
"""
from __future__ import annotations

import logging
import threading
import time
import weakref

log = logging.getLogger("explorer.ui")

POLL = 0.5   #: seconds between looks

_jobs: weakref.WeakSet = weakref.WeakSet()
_lock = threading.Lock()
_thread: threading.Thread | None = None


def connections(doc) -> int | None:
    """Open connections of ``doc``'s server session (0 once the session is destroyed); ``None`` when it has no
    server session (a notebook, or a session still being built)."""
    context = getattr(doc, "session_context", None)
    session = getattr(context, "session", None)
    if session is None:
        return None
    return 0 if session.destroyed else session.connection_count


def watch(job) -> None:
    """Look after ``job``: it has a ``check_page()`` that reads its page's connections and acts on them."""
    global _thread
    with _lock:
        _jobs.add(job)
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_loop, name="explorer-departures", daemon=True)
            _thread.start()


def _loop() -> None:
    while True:
        time.sleep(POLL)
        with _lock:
            jobs = list(_jobs)
        for job in jobs:
            try:
                job.check_page()
            except Exception:  # noqa: BLE001 — a page that cannot be looked at is left to Bokeh's own clean-up
                log.debug("could not look at a page's connections", exc_info=True)
