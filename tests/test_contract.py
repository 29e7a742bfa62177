"""The house's contract, run on every registered study with its TINY config (real training, seconds):
run → store round-trip identical → summary JSON-able → every view renders → its page builds."""
from __future__ import annotations

import json

import holoviews as hv
import numpy as np
import pytest
import torch
import xarray as xr

from explorer import studies
from explorer.store import Store, memory

hv.extension("bokeh")


@pytest.fixture(scope="module", params=studies.names())
def ran(request, tmp_path_factory):
    study = studies.get(request.param)
    config = study.config_class(**study.module("config").TINY)
    store = Store(tmp_path_factory.mktemp(study.name) / "store")
    memory.forget()
    return study, config, store, store.get_or_run(config)


def test_run_then_store_round_trip_is_identical(ran):
    study, config, store, result = ran
    assert not result.cached and [int(s) for s in result.data.seed.values] == list(config.seeds)
    again = Store(store.root).get_or_run(config)
    assert again.cached
    xr.testing.assert_identical(again.data, result.data)
    assert again.weights.keys() == result.weights.keys()
    for name, w in result.weights.items():
        assert torch.equal(again.weights[name], w), name
    assert type(again.config) is study.config_class and again.config == config


def test_every_variable_and_axis_says_what_it_is_in_the_files_a_user_gets(ran, tmp_path):
    """long_name (and units, but for axes of names) on every variable and coordinate, in the Export card's
    netCDF as in the result (the study's result.py declares them)."""
    from explorer.views.export import netcdf_bytes

    _, _, _, result = ran
    (tmp_path / "export.nc").write_bytes(netcdf_bytes(result.data))
    back = xr.load_dataset(tmp_path / "export.nc")
    for name in [*back.coords, *back.data_vars]:
        assert back[name].attrs.get("long_name"), name
        assert "units" in back[name].attrs or back[name].dtype.kind in "OUS", name


def test_summary_is_json_and_names_every_seed(ran):
    study, config, store, result = ran
    summary = json.loads(json.dumps(result.summary()))
    assert summary
    text = study.result.text(config, result)
    assert isinstance(text, str) and text.strip()
    info = store.info(config.key(config.seeds[0]))
    json.dumps(info)
    assert store.run_entries(config.run_key()) == [config.key(s) for s in config.seeds]


def test_every_view_renders(ran):
    study, config, store, result = ran
    assert study.views
    from bokeh.models import PanTool, Plot, WheelZoomTool

    for name, build in study.views.items():
        plot = hv.render(build(result), backend="bokeh")
        assert plot is not None, name
        assert not needs_mathjax(plot.references()), name
        # no tool is active until chosen: the wheel and a finger scroll the page (scrolling over a figure zoomed
        # it to ±6000 while the page stayed put)
        for fig in plot.select({"type": Plot}):
            assert not isinstance(fig.toolbar.active_scroll, WheelZoomTool), name
            assert not isinstance(fig.toolbar.active_drag, PanTool), name


def needs_mathjax(models) -> list[str]:
    """The texts in ``models`` with TeX delimiters: they would need BokehJS's MathJax bundle, which the served
    app does not load (explorer/ui/bundles.py)."""
    from bokeh.embed.util import contains_tex_string

    found = []
    for m in models:
        for prop, value in m.properties_with_values(include_defaults=False).items():
            if isinstance(value, str) and contains_tex_string(value):
                found.append(f"{type(m).__name__}.{prop} holds TeX: {value[:80]}")
    return found


def test_settings_round_trip_through_the_experiment(ran):
    study, config, store, result = ran
    exp = study.experiment_class.from_config(config, store=store)
    assert exp.config() == config
    assert exp.is_stored()
    assert np.array_equal(exp.result().data.seed.values, result.data.seed.values)


def opened_page(study, config, store):
    """The study's page on ``config``, once it has loaded the stored setting (outside a server its first request
    runs at once, in a thread; at most 60 s)."""
    import time

    page = study.page_class(store=store, url=False, defaults=study.experiment_class.from_config(config).values())
    deadline = time.monotonic() + 60
    while (page.result is None or page.job.running) and time.monotonic() < deadline:
        time.sleep(0.05)
    return page


def test_a_page_trains_a_damaged_entry_again_holding_a_training_slot(ran, tmp_path, monkeypatch):
    """The page asked the store whether a setting was there (its manifest) and, if so, read it outside the
    training slots: an entry damaged (or evicted) meanwhile was trained again without one, past the server's
    limit of trainings at once (a reviewer's catch). It now reads first and trains only in a slot."""
    import shutil
    import threading

    from explorer.ui import shell

    study, config, store, _ = ran
    shutil.copytree(store.root, tmp_path / "store")
    damaged = Store(tmp_path / "store")
    page = opened_page(study, config, damaged)
    path = damaged.entry_dir(config.key(config.seeds[-1])) / "result.nc"   # damaged after the page read it
    blob = path.read_bytes()
    path.write_bytes(blob[: len(blob) // 2])
    slots = []
    real_slot = shell.training_slot
    monkeypatch.setattr(shell, "training_slot", lambda *a, **k: slots.append(1) or real_slot(*a, **k))
    memory.forget()
    result, _ = page._work(config, None, lambda event: None, threading.Event())
    assert slots == [1] and not result.cached
    memory.forget()
    result, _ = page._work(config, None, lambda event: None, threading.Event())
    assert slots == [1] and result.cached


def test_a_setting_far_larger_than_the_opening_one_waits_for_run_and_a_class_never_trains_it(ran, monkeypatch):
    """A link (``?steps=200000&seeds=64``) or a slider at its end started a job of hours at once, and the
    server trains one run at a time: a whole class waited behind it (a reviewer's catch, on a classroom page).
    A setting over ten times the opening one's work waits for Run; a class's page does not train it at all."""
    import time

    from explorer.ui import shell

    study, config, store, result = ran
    page = opened_page(study, config, store)
    page._opening_work = config.work()   # measured against the TINY setting it opened on (not the study's defaults)
    trained = []
    monkeypatch.setattr(shell.memory, "get_or_run", lambda *a, **k: trained.append(1) or result)

    def settled(done=lambda: True):   # the job's end is set before its result is handled: wait for both
        deadline = time.monotonic() + 60
        while (page.job.running or not done()) and time.monotonic() < deadline:
            time.sleep(0.02)

    page.experiment.seeds = 12 * len(config.seeds)          # 11 × the opening's networks not stored yet
    settled(lambda: "opening one" in page.status.value)
    assert trained == [] and page.result.config == config and page.stale and page.run_button.visible, page.status.value
    assert "11× as much as the page's opening one" in page.status.value and "press Run" in page.status.value
    page.classroom = True                                   # a class's page: Run does not start it
    page.request(pressed=True)
    settled(lambda: "too much for a class" in page.status.value)
    assert trained == [] and not page.run_button.visible and "too much for a class" in page.status.value
    page.classroom = False
    page.request(pressed=True)                              # Run: trained
    settled(lambda: bool(trained))
    assert trained == [1]
    page.experiment.seeds = len(config.seeds)               # the opening setting again: at once
    settled(lambda: not page.stale)
    assert not page.stale


def test_its_page_builds_and_shows_the_result(ran):
    """The page opens on the stored setting (outside a server its first request runs at once, in a thread), and
    shows a Result handed to it."""
    study, config, store, result = ran
    page = opened_page(study, config, store)
    assert page.experiment.config() == config
    assert page.result is not None and page.result.cached
    xr.testing.assert_identical(page.result.data, result.data)
    page._show(result, 0.1)
    assert page.result is result and not page.job.error
    assert page.__panel__() is not None
    from bokeh.document import Document

    doc = Document()
    page.template().server_doc(doc)   # the served page, every card built (outside a server they are at once)
    assert not needs_mathjax(doc.models), needs_mathjax(doc.models)


def test_its_served_document_is_the_same_with_the_serialization_patch(ran, monkeypatch):
    """explorer/ui/serialize.py (applied by apps/setup.py) skips the defaults Bokeh would compute and then drop:
    the page's document as sent to a browser is the same, and fewer defaults are computed for it."""
    from bokeh.core.has_props import HasProps
    from bokeh.core.property.bases import Property
    from bokeh.document import Document

    from explorer.ui import serialize

    if not serialize.supported():
        pytest.skip("the serialization patch is written for another Bokeh")
    study, config, store, result = ran
    page = opened_page(study, config, store)
    page._show(result, 0.1)
    doc = Document()
    page.template().server_doc(doc)
    computed = []
    themed_default = Property.themed_default
    monkeypatch.setattr(Property, "themed_default", lambda *a, **k: computed.append(1) or themed_default(*a, **k))

    def sent():
        computed.clear()
        return canonical(doc.to_json()), len(computed)

    before, defaults_before = sent()
    for name in ("query_properties_with_values", "_overridden_defaults"):
        monkeypatch.setattr(HasProps, name, HasProps.__dict__[name])   # restored after the test
    monkeypatch.setattr(serialize, "_APPLIED", False)
    assert serialize.apply()
    after, defaults_after = sent()
    assert after == before
    assert defaults_after < defaults_before / 2, (defaults_after, defaults_before)


def canonical(serialized):
    """A serialized Bokeh document in a form that compares equal when the same document is sent (sets sorted,
    buffers as bytes)."""
    from bokeh.core.serialization import Buffer

    def walk(o):
        if isinstance(o, dict):
            if o.get("type") == "set":
                return ("set", sorted(repr(walk(e)) for e in o["entries"]))
            return {k: walk(v) for k, v in o.items()}
        if isinstance(o, (list, tuple)):
            return [walk(v) for v in o]
        if isinstance(o, Buffer):
            return bytes(o.data)
        if isinstance(o, memoryview):
            return bytes(o)
        return o
    return walk(getattr(serialized, "content", serialized))


def test_in_a_notebook_a_stored_setting_is_drawn_at_once(ran):
    """Outside a server (a notebook, nbconvert, Binder's warm-up) a page's output is drawn once, when built: a
    stored setting is loaded then, not in a thread that would finish after the output was sent."""
    study, config, store, result = ran
    memory.forget()
    page = study.page_class(store=store, url=False, defaults=study.experiment_class.from_config(config).values())
    assert page.result is not None and not page.job.running
    xr.testing.assert_identical(page.result.data, result.data)


def test_on_a_server_a_remembered_setting_leaves_with_the_page_and_the_other_cards_follow(ran, monkeypatch):
    """A setting this server used recently is drawn while the page is built (its figures leave with the page,
    with no round trip); cards built lazily and the views that follow the headline wait until the page is up
    in the browser."""
    import panel as pn

    from explorer.ui.shell import StudyShell

    study, config, store, result = ran
    memory.remember(store, config, result)
    loaded = []
    monkeypatch.setattr(StudyShell, "served", staticmethod(lambda: True))
    monkeypatch.setattr(pn.state, "onload", loaded.append)
    page = study.page_class(store=store, url=False, defaults=study.experiment_class.from_config(config).values())
    assert page.result is not None and not page.job.running and len(loaded) == 1
    queued = list(page._on_page)   # what waits for the page to be up (lazily built cards, views after the headline)
    placeholders = _placeholders(page)
    assert queued or not placeholders
    loaded[0]()                    # the browser has the page
    assert page._on_page is None and page.result is not None
    assert not _placeholders(page), "the lazily built cards were not filled once the page was up"


def _placeholders(page) -> list:
    """The lazily built cards' placeholders still on the page (``explorer.ui.cards.card``)."""
    import panel as pn

    from explorer.ui.cards import PLACEHOLDER

    return [o for o in page.main.select(pn.Spacer) if PLACEHOLDER in o.css_classes]


def test_the_link_for_a_class_is_written_when_its_card_opens_and_then_follows_the_settings(ran):
    study, config, store, result = ran
    memory.remember(store, config, result)
    page = study.page_class(store=store, url=False, defaults=study.experiment_class.from_config(config).values())
    share = page.share
    assert share.card.collapsed
    written = share.link.value
    seeds = page.experiment.seeds
    assert not page.experiment.apply(seeds=seeds + 1)   # a new setting (its training cancelled at once)
    page.job.cancel()
    assert share.link.value == written   # a closed card is not rewritten on every move
    share.card.collapsed = False
    assert f"seeds={seeds + 1}&" in share.link.value + "&"
    assert not page.experiment.apply(seeds=seeds)
    page.job.cancel()
    assert f"seeds={seeds}&" in share.link.value + "&"
    # what the page shows of the result goes with the link, as it does with the address (a network, a round)
    from explorer.ui import url

    from urllib.parse import parse_qs, urlparse

    def linked():
        return {k: v[-1] for k, v in parse_qs(urlparse(share.link.value).query).items()}

    for obj, names in page.view_options():
        for name, value in url.serialize(obj, names).items():
            assert linked()[name] == value, name
    if study.name == "bimt":   # a teacher looking at seed 2 shared a link that opened at seed 0
        page.options.seed_index = 1
        assert linked()["seed_index"] == "1"


def test_a_link_made_on_a_class_page_hides_what_that_page_hides(ran):
    """A teacher on a ?classroom= page made a link that showed every control again (found in review)."""
    from explorer.ui.share import ShareLink

    study, config, store, result = ran
    memory.remember(store, config, result)
    page = study.page_class(store=store, url=False, defaults=study.experiment_class.from_config(config).values())
    hidden = tuple(page.experiment.advanced())[:1] + tuple(n for n in page.settings
                                                          if n not in page.experiment.advanced())[:1]
    link = ShareLink(page, hidden)
    assert link.hide.value == list(hidden) and link.query()["classroom"] == ",".join(hidden)
    every = (*page.experiment.advanced(), hidden[-1])   # all of the advanced ones read as one word
    assert ShareLink(page, every).query()["classroom"] == f"advanced,{hidden[-1]}"
    # the card offers every advanced control as one choice (a teacher had to pick each by name)
    picked = ShareLink(page)
    assert "advanced" in picked.hide.options.values()
    picked.hide.value = ["advanced", hidden[-1]]
    assert picked.query()["classroom"] == f"advanced,{hidden[-1]}"
    assert ShareLink(page, every).hide.value == ["advanced", hidden[-1]]
    page.job.cancel()


def test_while_a_new_setting_trains_the_last_results_cards_say_so(ran, monkeypatch):
    """The cards that show one setting's result keep the last result while a new setting trains, and their titles
    say it is the previous setting; after a cancel, that it is stale; the next result clears both."""
    from explorer.ui.redraw import CANCELLED, PREVIOUS

    study, config, store, result = ran
    page = opened_page(study, config, store)
    page._show(result, 0.1)
    marked = page.setting_panes()
    if not marked:
        pytest.skip(f"the {study} page draws its running setting live in every card")
    assert all(p.shown and p.marked == "" for p in marked)
    request = page.request
    monkeypatch.setattr(page, "request", lambda: None)   # a new setting in the sidebar, trained below by hand
    assert not page.experiment.apply(seeds=page.experiment.seeds + 1)
    monkeypatch.setattr(page, "request", request)
    page._trained_rows = False   # a new run's first training event, as the job hands it to the page
    page._on_event({"stage": "train", "fraction": 0.01, "epochs": 2, "epoch": 0, "step": 1, "seeds": [0],
                    "loss": [1.0], "accuracy": None})
    assert [p.marked for p in marked] == [PREVIOUS] * len(marked)
    page.cancel()
    assert [p.marked for p in marked] == [CANCELLED] * len(marked)
    page._show(result, 0.1)
    assert [p.marked for p in marked] == [""] * len(marked)
    # a sidebar setting that cannot run leaves the last result on screen: marked as not the sidebar's setting
    # (it was unmarked, where a cancel marked it)
    monkeypatch.setattr(type(page.experiment), "problem", lambda self: "these settings cannot run together.")
    page.request()
    assert [p.marked for p in marked] == [CANCELLED] * len(marked) and page.stale


def test_the_status_while_training_names_the_setting_and_its_time(ran, monkeypatch):
    """Sliders may move on while a setting trains: the status line names the setting that trains (escaped, as
    every value a link may set) and how long it has trained."""
    study, config, store, result = ran
    page = opened_page(study, config, store)
    monkeypatch.setattr(page.job, "submit", lambda *a, **k: None)   # the request's job: its events by hand below
    page.request()
    monkeypatch.setattr("explorer.ui.shell.time.perf_counter", lambda: 100.0)
    page._on_event({"stage": "train", "fraction": 0.01, "epochs": 2, "epoch": 0, "step": 1, "seeds": [0],
                    "loss": [1.0], "accuracy": None})
    monkeypatch.setattr("explorer.ui.shell.time.perf_counter", lambda: 107.2)
    page._on_event({"stage": "metrics", "fraction": 0.5, "metric": "m"})
    status = page.status.value
    assert status.startswith(f"<b>{page.setting_words(page.experiment.config())}</b> — ")
    assert status.endswith(" · 7 s") and "Measuring m" in status


def test_a_run_that_fails_marks_the_plots_it_leaves_as_stale(ran, monkeypatch):
    """A failed run (MNIST offline, a device that is not there) left the last setting's plots unmarked beside
    a sidebar and a URL that named the failed one (found by a reviewer); a cancel already marked them."""
    from explorer.ui.redraw import CANCELLED

    study, config, store, result = ran
    page = opened_page(study, config, store)
    page._show(result, 0.1)
    monkeypatch.setattr(page, "request", lambda: None)   # the sidebar's new setting, its run about to fail
    assert not page.experiment.apply(seeds=page.experiment.seeds + 1)
    page.job.error = "the data set is not on this machine."
    assert page.stale and "stale" in page.status.value
    assert all(p.marked == CANCELLED for p in page.setting_panes() if p.shown)
    page._show(result, 0.1)
    assert not page.stale


def test_a_side_job_says_how_long_it_took_and_that_a_setting_change_stopped_it(ran):
    """After "Compute missing cells" the status read "loaded from the store in 10.26 s" (the sweep's time, for a
    setting that was loaded); and a setting changed mid-sweep dropped the sweep without a word (a reviewer)."""
    import time

    from explorer.core.cancel import check

    study, config, store, result = ran
    page = opened_page(study, config, store)

    def wait(predicate):
        deadline = time.monotonic() + 60
        while not predicate() and time.monotonic() < deadline:
            time.sleep(0.02)

    page.train(lambda report, cancel: result, "Sweeping …", label="computing the sweep")
    wait(lambda: not page.job.running and "computing the sweep took" in page.status.value)
    assert "computing the sweep took" in page.status.value and "at once" in page.status.value

    def slow(report, cancel):
        while True:
            check(cancel)
            time.sleep(0.01)

    page.train(slow, "Sweeping …", label="computing the sweep")
    wait(lambda: page.job.stage == "computing the sweep" and page.job.running)
    page._setting_changed()   # the sidebar moved (to the setting on screen: it comes from memory)
    wait(lambda: not page.job.running)
    assert "computing the sweep stopped when a setting changed" in page.status.value
    page.train(slow, "Sweeping …", label="computing the sweep")   # the Cancel button, on a sweep
    wait(lambda: page.job.stage == "computing the sweep" and page.job.running)
    page.cancel()
    assert page.status.value == "Cancelled: computing the sweep stopped; what it finished is stored."
    assert not page.stale and not page.run_button.visible
    # a side job's training is not the sidebar's setting: its status says it trains, the figures keep this
    # setting (the specialization page drew the sweep's 58 networks in its own Training figure)
    streamed = []
    page.stream = streamed.append

    def reporting(report, cancel):
        report({"stage": "train", "fraction": 0.5, "epochs": 2, "epoch": 1, "step": 3, "seeds": [0, 1],
                "loss": [1.0, 1.0], "accuracy": None})
        slow(report, cancel)

    page.train(reporting, "Sweeping …", label="computing the sweep")
    wait(lambda: "Training 2 networks" in page.status.value)
    assert "Training 2 networks" in page.status.value and not streamed
    assert all(p.marked == "" for p in page.setting_panes() if p.shown)
    page.cancel()
    # a side job that fails leaves the sidebar's own result on screen: not stale (a reviewer saw it marked so)

    def fails(report, cancel):
        raise ValueError("the sweep could not run.")

    page.train(fails, "Sweeping …", label="computing the sweep")
    wait(lambda: not page.job.running and page.job.error)
    assert page.job.error and not page.stale and "stale" not in page.status.value
    assert all(p.marked == "" for p in page.setting_panes() if p.shown)


def test_while_a_first_setting_trains_the_cards_it_will_fill_say_so(ran, monkeypatch):
    """A page opened on a setting not yet stored had empty cards above its live view while it trained (the growth
    page's first two); each now says what it waits for, takes no PREVIOUS mark, and the result replaces it."""
    from explorer.ui.redraw import WAITING
    from explorer.ui.shell import StudyShell

    study, config, store, result = ran
    with monkeypatch.context() as m:   # the page as it opens, before its setting's run reports
        m.setattr(StudyShell, "request", lambda self: None)
        page = study.page_class(store=store, url=False, defaults=study.experiment_class.from_config(config).values())
    assert page.result is None
    panes = page.setting_panes()
    if not panes:
        pytest.skip(f"the {study} page draws its running setting live in every card")
    page._trained_rows = False
    page._on_event({"stage": "train", "fraction": 0.01, "epochs": 2, "epoch": 0, "step": 1, "seeds": [0],
                    "loss": [1.0], "accuracy": None})
    for pane in panes:
        assert not pane.shown and pane.marked == "" and pane.layout.objects
        assert pane.figure is None and pane.layout.objects[0].object == WAITING   # plain text (nothing to escape)
    page._show(result, 0.1)
    assert all(p.shown and p.marked == "" for p in panes)


def test_the_status_line_names_the_setting_and_how_well_it_learned(ran):
    """After a result, the status line names the setting as the page describes it and says how far its networks
    learned in the study's own terms (the growth study: the largest N solved, not only its heads' accuracy)."""
    from explorer.ui.widgets import escape

    study, config, store, result = ran
    page = opened_page(study, config, store)
    page._show(result, 0.1)
    status = page.status.value
    assert escape(page.describe(config)) in status and "test accuracy" in status
    assert escape(page.skill_words(result)) in status
    if study == "growth":
        assert f"{config.epochs} epoch" in status and "largest N solved, mean over seeds: growing modules" in status


def test_a_study_with_measuring_settings_can_measure_stored_networks_again(ran):
    """``Setting.measured`` promises that the store measures stored networks again instead of training them:
    the study must have the ``run.remeasure`` that does it (explorer.store.remeasured)."""
    study, config, store, result = ran
    if type(config).measured():
        assert callable(study.remeasure)
        again = study.remeasure(config, result)
        for name in result.data.data_vars:
            np.testing.assert_array_equal(again.data[name].values, result.data[name].values, err_msg=name)
        # the page says that nothing trained (the store marks what it measured again with its source entry)
        again.data.attrs["measured_again_from"] = " ".join(["0" * 24] * again.data.sizes["seed"])  # one a seed
        page = opened_page(study, config, store)
        page._show(again, 0.1, cached=False)
        assert "its stored networks measured again, now stored" in page.status.value


def test_every_key_a_study_prints_with_json_is_documented(ran):
    """docs/json.md lists what ``explorer run <study> --json`` prints: every key of the study's summary in the
    study's section (the reviewer found most of them undocumented)."""
    from pathlib import Path

    study, config, store, result = ran
    doc = (Path(__file__).parents[1] / "docs" / "json.md").read_text()
    section = doc.split(f"## {study.name}\n", 1)[1].split("\n## ", 1)[0]
    summary = study.result.summary(result)
    missing = [k for k in summary if f"| `{k}` |" not in section]
    assert not missing, f"docs/json.md, section {study.name}, lacks {missing}"
    from explorer.cli import run as cli_run   # the keys every study prints
    common = doc.split("## Every study\n", 1)[1].split("\n## ", 1)[0]
    for key in ("config", "key", "entries", "cached", "stored", "measured_again"):
        assert f"| `{key}` |" in common and f'"{key}"' in Path(cli_run.__file__).read_text()
