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
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_app import CHROMIUM, FLAGS, serve, status, wait  # noqa: E402  (serving and reading a page, shared)
from playwright.sync_api import sync_playwright  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
#: (study, the card photographed, file, a title the finished card's figure shows)
PICTURES = [("bimt", "map", "bimt-map.png", "clusters, accuracy"),
            ("growth", "robustness", "growth-robustness.png", "Tasks kept under perturbation")]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", help="a run store to read and write (default: a new temporary one)")
    args = ap.parse_args(argv)
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"no chromium at {CHROMIUM} (apt-get install chromium, or set EXPLORER_CHROMIUM)")
    proc, url = serve(args.store or tempfile.mkdtemp(prefix="explorer-pictures-"), None)
    titles = ("() => { const out = []; for (const d of Bokeh.documents) for (const m of d.all_models) "
              "if (m.constructor.__name__ === 'Title') out.push(m.text); return out; }")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            for study, name, file, title in PICTURES:
                page = browser.new_page(viewport={"width": 1400, "height": 1000}, device_scale_factor=1)
                page.goto(f"{url}?study={study}")
                wait(page, lambda: any(w in status(page) for w in ("now stored", "loaded from the store")), 900, 0.5)
                wait(page, lambda: any(title in t for t in page.evaluate(titles)), 60, 0.5)
                page.wait_for_timeout(1500)   # the last patches drawn
                card = page.locator(f".card-{name}").first
                card.scroll_into_view_if_needed()
                card.screenshot(path=str(OUT / file))
                print(f"{OUT / file}: {' '.join(status(page).split())}")
                page.close()
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


if __name__ == "__main__":
    main()
