"""apps/setup.py (``panel serve … --setup apps/setup.py``) warms the engine once, before the server opens, and is
the only place the dependency patches are applied (importing explorer.ui changes no dependency): the Bokeh freeze
patch, the served pages' BokehJS bundles, the websocket writes to a closed tab and Bokeh's serialization."""
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CHECK = """
import runpy, sys
assert "torch._dynamo" not in sys.modules
import explorer.ui, explorer.studies.specialization.page
from explorer.ui import bundles, freeze, serialize, socket_writes
import panel.io.server, tornado.websocket
original, write = panel.io.server.bundle_resources, tornado.websocket.WebSocketHandler.write_message
assert not (freeze._APPLIED or bundles._APPLIED or socket_writes._APPLIED or serialize._APPLIED), \
    "importing the UI must not patch Bokeh or Panel"
runpy.run_path(sys.argv[1])
from explorer.ui import live
print(live._WARM.is_set(), "torch._dynamo" in sys.modules, "explorer.studies.specialization.run" in sys.modules,
      freeze._APPLIED == freeze.supported(), bundles._APPLIED == bundles.supported(),
      (panel.io.server.bundle_resources is not original) == bundles.supported(),
      (tornado.websocket.WebSocketHandler.write_message is not write) == socket_writes.supported()
      == socket_writes._APPLIED, serialize._APPLIED == serialize.supported())
import gc
from explorer.ui import heap
print(gc.get_freeze_count() > 100000, gc.get_threshold()[2] >= 10**9, heap._collector.is_alive())
"""


def test_setup_script_warms_the_engine_in_a_fresh_interpreter():
    out = subprocess.run([sys.executable, "-c", CHECK, str(ROOT / "apps" / "setup.py")], capture_output=True,
                         text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    # warm flag set (sessions start no second warm-up), the first optimizer's import paid, the engine loaded,
    # the patches applied where supported; the start-up heap frozen and full collections left to the collector
    assert out.stdout.split()[-11:] == ["True"] * 11


def _page_scripts(apply_wrapper: bool, monkeypatch) -> list[str]:
    """The script URLs of a served page's HTML for a document whose roots are an HTML pane and a plot."""
    import holoviews as hv
    import panel as pn
    import panel.io.server as server
    from bokeh.document import Document
    from bokeh.resources import Resources

    from explorer.ui import bundles

    monkeypatch.setattr(server, "bundle_resources", server.bundle_resources)   # restored after the test
    monkeypatch.setattr(hv.renderer("bokeh"), "webgl", hv.renderer("bokeh").webgl)
    monkeypatch.setattr(bundles, "_APPLIED", False)
    if apply_wrapper:
        assert bundles.apply()
    doc = Document()
    for root in (pn.pane.HTML("<b>ε</b>"), pn.pane.HoloViews(hv.Curve([1, 2]))):   # roots, as in a template
        root.server_doc(doc)
    return [str(f) for f in server.bundle_resources(doc.roots, Resources(mode="server", root_url="/")).js_files]


def test_served_pages_load_no_mathjax_or_webgl_bundle_and_plots_draw_on_canvas(monkeypatch):
    """Panel serves both for a page whose roots hold an HTML pane; the explorer's pages draw no TeX
    (tests/test_contract.py walks every view and page for it), and with the wrapper their plots use canvas."""
    import holoviews as hv

    before, after = _page_scripts(False, monkeypatch), _page_scripts(True, monkeypatch)
    assert hv.render(hv.Curve([1, 2]), backend="bokeh").output_backend == "canvas"
    assert any("bokeh-mathjax" in f for f in before) and any("bokeh-gl" in f for f in before)
    assert not any("bokeh-mathjax" in f or "bokeh-gl" in f for f in after)
    assert [f for f in before if "bokeh-mathjax" not in f and "bokeh-gl" not in f] == after


def test_a_write_to_a_closed_tab_is_retrieved_quietly_and_any_other_failure_is_one_warning(caplog):
    """asyncio reports a failed task nobody awaited as "Task exception was never retrieved" when it is collected;
    the done-callback takes the exception first (explorer/ui/socket_writes.py)."""
    import asyncio
    import gc
    import threading

    from tornado.websocket import WebSocketClosedError

    from explorer.ui import socket_writes

    reported = []

    async def main():
        asyncio.get_running_loop().set_exception_handler(lambda loop, ctx: reported.append(ctx["message"]))

        async def fail(exc):
            raise exc

        for exc, wrapped in ((WebSocketClosedError(), True), (OSError("disk"), True), (WebSocketClosedError(), False)):
            task = asyncio.ensure_future(fail(exc))
            if wrapped:
                task.add_done_callback(socket_writes.retrieve)
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            del task
            gc.collect()

    with caplog.at_level("WARNING", logger="explorer.ui"):   # its own thread: another test may hold a loop here
        worker = threading.Thread(target=asyncio.run, args=(main(),))
        worker.start()
        worker.join()
    assert reported == ["Task exception was never retrieved"]   # only the unwrapped one: the test can fail
    assert [r.getMessage() for r in caplog.records] == ["a websocket write failed: OSError: disk"]


@pytest.mark.parametrize("patch, package, attr, says, yes, no", [
    ("freeze", "bokeh", "__version__", ("not one the freeze patch was written for", "holoviz/holoviews#6315"),
     "3.9.2", "3.10.0"),
    ("bundles", "panel", "__version__", ("every BokehJS bundle is served",), "1.9.4", "1.10.0"),
    ("socket_writes", "tornado", "version", ("not one the websocket-write wrapper was written for",), "6.6.1", "7.0"),
    ("serialize", "bokeh", "__version__", ("not one the serialization patch was written for",), "3.9.2", "3.10.0"),
])
def test_each_patch_is_skipped_with_a_log_line_on_a_version_it_was_not_written_for(monkeypatch, caplog, patch,
                                                                                    package, attr, says, yes, no):
    module = importlib.import_module(f"explorer.ui.{patch}")
    monkeypatch.setattr(module, "_APPLIED", False)
    monkeypatch.setattr(importlib.import_module(package), attr, "99.0.0")
    with caplog.at_level("WARNING", logger="explorer.ui"):
        assert module.apply() is False
    assert all(words in caplog.text for words in says)
    assert module.supported(yes) and not module.supported(no)


def test_a_write_raised_at_once_on_a_closed_tab_becomes_a_finished_write():
    """tornado raises WebSocketClosedError before making the write's future when the socket is already closed; Panel's
    dispatch task would log that with a traceback. The wrapper returns a finished write instead (inside a loop);
    any other error, or a call outside a loop, raises as before."""
    import asyncio

    from tornado.websocket import WebSocketClosedError

    from explorer.ui import socket_writes

    async def main():
        done = socket_writes._gone(WebSocketClosedError())
        assert done.done() and done.result() is None
        with pytest.raises(OSError):
            socket_writes._gone(OSError("disk"))
        await done

    failures = []

    def run():   # its own thread: another test may hold a loop in this one
        try:
            asyncio.run(main())
        except BaseException as e:  # noqa: BLE001 — reported below
            failures.append(e)

    import threading

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    assert not failures, failures

    def outside_a_loop():   # a fresh thread has no running loop (this one may: the browser tests' driver)
        try:
            socket_writes._gone(WebSocketClosedError())
        except WebSocketClosedError as e:
            failures.append(e)

    worker = threading.Thread(target=outside_a_loop)
    worker.start()
    worker.join()
    assert len(failures) == 1 and isinstance(failures[0], WebSocketClosedError)


def test_a_tab_closed_as_the_keep_alive_pings_it_leaves_no_traceback():
    """Bokeh's keep-alive dropped a just-closed tab's session; its on_close then failed an assertion (a traceback
    in the server's log, seen in a browser-test run). With the app's patches the close is logged, not asserted."""
    import subprocess
    import sys

    code = """if True:
        from types import SimpleNamespace
        from bokeh.server.connection import ServerConnection
        from bokeh.server.views.ws import WSHandler
        from explorer.ui import socket_writes

        def closed(conn):
            return SimpleNamespace(connection=conn, close_code=1001, close_reason=None, application=None)

        dropped = ServerConnection.__new__(ServerConnection)
        dropped._session = None
        try:
            WSHandler.on_close(closed(dropped))
        except AssertionError:
            print("asserted before")
        assert socket_writes.apply()
        WSHandler.on_close(closed(dropped))
        print("quiet after")
    """
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["asserted", "before", "quiet", "after"]
