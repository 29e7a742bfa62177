"""The README's pictures of the BIMT and growth studies: each page at its opening setting (the config's
defaults: networks that learn their tasks), served as ``make app`` serves it and photographed in Debian's
chromium once the trained result is on screen.

    .venv/bin/python docs/pictures.py [--store PATH]      # or: make pictures

Writes docs/screenshots/bimt-map.png (the neuron map card) and docs/screenshots/growth-robustness.png (the
robustness card), and prints each page's status line, which names the seeds and their accuracy. On an empty
store each study trains its default first (about a minute each on a 2-core machine); ``--store`` reuses a
store that holds them. ``make screenshots`` (the browser tests' tiny settings) does not touch these two files.
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("EXPLORER_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
TEXT = ("e => { const r = e.shadowRoot || e; return Array.from(r.children)"
        ".filter(c => !['STYLE', 'LINK'].includes(c.tagName)).map(c => c.innerText || c.textContent).join(' '); }")
#: (study, the card photographed, file, a title the finished card's figure shows)
PICTURES = [("bimt", "map", "bimt-map.png", "clusters, acc"),
            ("growth", "robustness", "growth-robustness.png", "Tasks kept under perturbation")]


def _serve(store: str) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "panel", "serve", "apps/dynamics.py", "--setup", "apps/setup.py",
                             "--port", str(port), "--address", "127.0.0.1",
                             "--allow-websocket-origin", f"127.0.0.1:{port}"],
                            cwd=ROOT, env={**os.environ, "EXPLORER_STORE": store},
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    for _ in range(240):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, f"http://127.0.0.1:{port}/dynamics"
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("panel serve did not start (run `make install` first).")


def _wait(page, test, what: str, timeout_s: float = 900):
    deadline = time.time() + timeout_s
    while not test():
        if time.time() > deadline:
            raise SystemExit(f"gave up waiting for {what}")
        page.wait_for_timeout(500)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", help="a run store to read and write (default: a new temporary one)")
    args = ap.parse_args(argv)
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"no chromium at {CHROMIUM} (apt-get install chromium, or set EXPLORER_CHROMIUM)")
    proc, url = _serve(args.store or tempfile.mkdtemp(prefix="explorer-pictures-"))
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--headless"])
            for study, name, file, title in PICTURES:
                page = browser.new_page(viewport={"width": 1400, "height": 1000}, device_scale_factor=1)
                page.goto(f"{url}?study={study}")
                status = page.locator(".run-status")

                def done():
                    text = status.first.evaluate(TEXT) if status.count() else ""
                    return "now stored" in text or "loaded from the store" in text
                _wait(page, done, f"the {study} page's result")
                titles = ("() => { const out = []; for (const d of Bokeh.documents) for (const m of d.all_models) "
                          "if (m.constructor.__name__ === 'Title') out.push(m.text); return out; }")
                _wait(page, lambda: any(title in t for t in page.evaluate(titles)), f"the {study} figure", 60)
                page.wait_for_timeout(1500)   # the last patches drawn
                card = page.locator(f".card-{name}").first
                card.scroll_into_view_if_needed()
                card.screenshot(path=str(OUT / file))
                print(f"{OUT / file}: {' '.join(status.first.evaluate(TEXT).split())}")
                page.close()
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


if __name__ == "__main__":
    main()
