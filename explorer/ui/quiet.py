"""Which pages of this server are still opening, so that work that can wait lets them open first.

A served app runs on one event loop; what it does while a new page is being built and sent delays that page.
Work that can wait — a page's secondary cards (:meth:`explorer.ui.shell.StudyShell.once_shown`), full garbage
collections (:mod:`explorer.ui.heap`) — asks :func:`busy` first. A page counts as opening from the start of its
build (:func:`opening`) until it is up in its browser (:func:`opened`), or for :data:`MAX_OPENING_S` at most
(a request whose browser never connects does not hold the server's other work back for long).

Measured on this 2-core machine (2026-12-03): a new tab opened in a browser right after another page of the app
had shown got its HTML after 1.1–1.4 s instead of 0.63 s and showed its stored default after 2.0–2.25 s
instead of 1.5–1.6 s, because the server was building the first page's secondary cards (0.5 s) meanwhile.
Nothing here names a study.
"""
from __future__ import annotations

import threading
import time

MAX_OPENING_S = 10.0   #: a page not up after this long no longer counts as opening

_LOCK = threading.Lock()
_opening: dict[int, float] = {}   # id(page) -> time.monotonic() its build started
_last_start = 0.0


def opening(page) -> None:
    """``page`` started being built (in a served session: a tab closed before its page was up stops counting
    when its session goes, not :data:`MAX_OPENING_S` later)."""
    global _last_start
    import panel as pn

    from .session import served

    now = time.monotonic()
    with _LOCK:
        _opening[id(page)] = now
        _last_start = now
    if served():
        pn.state.on_session_destroyed(lambda ctx: opened(page))


def opened(page) -> None:
    """``page`` is up in its browser (or gone)."""
    with _LOCK:
        _opening.pop(id(page), None)


def busy(exclude=None, now: float | None = None) -> bool:
    """Whether a page other than ``exclude`` is opening."""
    now = time.monotonic() if now is None else now
    with _LOCK:
        for key, start in list(_opening.items()):
            if now - start > MAX_OPENING_S:
                del _opening[key]
            elif exclude is None or key != id(exclude):
                return True
    return False


def last_start() -> float:
    """``time.monotonic()`` when the newest page started being built (0 if none has)."""
    return _last_start


def forget() -> None:
    """No page is opening (tests)."""
    with _LOCK:
        _opening.clear()
