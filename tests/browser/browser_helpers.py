"""Reading the served dashboard's state from a Playwright page."""
import os
import time

#: Generous: the first run pays for imports and data loading in a busy two-core machine.
RUN_TIMEOUT_MS = int(os.environ.get("EXPLORER_BROWSER_TIMEOUT_S", "300")) * 1000
#: Small enough to train and measure quickly, large enough to be a real ensemble (EXPLORER_APP_DEFAULTS).
TINY = {"n": 8, "p": 0.1, "epochs": 2, "pairs_per_epoch": 512, "seeds": 2, "steps": 4}


TEXT = (
    "e => { const r = e.shadowRoot || e; return Array.from(r.children)"
    ".filter(c => !['STYLE', 'LINK'].includes(c.tagName)).map(c => c.innerText || c.textContent).join(' ').trim(); }"
)


def text_of(locator) -> str:
    """Text of a Panel component (its content sits in a shadow root)."""
    return locator.first.evaluate(TEXT)


def plot_titles(page) -> list[str]:
    """Titles of every Bokeh plot now in the page's document (read from BokehJS, not from pixels)."""
    return page.evaluate("""() => { const out = [];
        for (const doc of Bokeh.documents) for (const m of doc.all_models)
            if (m.constructor.__name__ === 'Title' && m.text) out.push(m.text);
        return out; }""")


def title_extents(page) -> list[dict]:
    """Every Bokeh title now drawn (plot titles and colour-bar titles) with where its text ends against its
    canvas: ``right``/``bottom`` (px from the canvas's left/top edge) and the canvas's ``width``/``height``.
    Read from BokehJS's views (the text's own measured size), as the canvas shows no text to a test."""
    return page.evaluate("""() => { const out = [];
        for (const v of Bokeh.index.all_views()) {
            if (v.constructor.__name__ !== 'TitleView' || !v.model.text) continue;
            const size = v._get_size(), box = v.layout.bbox, canvas = v.parent.canvas_view.bbox;
            out.push({text: v.model.text, right: box.left + size.width, bottom: box.top + size.height,
                      top: box.top, width: canvas.width, height: canvas.height});
        }
        return out; }""")


#: what a page is doing while a setting trains, after the setting's words ("bimt, 5 × 5 sheet, 2 seeds — Training …")
RUNNING = ("Training", "Measuring", "Stopping the previous", "Waiting for another", "Looking for this setting",
           "Another process")


def wait_for_status(page, *words, timeout=RUN_TIMEOUT_MS):
    """Wait until the status line contains every one of ``words``; return its text. While a setting trains the
    line opens with that setting's words: there ``words`` are looked for in what the page is doing only, so
    waiting for a setting's words waits for its result, not for its training to start."""
    status = page.locator(".run-status")
    deadline = time.time() + timeout / 1000
    while True:
        text = text_of(status) if status.count() else ""
        setting, dash, doing = text.partition(" — ")
        searched = doing if dash and any(r in doing for r in RUNNING) else text   # "growing modules · Training …"
        if all(w in searched for w in words):
            return text
        if time.time() > deadline:
            raise AssertionError(f"status never showed {words!r}; it shows {text!r}")
        page.wait_for_timeout(100)


def specialization_title(page) -> str:
    titles = [t for t in plot_titles(page) if t.startswith("Specialization over time")]
    return titles[-1] if titles else ""


def closed_page_race(block: str, writes_retrieved: bool = False) -> bool:
    """A page closed mid-message: tornado's WebSocketClosedError / StreamClosedError, or Bokeh's own form of it,
    a PATCH-DOC that was waiting for the document lock when the socket closed and Bokeh detached the session
    (bokeh/server/connection.py asserts ``self._session is not None``). Harmless: that page is gone. Any other
    traceback in the server's log is ours. ``writes_retrieved``: the server applied explorer/ui/socket_writes.py
    (``panel serve --setup apps/setup.py``), so a lost websocket write is no longer a traceback there."""
    if not writes_retrieved and ("WebSocketClosedError" in block or "StreamClosedError" in block):
        return True
    return ("bokeh/server/connection.py" in block and "assert self._session is not None" in block
            and "session.py" in block and "in patch" in block)


def watch_console_and_scripts(page) -> tuple[list[str], list[str]]:
    """``(errors, scripts)``, filled as ``page`` runs: console errors and uncaught exceptions, and the URL of
    every script it loads."""
    errors, scripts = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: scripts.append(r.url) if r.resource_type == "script" else None)
    return errors, scripts


def bundles_not_served(scripts: list[str]) -> list[str]:
    """The scripts of BokehJS bundles the served app leaves out (explorer/ui/bundles.py) that were loaded."""
    return [s for s in scripts if "bokeh-mathjax" in s or "bokeh-gl" in s]
