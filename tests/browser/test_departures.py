"""A page closed while its job runs stops the job at once, not when Bokeh discards the session.

A small page served in this process (``pn.serve``) whose job runs until cancelled; Bokeh is told to keep unused
sessions for ten minutes, so only explorer/ui/departures.py can stop the job within the test's wait.
"""
import socket
import threading
import time

import panel as pn
import pytest

from explorer.ui.live import LiveJob


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _until(condition, timeout=60.0):
    deadline = time.time() + timeout
    while not condition():
        if time.time() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.fixture
def served_jobs():
    """URL of a served page whose job runs until cancelled, and the list of its sessions' records."""
    records = []

    def app():
        doc = pn.state.curdoc
        record = {"job": LiveJob(), "started": threading.Event(), "cancelled": threading.Event()}
        records.append(record)

        def work(report, cancel):
            record["started"].set()
            while not cancel.is_set():
                time.sleep(0.01)
            record["destroyed_at_cancel"] = doc.session_context.session.destroyed
            record["cancelled"].set()

        pn.state.onload(lambda: record["job"].submit(work, label="training"))
        return pn.pane.Markdown("a page that trains until it is closed")

    port = _free_port()
    server = pn.serve({"trains": app}, port=port, address="127.0.0.1", websocket_origin=f"127.0.0.1:{port}",
                      show=False, threaded=True, unused_session_lifetime_milliseconds=600_000,
                      check_unused_sessions_milliseconds=600_000)
    assert _until(lambda: _connects(port)), "the test server did not start"
    yield f"http://127.0.0.1:{port}/trains", records
    server.stop()


def _connects(port) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def test_a_closed_page_stops_its_job_before_its_session_is_discarded(browser, served_jobs):
    url, records = served_jobs
    context = browser.new_context()
    leaving, staying = context.new_page(), context.new_page()
    leaving.goto(url)
    assert _until(lambda: len(records) == 1 and records[0]["started"].is_set()), "the first page's job never started"
    staying.goto(url)
    assert _until(lambda: len(records) == 2 and records[1]["started"].is_set()), "the second page's job never started"
    first, second = records
    assert _until(lambda: first["job"]._connected and second["job"]._connected), "the pages' sockets were not seen"

    leaving.close()
    assert first["cancelled"].wait(60), "the closed page's job still runs"
    assert first["destroyed_at_cancel"] is False   # stopped by the departure, not by Bokeh's session clean-up
    assert _until(lambda: first["job"].closed and not first["job"].running)

    time.sleep(1.5)   # three more looks of the watcher: the page that stayed keeps its job
    assert not second["cancelled"].is_set() and second["job"].running and not second["job"].closed
    staying.close()
    assert second["cancelled"].wait(60)
    context.close()
