"""The teaching path in a real browser: a real JupyterLab runs the course's first notebook, and the same server
serves the dashboard through jupyter-panel-proxy at ``/panel/dynamics``, as on Binder.

A module-scoped fixture starts ``python -m jupyterlab`` from the project's venv on a free localhost port with a
token, a temporary run store, tiny app defaults (``EXPLORER_APP_DEFAULTS``, for the proxied dashboard only: an
IPython startup file drops them in the kernel, which runs the notebook as on Binder), and Jupyter's config, data
and runtime directories in a temporary folder (the venv's own labextensions and kernel are still found: they live
under ``sys.prefix``). Its root is a temporary copy of notebooks/, so autosave and checkpoints never write into
the repository. Its working directory holds the ``jupyter-panel-proxy.yml`` that binder/postBuild writes, with
an ``apps`` link to the repository's apps/ (jupyter-panel-proxy reads the file, and globs the apps, relative to
the server's working directory).

1. The notebook test opens the notebook in chromium, clears its outputs and runs every cell through the menus
   (Edit, then Run → Run All Cells), waits until the kernel is idle with every code cell numbered 1…N in order,
   and asserts that no output is a traceback, that the Panel widgets and a Bokeh plot render in the outputs.
2. The proxy test opens ``/panel/dynamics`` and waits for the hub's study links, the p slider, a trained tiny
   setting in the status line and a plot canvas.

Both fail on any browser console error or uncaught page error (one exact favicon 404 behind the proxy is let
through, see FAVICON_404), and on any traceback in the server's log while they ran. The test machine has no
internet: the requests that Panel's notebook rendering makes to cdn.bokeh.org and cdn.holoviz.org (on Binder
the CDN answers them) are answered from the identical files of the installed bokeh and panel packages; any
other outside request is aborted, so it shows up as a console error.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import unquote

import pytest
from browser_helpers import RUN_TIMEOUT_MS, TINY, closed_page_race, plot_titles, wait_for_status
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
#: The course's first notebook: the first notebooks/*.ipynb in sorted order (``00-…`` once the course lands).
NOTEBOOK = next(iter(sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))), None)
#: the proxy's config exactly as binder/postBuild writes it (its printf line, run in the server's folder)
PROXY_LINE = next(line for line in (ROOT / "binder" / "postBuild").read_text().splitlines()
                  if line.startswith("printf") and "jupyter-panel-proxy.yml" in line)
TOKEN = secrets.token_hex(16)
#: The tiny app defaults are for the proxied dashboard: the kernel runs the notebook with the real defaults, as
#: on Binder and in tests/test_notebooks.py (an IPython startup file of the fixture's own IPYTHONDIR drops the
#: variable).
KERNEL_STARTUP = '__import__("os").environ.pop("EXPLORER_APP_DEFAULTS", None)\n'
#: A whole notebook, or the proxy starting ``panel serve`` and the app's first run, on a busy two-core machine.
SLOW_MS = 2 * RUN_TIMEOUT_MS
#: Outside requests that are answered from the installed packages (see the module docstring).
OUTSIDE = re.compile(r"^https?://(?!127\.0\.0\.1[:/])")
IPYTHON_TRACEBACK = re.compile(r"Traceback|^\w*(Error|Exception)\b", re.MULTILINE)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def jupyter(browser_type_launch_args, tmp_path_factory):
    """A real JupyterLab server (see the module docstring); yields its URL and log; stops it and its children."""
    if importlib.util.find_spec("jupyterlab") is None:
        pytest.skip("jupyterlab is not installed (pip install -e '.[test]')")
    import psutil  # a dependency of ipykernel, hence of JupyterLab

    base = tmp_path_factory.mktemp("jupyter")
    root, cwd = base / "root", base / "cwd"
    shutil.copytree(ROOT / "notebooks", root / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    cwd.mkdir()
    subprocess.run(["bash", "-c", PROXY_LINE], cwd=cwd, check=True)
    (cwd / "apps").symlink_to(ROOT / "apps", target_is_directory=True)
    startup = base / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-as-on-binder.py").write_text(KERNEL_STARTUP)
    env = {k: v for k, v in os.environ.items()
           if k not in ("JUPYTER_PATH", "JUPYTER_CONFIG_PATH", "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR")}
    env.update({
        "JUPYTER_CONFIG_DIR": str(base / "config"), "JUPYTER_DATA_DIR": str(base / "data"),
        "JUPYTER_RUNTIME_DIR": str(base / "runtime"), "IPYTHONDIR": str(base / "ipython"),
        "EXPLORER_STORE": str(base / "store"), "EXPLORER_APP_DEFAULTS": json.dumps({"specialization": TINY}),
        # the proxy launches `panel serve` by name, and the kernel is the venv's python
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
        "PYTHONUNBUFFERED": "1",
    })
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = base / "jupyter.log"
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
         "--ServerApp.port_retries=0", f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root}",
         "--ServerApp.allow_root=True",   # harmless when not root; CI containers often are
         # offline: no update check against PyPI, no extension manager listing PyPI
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--LabApp.extension_manager=readonly"],
        cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    server = psutil.Process(proc.pid)
    lab = SimpleNamespace(url=url, log=log_path)
    try:
        deadline = time.time() + 180
        while not _answers(f"{url}/api/status?token={TOKEN}"):
            if proc.poll() is not None or time.time() > deadline:
                pytest.fail(f"jupyter lab did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.5)
        yield lab
    finally:
        # kernels run in sessions of their own: remember the whole family before the server shuts it down
        family = [server, *server.children(recursive=True)] if proc.poll() is None else []
        try:
            os.killpg(proc.pid, signal.SIGTERM)   # the server shuts down its kernels and proxied apps
        except ProcessLookupError:
            pass
        _, alive = psutil.wait_procs(family, timeout=30)
        for p in alive:
            p.kill()
        psutil.wait_procs(alive, timeout=10)
        log.close()


def _server_exceptions(lab, since: int) -> list[str]:
    """Tracebacks the server's log (JupyterLab, the kernel's process, the proxied ``panel serve``) got after
    byte ``since``; a page closed mid-message makes tornado log a closed websocket: harmless, as in conftest.py."""
    text = lab.log.read_bytes()[since:].decode(errors="replace")
    return [block for block in text.split("Traceback")[1:] if not closed_page_race(block)]


def _from_packages(route):
    """Answer a CDN request with the installed package's identical file; abort any other outside request."""
    import bokeh
    import panel
    url = route.request.url.split("?")[0]
    found = None
    if m := re.match(r"https://cdn\.holoviz\.org/panel/([^/]+)/dist/(.+)", url):
        if m.group(1) == panel.__version__:
            found = Path(panel.__file__).parent / "dist" / unquote(m.group(2))
    elif m := re.match(r"https://cdn\.bokeh\.org/bokeh/release/(bokeh(?:-[a-z]+)?)-([\d.]+)\.min\.js", url):
        if m.group(2) == bokeh.__version__:
            found = Path(bokeh.__file__).parent / "server" / "static" / "js" / f"{m.group(1)}.min.js"
    if found is not None and found.is_file():
        route.fulfill(path=str(found))
    else:
        route.abort()


@pytest.fixture
def console_errors(page):
    """Every console error and uncaught page error of this test's page, as (text, source URL); also answers the
    page's CDN requests locally and gives it generous timeouts."""
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append((m.text, m.location.get("url", ""))))
    page.on("pageerror", lambda e: errors.append((f"uncaught: {e}", "")))
    page.route(OUTSIDE, _from_packages)
    page.set_default_timeout(RUN_TIMEOUT_MS)
    page.set_default_navigation_timeout(SLOW_MS)
    return errors


def _menu(page, menu: str, item: str):
    """Click ``menu`` in JupyterLab's menu bar, then ``item`` in it."""
    page.get_by_role("menuitem", name=menu, exact=True).click()
    page.get_by_role("menuitem", name=item, exact=True).click()


def _shown(locator):
    """Wait until the first element of ``locator`` exists, scroll to it, and wait until it is visible."""
    element = locator.first
    expect(element).to_be_attached(timeout=RUN_TIMEOUT_MS)
    element.scroll_into_view_if_needed()   # JupyterLab does not paint offscreen cells (content-visibility)
    expect(element).to_be_visible(timeout=RUN_TIMEOUT_MS)


PROMPTS = "() => Array.from(document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')).map(e => e.textContent.trim())"
STDERR = ('() => Array.from(document.querySelectorAll(\'.jp-OutputArea-output[data-mime-type='
          '"application/vnd.jupyter.stderr"]\')).map(e => e.innerText)')
#: The kernel is idle and every code cell has run (is numbered), or one of them failed (shows a traceback).
FINISHED = f"""() => {{
    const prompts = ({PROMPTS})(), idle = document.querySelector('.jp-Notebook-ExecutionIndicator')?.dataset.status;
    const ran = prompts.length > 0 && prompts.every(t => /^\\[\\d+\\]:$/.test(t));
    return idle === 'idle' && (ran || ({STDERR})().some(t => t.includes('Traceback')));
}}"""


@pytest.mark.skipif(NOTEBOOK is None, reason="no notebooks/*.ipynb")
def test_jupyterlab_runs_the_first_notebook_of_the_course(page, jupyter, console_errors):
    log_start = jupyter.log.stat().st_size
    page.goto(f"{jupyter.url}/lab/tree/notebooks/{NOTEBOOK}?token={TOKEN}")
    # the kernel has started and connected (the toolbar's indicator says idle before that, the status bar not)
    kernel = page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\| Idle$"))
    expect(kernel).to_have_count(1, timeout=RUN_TIMEOUT_MS)
    _menu(page, "Edit", "Clear Outputs of All Cells")
    assert all(p == "[ ]:" for p in page.evaluate(PROMPTS)), page.evaluate(PROMPTS)
    _menu(page, "Run", "Run All Cells")
    page.wait_for_function(FINISHED, timeout=SLOW_MS, polling=500)

    tracebacks = [t for t in page.evaluate(STDERR) if IPYTHON_TRACEBACK.search(t)]
    assert not tracebacks, f"a cell failed:\n{tracebacks[0][:3000]}"
    prompts = page.evaluate(PROMPTS)
    assert prompts == [f"[{i}]:" for i in range(1, len(prompts) + 1)], prompts   # each cell once, in order
    outputs = page.locator(".jp-OutputArea-output")
    expect(outputs.locator("[data-root-id]").first).to_be_attached()   # a Panel/Bokeh root was rendered
    _shown(outputs.locator(".bk-input, .noUi-handle"))   # the dashboard's widgets (Bokeh inputs, sliders)
    _shown(outputs.locator("canvas"))                # a plot (drawn once the tiny ensemble has trained)
    assert not console_errors, console_errors
    assert not _server_exceptions(jupyter, log_start), _server_exceptions(jupyter, log_start)[0][:3000]


#: Bokeh serves /favicon.ico at the server's root, not under jupyter-panel-proxy's --prefix, while Panel's page
#: links "./favicon.ico" (that is /panel/favicon.ico): one harmless 404, for the icon only.
FAVICON_404 = "Failed to load resource: the server responded with a status of 404 (Not Found)"


def test_the_dashboard_through_jupyter_panel_proxy(page, jupyter, console_errors):
    for module in ("jupyter_server_proxy", "panel_server"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed (pip install -e '.[test]'): no /panel/ proxy")
    log_start = jupyter.log.stat().st_size
    page.goto(f"{jupyter.url}/api/status?token={TOKEN}")   # logs in (a cookie), as opening /lab?token=… does
    page.goto(f"{jupyter.url}/panel/dynamics")              # the proxy starts `panel serve` on the first request
    status = wait_for_status(page, "p = 0.1", "n = 8", "2 seeds", timeout=SLOW_MS)   # the tiny defaults, trained

    assert page.title() == "Modular specialization explorer"
    links = page.locator(".hub-nav a")   # the hub's header: one link per study
    _shown(links)
    hrefs = links.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert "?study=specialization" in hrefs and len(hrefs) >= 2, hrefs
    _shown(page.locator("#sidebar .ctl-p .noUi-handle"))   # the p slider in the sidebar
    _shown(page.locator("canvas"))
    assert any(t.startswith("Specialization over time") for t in plot_titles(page)), (status, plot_titles(page))
    errors = [e for e in console_errors if e != (FAVICON_404, f"{jupyter.url}/panel/favicon.ico")]
    assert not errors, errors
    assert not _server_exceptions(jupyter, log_start), _server_exceptions(jupyter, log_start)[0][:3000]
