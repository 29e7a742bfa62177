"""The BIMT and growth pages against the dashboard's own bars, in a real browser (Debian's chromium).

For each page, on a tiny setting (seconds of training, as the browser tests use) served by ``apps/dynamics.py``
with a fresh store:
  1. the tiny setting trained, measured and stored, from opening the page;
  2. first live curve: from a key press on a slider that asks for a new setting (one step of the sheet side /
     the largest N) to the status saying the ensemble trains, with its first progress drawn (target < 2 s);
  3. slider → redraw for a stored setting: key presses alternating between the two stored settings, until the
     status names the other setting as loaded from the store, median of several moves (target < 0.3 s).

With ``--default``, first (4.) each page's own opening setting (the config's defaults), from opening the page
on the empty store to the status saying it was trained, measured and stored (target: about a minute).

    python benchmarks/bench_pages.py [--moves 6] [--study bimt growth] [--default]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench_app import CHROMIUM, FLAGS, serve, status, wait  # noqa: E402

#: study → (tiny setting in the URL, slider stepped, what the status says before and after one step right)
PAGES = {
    "bimt": ("grid=4&steps=240&swap_every=20&top_k=3&trials_per_task=2&bank_trials=8&eval_trials=8&shuffles=200"
             "&seeds=2", "grid", "4 × 4 sheet", "5 × 5 sheet"),
    "growth": ("module_size=3&n_max=5&epochs=6&steps_per_epoch=40&batch_size=32&eval_batch_size=64&eval_batches=1"
               "&eps_points=3&draws=2&seeds=2", "n_max", "N up to 5,", "N up to 6,"),
}


def press(page, name, key):
    handle = page.locator(f".ctl-{name} .noUi-handle").first
    handle.focus()
    handle.press(key)


def stored(page, words):
    text = status(page)
    return words in text and ("loaded from the store" in text or "trained and measured" in text)


def bench(browser, url, study, moves):
    query, name, before, after = PAGES[study]
    page = browser.new_page(viewport={"width": 1500, "height": 1500})
    t0 = time.perf_counter()
    page.goto(f"{url}?study={study}&{query}")
    t_done = wait(page, lambda: stored(page, before), poll=0.25)
    print(f"{study}: tiny setting trained, measured and stored: {t_done - t0:.1f} s from opening the page")
    time.sleep(2)
    t0 = time.perf_counter()
    press(page, name, "ArrowRight")
    t_live = wait(page, lambda: "Training" in status(page), poll=0.01)
    print(f"{study}: first live curve (key press → the ensemble trains, first progress drawn): "
          f"{t_live - t0:.2f} s   [target < 2 s]")
    wait(page, lambda: stored(page, after), poll=0.25)
    time.sleep(2)
    times = []
    for i in range(moves):
        key, words = ("ArrowLeft", before) if i % 2 == 0 else ("ArrowRight", after)
        t0 = time.perf_counter()
        press(page, name, key)
        t1 = wait(page, lambda: words in status(page) and "loaded from the store" in status(page), timeout=60)
        times.append(t1 - t0)
        time.sleep(0.5)
    print(f"{study}: slider → redraw of a stored setting: median {statistics.median(times):.3f} s, max "
          f"{max(times):.3f} s over {moves} moves   [target < 0.3 s]")
    page.close()


def bench_default(browser, url, study):
    page = browser.new_page(viewport={"width": 1500, "height": 1500})
    t0 = time.perf_counter()
    page.goto(f"{url}?study={study}")
    t_done = wait(page, lambda: "trained and measured" in status(page), timeout=900, poll=0.25)
    print(f"{study}: the page's opening setting trained, measured and stored: {t_done - t0:.1f} s from opening the "
          f"page   [target: about a minute]\n  {status(page)}")
    page.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--moves", type=int, default=6)
    ap.add_argument("--study", nargs="+", default=list(PAGES), choices=list(PAGES))
    ap.add_argument("--default", action="store_true", help="also time each page's opening setting (minutes)")
    args = ap.parse_args()
    store = tempfile.mkdtemp(prefix="explorer-bench-pages-")
    proc, url = serve(store, None)
    print(f"server {url}, store {store}, cores {os.cpu_count()}")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
            for study in args.study:
                if args.default:
                    bench_default(browser, url, study)
                bench(browser, url, study, args.moves)
            browser.close()
    finally:
        proc.kill()


if __name__ == "__main__":
    main()
