"""Serve apps/dynamics.py once per session as ``make app`` does and drive it with pytest-playwright in Debian's
chromium.

The app runs as a real ``panel serve`` subprocess on a free port, with a fresh temporary run store and tiny
training settings (``EXPLORER_APP_DEFAULTS``, keyed by study), so every test exercises the real engine end to end.
Screenshots land in a temporary folder, so a test run leaves the repository as it was; ``make screenshots``
(``EXPLORER_SCREENSHOTS=docs/screenshots``) writes the ones the docs quote. ``playwright install`` is not
needed: the system chromium is used.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # browser_helpers
from browser_helpers import TINY, closed_page_race  # noqa: E402  (shared with test_jupyter.py)

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("EXPLORER_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's launch arguments, pointed at the system chromium."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no chromium at {CHROMIUM} (apt-get install chromium, or set EXPLORER_CHROMIUM)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1500, "height": 1700}}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    """Start ``panel serve apps/dynamics.py`` with a temporary store; yield its URL; stop it."""
    port = _free_port()
    store = tmp_path_factory.mktemp("store")
    env = {**os.environ, "EXPLORER_STORE": str(store), "EXPLORER_APP_DEFAULTS": json.dumps({"specialization": TINY}),
           "PYTHONUNBUFFERED": "1"}
    log = open(tmp_path_factory.mktemp("log") / "panel.log", "w+")
    proc = subprocess.Popen([sys.executable, "-m", "panel", "serve", str(ROOT / "apps" / "dynamics.py"),
                             "--setup", str(ROOT / "apps" / "setup.py"),   # as `make app` serves it
                             "--port", str(port), "--address", "127.0.0.1",
                             "--allow-websocket-origin", f"127.0.0.1:{port}"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/dynamics"
    deadline = time.time() + 120
    while True:
        try:  # the port answers once the server listens (a page request would build a whole session)
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                log.seek(0)
                pytest.fail(f"panel serve did not start:\n{log.read()[-3000:]}")
            time.sleep(0.5)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.seek(0)
    server_log = log.read()
    log.close()
    errors = [block for block in server_log.split("Traceback")[1:]
              if not closed_page_race(block, writes_retrieved=True)]
    assert not errors, f"the server logged an exception:\nTraceback{errors[0][:4000]}"
    # Bokeh's validation of a page's document ("W-1005 (FIXED_SIZING_MODE): …"): a layout Bokeh cannot size as asked
    invalid = re.findall(r"[WE]-\d{4} \([A-Z_]+\).*", server_log)
    assert not invalid, f"the server logged Bokeh validation issues: {invalid[:5]}"


@pytest.fixture
def shots(tmp_path_factory):
    """Where a test's screenshots go: ``$EXPLORER_SCREENSHOTS`` (relative to the repository), else a temporary
    folder."""
    target = os.environ.get("EXPLORER_SCREENSHOTS")
    path = ROOT / target if target else tmp_path_factory.getbasetemp() / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
