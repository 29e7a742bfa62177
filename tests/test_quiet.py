"""explorer/ui/quiet.py: which pages of a server are still opening, so that work that can wait lets them."""
import time

from explorer.ui import quiet


def served_page(monkeypatch, tmp_path):
    """A specialization page as a server builds it, that starts no run (outside a server the page counts as
    loaded at once and would train its default in a thread)."""
    from explorer.store import Store
    from explorer.studies.specialization.page import Page
    from explorer.ui.shell import StudyShell

    quiet.forget()
    monkeypatch.setattr(StudyShell, "served", staticmethod(lambda: True))
    monkeypatch.setattr(StudyShell, "request", lambda self: None)
    return Page(store=Store(tmp_path), url=False)


def test_a_page_is_opening_from_its_build_until_it_is_up_or_too_old():
    quiet.forget()
    a, b = object(), object()
    assert not quiet.busy()
    quiet.opening(a)
    assert quiet.busy() and quiet.busy(exclude=b)
    assert not quiet.busy(exclude=a)            # a page's own opening does not hold its own work back
    quiet.opening(b)
    assert quiet.busy(exclude=a)
    quiet.opened(b)
    assert not quiet.busy(exclude=a)
    # a page whose browser never connected stops counting after MAX_OPENING_S
    assert not quiet.busy(now=time.monotonic() + quiet.MAX_OPENING_S + 1)
    assert not quiet.busy()                     # ...and is forgotten
    assert quiet.last_start() > 0


def test_a_pages_secondary_work_waits_while_another_page_is_opening(monkeypatch, tmp_path):
    page = served_page(monkeypatch, tmp_path)
    monkeypatch.setattr(type(page.job), "on_server", property(lambda self: True))
    queued, done = [], []
    monkeypatch.setattr(page.job, "later", lambda callback, delay_ms=30: queued.append(callback))
    page._on_page = None   # the page is up in its browser
    quiet.opened(page)
    other = object()
    quiet.opening(other)   # another visitor's page is being built
    page.once_shown(lambda: done.append(1))
    for _ in range(3):     # polled, not run, while the other page opens
        queued.pop(0)()
    assert done == [] and len(queued) == 1
    quiet.opened(other)
    queued.pop(0)()
    queued.pop(0)()        # now scheduled on the session's loop, and run
    assert done == [1]
    quiet.forget()


def test_outside_a_server_secondary_work_runs_at_once_even_while_pages_open(monkeypatch, tmp_path):
    """Without a session's loop there is nothing to poll on (a notebook, a script): the work is not held."""
    from explorer.store import Store
    from explorer.studies.specialization.page import Page
    from explorer.ui.shell import StudyShell

    quiet.forget()
    monkeypatch.setattr(StudyShell, "request", lambda self: None)   # no run (see above)
    page = Page(store=Store(tmp_path), url=False)
    other = object()
    quiet.opening(other)
    done = []
    page.once_shown(lambda: done.append(1))
    assert done == [1]
    quiet.forget()


def test_views_after_the_headline_of_a_page_still_opening_wait_until_it_is_up(monkeypatch, tmp_path):
    """A stored result shown while a page is built leaves with the page; the views that follow it are drawn
    once the browser has the page, not while it asks for the document (StudyShell.after_headline)."""
    page = served_page(monkeypatch, tmp_path)
    queued, done = [], []
    monkeypatch.setattr(page.job, "later", lambda callback, delay_ms=30: queued.append((callback, delay_ms)))
    page._on_page = []   # outside a server Panel runs onload at once; served, the page waits for its browser
    page.result = first = object()
    page.after_headline(lambda: done.append("opening"))
    assert queued == [] and done == []          # held while the page opens
    page._loaded()                              # the browser reports the page is up
    while queued:
        queued.pop(0)[0]()
    assert done == ["opening"]
    page.after_headline(lambda: done.append("up"))
    assert [d for _, d in queued] == [page.secondary_delay_ms]   # once up: after the headline's delay
    queued.pop(0)[0]()
    page.after_headline(lambda: done.append("stale"))
    page.result = object()                      # another result replaced it meanwhile: not drawn
    queued.pop(0)[0]()
    assert done == ["opening", "up"] and page.result is not first
    quiet.forget()


def test_the_specialization_overview_is_read_once_the_headline_is_up(monkeypatch, tmp_path):
    """The structure → function card's store read and line plot are secondary work: on a page still opening they
    wait until the page is up (in a classroom they cost the server ~0.08 s a page while the others opened)."""
    page = served_page(monkeypatch, tmp_path)
    queued, refreshed = [], []
    monkeypatch.setattr(page.job, "later", lambda callback, delay_ms=30: queued.append(callback))
    monkeypatch.setattr(page, "_refresh_overview", lambda: refreshed.append(1))
    page._on_page, page._lazy = [], []
    page.result = object()
    page.after_result()
    assert refreshed == [] and queued == []
    page._loaded()
    while queued:
        queued.pop(0)()
    assert refreshed == [1]
    quiet.forget()
