"""The BIMT and growth pages in a real browser: the live view updates while the ensemble trains, a new setting
redraws it, and a bad value gets its sentence (Liu et al. 2023; Hamidi et al. 2024)."""
from __future__ import annotations

import time

import pytest
from browser_helpers import (RUN_TIMEOUT_MS, bundles_not_served, plot_titles, text_of, title_extents,
                             wait_for_status, watch_console_and_scripts)

pytestmark = pytest.mark.browser

#: Tiny settings through the URL: seconds of real training on two cores.
BIMT = ("study=bimt&grid=4&steps=240&swap_every=20&top_k=3&trials_per_task=2&bank_trials=8&eval_trials=8"
        "&shuffles=200&seeds=2")
GROWTH = ("study=growth&module_size=3&n_max=5&epochs=6&steps_per_epoch=40&batch_size=32&eval_batch_size=64"
          "&eval_batches=1&eps_points=3&draws=2&seeds=2")


def _titles_until(page, predicate, timeout_s):
    """Poll the page's Bokeh titles until ``predicate(titles)``; return every title seen on the way."""
    seen, deadline = set(), time.time() + timeout_s
    while time.time() < deadline:
        titles = plot_titles(page)
        seen.update(titles)
        if predicate(titles):
            return seen
        page.wait_for_timeout(150)
    raise AssertionError(f"titles never matched; saw {sorted(seen)[:12]}")


def test_bimt_page_shows_the_sheet_live_then_its_clusters(page, app_url, shots):
    errors, scripts = watch_console_and_scripts(page)
    page.goto(f"{app_url}?{BIMT}")
    seen = _titles_until(page, lambda t: any("clusters, accuracy" in x for x in t), RUN_TIMEOUT_MS / 1000)
    assert any(x.startswith("Training: the sheet of seed 0 at step") for x in seen), "no live map while training"
    status = wait_for_status(page, "bimt, 4 × 4 sheet", "2 seeds")
    assert "trained and measured" in status or "loaded from the store" in status
    # the map goes first; the anatomy, task and training views follow it (StudyShell.after_headline)
    _titles_until(page, lambda t: any("isolated neurons: percentile" in x for x in t)
                  and any("Accuracy per task" in x for x in t) and any(x.startswith("Task variance") for x in t), 30)
    key = text_of(page.locator(".map-key"))   # the clusters' colours, under the map
    assert "cluster 1 (" in key or "not important (" in key, key
    page.screenshot(path=str(shots / "bimt.png"), full_page=True)
    assert errors == [] and bundles_not_served(scripts) == [], (errors, bundles_not_served(scripts))
    # a new setting (one seed) redraws the map from a new run
    page.goto(f"{app_url}?{BIMT.replace('seeds=2', 'seeds=1')}")
    wait_for_status(page, "bimt, 4 × 4 sheet", "1 seed ")


def test_bimt_page_refuses_a_bad_value_with_one_sentence(page, app_url):
    page.goto(f"{app_url}?{BIMT}&grid=0&swap_every=-3")
    alert = page.locator(".run-alert")
    alert.wait_for(state="visible", timeout=60_000)
    text = text_of(alert)
    assert text.startswith("Not applied:") and "sheet side" in text.lower() and "Traceback" not in text


def test_growth_page_grows_live_then_shows_robustness(page, app_url, shots):
    errors, scripts = watch_console_and_scripts(page)
    page.goto(f"{app_url}?{GROWTH}")
    wait_for_status(page, "Training", timeout=RUN_TIMEOUT_MS)
    assert any("Largest N solved" in x for x in plot_titles(page))
    _titles_until(page, lambda t: any("Tasks kept under perturbation" in x for x in t), RUN_TIMEOUT_MS / 1000)
    status = wait_for_status(page, "modules of 3, N up to 5", "2 seeds")
    assert "trained and measured" in status or "loaded from the store" in status
    _titles_until(page, lambda t: any("'s chain:" in x for x in t) and any("accuracy per head" in x for x in t), 30)
    page.screenshot(path=str(shots / "growth.png"), full_page=True)
    assert errors == [] and bundles_not_served(scripts) == [], (errors, bundles_not_served(scripts))


def test_a_link_whose_values_cannot_run_together_opens_on_the_pages_own_and_says_so(page, app_url):
    """ε from 5 to 1: each valid alone, reversed together. The page does not open empty waiting for a fix: the
    link's smallest ε goes back to the page's own, the sentence says why, the setting trains, the URL is fixed."""
    page.goto(f"{app_url}?{GROWTH}&eps_min=5&eps_max=1")
    wait_for_status(page, "modules of 3", "N up to 5", "test accuracy")
    alert = text_of(page.locator(".run-alert"))
    assert "The link's value for smallest ε was not applied, because the setting could not run with it" in alert
    assert "reversed" in alert and alert.count("reversed") == 1
    assert "eps_min=0.01" in page.url and "eps_max=1" in page.url


@pytest.mark.parametrize("study, query, slider, before, after, value", [
    ("bimt", BIMT, "grid", "4 × 4 sheet", "5 × 5 sheet", "5"),
    ("growth", GROWTH, "n_max", "N up to 5,", "N up to 6,", "6"),
])
def test_a_slider_key_press_trains_the_new_setting_and_back_comes_from_the_store(page, app_url, study, query,
                                                                                 slider, before, after, value):
    """One step of a sidebar slider (the keyboard, as a user would) trains the new setting live and shows it;
    the step back shows the first setting again, from the store."""
    page.goto(f"{app_url}?{query}")
    wait_for_status(page, before, "2 seeds")
    handle = page.locator(f".ctl-{slider} .noUi-handle").first
    handle.focus()
    handle.press("ArrowRight")
    status = wait_for_status(page, after, "2 seeds")
    assert "trained and measured" in status or "loaded from the store" in status
    assert page.locator(f".ctl-{slider} input").first.input_value() == value
    handle.press("ArrowLeft")
    wait_for_status(page, before, "loaded from the store")
    # the browser's Back button: the page follows its address to the setting before (a reload, from the store)
    page.go_back()
    wait_for_status(page, after, "loaded from the store")
    assert f"{slider}={value}" in page.url and page.locator(f".ctl-{slider} input").first.input_value() == value


@pytest.mark.parametrize("study", ["bimt", "growth"])
def test_hostile_values_in_every_setting_of_the_study_page_run_nothing(page, app_url, study):
    """Every setting the page reads, given markup and a javascript: link, is refused as plain text."""
    from urllib.parse import quote

    from explorer.studies import get

    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    hostile = ['<img src=x onerror="window.__xss=1">', "<a href=javascript:alert(1)>x</a>"]
    names = get(study).experiment_class.setting_names()
    query = "&".join(f"{n}={quote(hostile[i % 2])}" for i, n in enumerate(names))
    page.goto(f"{app_url}?study={study}&{query}")
    alert = page.locator(".run-alert")
    alert.wait_for(state="visible", timeout=60_000)
    page.wait_for_timeout(500)
    assert not dialogs and page.evaluate("() => window.__xss") is None
    assert page.evaluate("() => document.querySelectorAll('img[src=\"x\"], a[href^=\"javascript\"]').length") == 0
    text = text_of(alert)
    assert text.startswith("Not applied:") and "Traceback" not in text
    assert "<img src=x" in text or "<a href=javascript" in text   # the first refused value, shown as text
    assert "values were not applied" in text   # the link's refused values stay said beside the setting's problem


#: The cards of each study page, by the name in their CSS class ``card-<name>``.
CARDS = {"specialization": ("", ["specialization", "training", "connectivity", "overview"]),
         "bimt": (BIMT, ["map", "anatomy", "tasks", "variance", "training", "front"]),
         "growth": (GROWTH, ["robustness", "modules", "growth", "chain", "tau", "general"])}


@pytest.mark.parametrize("study", list(CARDS))
def test_on_a_laptop_screen_with_the_sidebar_open_every_card_and_every_title_fits(page, app_url, study):
    """1100 px wide: the text of a card that cannot sit beside its figure goes under it (explorer.ui.cards);
    before, the BIMT map card and the specialization page's cards ran 70–80 px past the window's edge. Then at
    1200 px (text beside figures of their least width) and 1024 px (a projector; the overview's widgets under
    its figures): no title runs past its figure's canvas (explorer.views.titles; before, seven titles of the
    BIMT and growth pages were cut at 1200 px)."""
    query, names = CARDS[study]
    page.set_viewport_size({"width": 1100, "height": 900})
    page.goto(f"{app_url}?{query}" if query else app_url)
    wait_for_status(page, "store")   # "… now stored in …" or "… loaded from the store …"
    deadline = time.time() + 30
    while page.locator(".card-placeholder").count() and time.time() < deadline:   # the lazily built cards
        page.wait_for_timeout(200)
    assert not page.locator(".card-placeholder").count(), "the lazily built cards were never filled"
    page.wait_for_timeout(1000)
    main = page.locator("#main").bounding_box()
    for name in names:
        box = page.locator(f".card-{name}").bounding_box()
        assert box["x"] + box["width"] <= main["x"] + main["width"] + 1, (name, box, main)
    for width in (1200, 1024):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(1000)   # Bokeh lays the figures out again
        deadline = time.time() + 30   # a setting trained just now draws its other cards after the headline
        while len(titles := title_extents(page)) < len(names) and time.time() < deadline:
            page.wait_for_timeout(200)
        assert len(titles) >= len(names), titles
        cut = [t for t in titles if t["right"] > t["width"] + 1 or t["top"] < 0 or t["bottom"] > t["height"] + 1]
        assert not cut, (width, cut)


def test_the_header_returns_to_each_study_as_it_was_left(page, app_url):
    """Switching studies in the header and back opened the first study's defaults (a bare ?study= link) and
    trained them: the setting on screen was lost. Each study's link now returns to where its page was left."""
    page.goto(f"{app_url}?{GROWTH}")
    wait_for_status(page, "N up to 5,", "2 seeds")
    page.goto(f"{app_url}?study=specialization&n=6&p=0.5&seeds=2")
    wait_for_status(page, "p = 0.5", "n = 6")
    page.locator(".hub-nav a", has_text="Modular growth").click()
    page.wait_for_function("() => window.location.search.includes('study=growth')")
    wait_for_status(page, "N up to 5,", "loaded from the store")
    assert "n_max=5" in page.evaluate("window.location.search")
    page.locator(".hub-nav a", has_text="Specialization").click()
    page.wait_for_function("() => window.location.search.includes('study=specialization')")
    wait_for_status(page, "p = 0.5", "n = 6", "loaded from the store")
