"""Opt-in: a page closed while the server writes to it leaves no "Task exception was never retrieved" traceback.

Panel sends each document change as several websocket writes (``panel.io.document.dispatch_tornado`` calls
tornado's ``WebSocketHandler.write_message`` once per part, each returning a task) and awaits them later. When
the tab closes between two parts, the next call raises ``WebSocketClosedError`` at once, the tasks already made
for the earlier parts are dropped unawaited, and asyncio logs each as a traceback when it is collected ("Task
exception was never retrieved ... WebSocketClosedError": one per tab closed during an update, nine when a class
closed its tabs). Seen with ``PYTHONASYNCIODEBUG=1``, which names where each lost task was made. A closed page is
not an error: this wrapper retrieves every write's outcome when it completes — quietly for a closed socket, as
one warning line for anything else — and turns a write raised at once on a page already gone (tornado checks the
socket before it makes the future; a tab closed between two parts of one update: "WebSocketClosedError" with a
traceback from Panel's dispatch task, seen once in a full test run) into a finished write, so the server's log
shows only what needs attention.

Bokeh's keep-alive pings every connection; a ping to a tab that has just closed drops the connection's session
(``client_lost``), and when tornado then reports the close, Bokeh's ``WSHandler.on_close`` asks that connection for
its session and fails an assertion: a traceback in the log for a tab closed at the wrong moment (seen once in a
browser-test run on a busy machine). The Bokeh versions of :data:`.patches.BOKEH_VERSIONS` get an ``on_close``
that leaves a connection already dropped as it is.

Nothing applies this on import: the served app calls :func:`apply` from ``apps/setup.py``. It wraps
``tornado.websocket.WebSocketHandler.write_message`` of the tornado versions in :data:`TORNADO_VERSIONS` (whose
``write_message`` returns the write's future); on any other tornado it logs one line and does nothing.
"""
from __future__ import annotations

import logging

from .patches import bokeh_supported, version_of, written_for

log = logging.getLogger("explorer.ui")

#: tornado major versions whose ``WebSocketHandler.write_message`` returns a future (the wrapper relies on it).
TORNADO_VERSIONS = ("6",)
#: What a write to a page that has gone raises (tornado's names; matched by name, not imported).
CLOSED = ("WebSocketClosedError", "StreamClosedError")

_APPLIED = False


def supported(version: str | None = None) -> bool:
    """Whether this tornado (``tornado.version`` unless given) is one the wrapper was written for."""
    return written_for(version or version_of("tornado"), TORNADO_VERSIONS)


def retrieve(future) -> None:
    """A completed write's done-callback: take its exception, so asyncio never reports it as lost."""
    if future.cancelled():
        return
    exc = future.exception()
    if exc is not None and type(exc).__name__ not in CLOSED:
        log.warning("a websocket write failed: %s: %s", type(exc).__name__, exc)


def _gone(error):
    """A write called after its page went (tornado raises at once, not through the future): an already finished
    write, which Panel awaits with the others, in place of an exception escaping Panel's dispatch task (logged
    with a traceback). Anything else, or a call outside an event loop, raises as before."""
    import asyncio

    if type(error).__name__ not in CLOSED:
        raise error
    try:
        future = asyncio.get_running_loop().create_future()
    except RuntimeError:
        raise error from None
    future.set_result(None)
    return future


def apply() -> bool:
    """Install the wrapper once per process; returns whether it is active."""
    global _APPLIED
    if _APPLIED:
        return True
    import tornado
    from tornado.websocket import WebSocketHandler

    if not supported():
        log.warning("tornado %s is not one the websocket-write wrapper was written for (%s.x); a tab closed "
                    "during an update may leave a 'never retrieved' traceback in the log.", tornado.version,
                    ", ".join(TORNADO_VERSIONS))
        return False
    original = WebSocketHandler.write_message

    def write_message(self, message, binary=False):
        try:
            future = original(self, message, binary=binary)
        except Exception as e:
            return _gone(e)
        future.add_done_callback(retrieve)
        return future

    WebSocketHandler.write_message = write_message
    _guard_close()
    _APPLIED = True
    return True


def _guard_close() -> None:
    """Bokeh's ``WSHandler.on_close`` for a connection the keep-alive already dropped: logged, not asserted."""
    from bokeh.server.views.ws import WSHandler

    if not bokeh_supported():
        return
    original = WSHandler.on_close

    def on_close(self):
        connection = getattr(self, "connection", None)
        if connection is not None and getattr(connection, "_session", None) is None:
            log.info("WebSocket connection closed after the keep-alive dropped it: code=%s", self.close_code)
            return
        original(self)

    WSHandler.on_close = on_close
