"""Lessons as links in a real browser: ``?lesson=<name>`` opens its study's page on the lesson's setting with the
lesson's controls hidden, a second page from the same link shows the same view (from the store), the sidebar's
"Link for a class" card makes links that hide what the teacher ticked, and an unknown lesson gets a sentence.

The session's app runs with tiny specialization defaults (conftest ``TINY``); the lesson's own values (p = 1)
apply over them, as they apply over the page's defaults in the real app."""
from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from browser_helpers import specialization_title, text_of, wait_for_status

from explorer import studies

pytestmark = pytest.mark.browser


def _controls_hidden(page, names) -> list[str]:
    return [n for n in names if page.locator(f".ctl-{n}").count()]


def test_a_lesson_link_opens_its_setting_with_its_controls_hidden_and_reopens_the_same_view(page, app_url,
                                                                                          context):
    _, lesson = studies.lesson("sparsity")
    page.goto(f"{app_url}?lesson=sparsity")
    status = wait_for_status(page, "p = 1", "n = 8", "2 seeds")
    assert "trained and measured" in status or "loaded from the store" in status
    heading = page.locator(".lesson")   # Playwright's CSS locators see into Bokeh's shadow roots
    assert lesson.title in text_of(heading) and lesson.question[:40] in text_of(heading)
    assert page.get_by_text("Classroom mode").count() == 0
    assert page.locator(".ctl-p").count() >= 1   # the lesson's slider stays
    hidden = [n for n in lesson.hide if n != "advanced"] + ["lr", "batch_size"]
    assert not _controls_hidden(page, hidden), "a control the lesson hides is shown"
    headline = specialization_title(page)
    assert headline.startswith("Specialization over time")
    # the same link in a new page: the same setting, now from the store, the same figure
    again = context.new_page()
    again.goto(page.url)
    status = wait_for_status(again, "p = 1", "n = 8", "2 seeds")
    assert "loaded from the store" in status
    assert specialization_title(again) == headline   # (a trained page also has its live Training plots)
    assert not _controls_hidden(again, hidden)
    again.close()


def test_the_link_for_a_class_hides_what_the_teacher_ticked(page, app_url, context):
    page.goto(app_url)
    wait_for_status(page, "n = 8", "2 seeds")
    page.locator(".card-share").get_by_text("Link for a class").click()
    picker = page.locator(".card-share .bk-input").first   # the lesson's select
    picker.select_option(label=next(k for k in ["Sparsity and specialization (sparsity)"]))
    wait_for_status(page, "p = 1", "n = 8")
    link = page.locator(".share-link textarea").input_value()
    query = parse_qs(urlparse(link).query)
    assert query["lesson"] == ["sparsity"] and query["study"] == ["specialization"]
    assert "n" in query["classroom"][0].split(",") and query["p"] == ["1.0"]
    fresh = context.new_page()
    fresh.goto(link)
    wait_for_status(fresh, "p = 1", "n = 8", "2 seeds")
    assert fresh.locator(".ctl-n").count() == 0 and fresh.locator(".ctl-p").count() >= 1
    fresh.close()


def test_an_unknown_lesson_gets_a_sentence_and_the_page_opens(page, app_url):
    page.goto(f"{app_url}?lesson=%3Cb%3Enope%3C/b%3E")
    alert = page.locator(".run-alert")
    alert.wait_for(state="visible", timeout=60_000)
    text = text_of(alert)
    assert "no lesson called" in text and "<b>nope</b>" in text and "sparsity" in text
    assert page.locator(".run-alert b", has_text="nope").count() == 0   # shown as text, never as markup
    wait_for_status(page, "n = 8", "2 seeds")


def test_back_leaves_a_page_opened_from_a_link(page, app_url):
    """The address a page writes as it opens (its whole setting) was pushed onto the browser's history: Back led
    to the link as typed, which reloaded and wrote its address again, so no Back ever left the page. Now Back
    returns to the page before, and a setting moved by hand is still one step of history."""
    page.goto(app_url)
    wait_for_status(page, "2 seeds")
    page.wait_for_function("() => window.location.search.includes('seeds=')")   # the opening page wrote its address
    opening = page.evaluate("window.location.href")
    page.goto(f"{app_url}?lesson=sparsity")
    wait_for_status(page, "p = 1", "2 seeds")
    page.wait_for_function("() => window.location.search.includes('seeds=')")
    assert page.evaluate("history.length") == 3   # the blank tab, the opening page, the lesson: one entry each
    page.go_back()
    page.wait_for_function(f"() => window.location.href === {opening!r}")
    wait_for_status(page, "2 seeds")
    assert "lesson=" not in page.evaluate("window.location.search")
