"""On a phone the page lays itself out at the phone's width and everything on it can be reached (found by a
reviewer: without a viewport tag a phone drew the 980-px desktop layout at ~40 %, text ~5 px high; at 390 px
the figures' right ~150 px were cut off, out of reach)."""
from __future__ import annotations

from browser_helpers import wait_for_status

PHONE = dict(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True)


def test_a_phone_gets_the_narrow_layout_and_can_reach_every_figure(browser, app_url):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        page.goto(app_url)
        wait_for_status(page, "store")
        layout = page.evaluate("""() => { const m = document.querySelector('#main');
            const s = document.querySelector('#sidebar');
            return {width: window.innerWidth, sidebar: s.getBoundingClientRect().width,
                    wide: m.scrollWidth > m.clientWidth, scrolls: getComputedStyle(m).overflowX,
                    page: document.documentElement.scrollWidth}; }""")
        assert layout["width"] == 390                      # the phone's own width, not 980 px shrunk
        assert layout["sidebar"] > 300                     # the narrow layout: the controls stacked above
        assert not layout["wide"] or layout["scrolls"] in ("auto", "scroll")   # what is wider can be reached
        # the figures scroll sideways on their own: the controls above stay where they are (scrolling the whole
        # page sideways cut the sidebar's labels to "eneralise", "eeds"; a reviewer's catch)
        assert layout["page"] == 390
        page.evaluate("() => { const m = document.querySelector('#main'); m.scrollLeft = m.scrollWidth; "
                      "[...m.querySelectorAll('*')].pop().scrollIntoView(); }")
        assert page.evaluate("() => document.querySelector('#sidebar').getBoundingClientRect().left") == 0
    finally:
        context.close()
