"""Lessons (explorer/core/lessons.py, explorer/studies/*/lessons.py): every lesson is a valid setting of its study,
hides only real controls, has a unique URL name, is listed in docs/lessons.md, and ``explorer lessons --warm``
stores exactly the runs a lesson opens on (so its page opens on a stored result)."""
from __future__ import annotations

import re

import pytest

from explorer import studies
from explorer.cli import lessons as lessons_cli
from explorer.cli.main import main
from explorer.core.lessons import Lesson
from explorer.store.store import Store

EVERY = [(s, lesson) for s, lesson in lessons_cli.every()]


def test_every_study_has_a_lesson_and_names_are_unique_url_words():
    assert {s.name for s, _ in EVERY} == set(studies.names())
    names = [lesson.name for _, lesson in EVERY]
    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"[a-z][a-z0-9-]*", n) for n in names)


@pytest.mark.parametrize("study, lesson", EVERY, ids=[lesson.name for _, lesson in EVERY])
def test_a_lesson_is_a_valid_setting_and_hides_real_controls(study, lesson):
    experiments = lesson.experiments(study.experiment_class, study.page_defaults())
    configs = [e.config() for e in experiments]
    assert len({c.run_key() for c in configs}) >= 1
    for name, value in lesson.settings.items():   # the lesson's values are in force, as the page reads them
        assert getattr(experiments[0], name) == experiments[0]._coerce(name, value)   # BIMT's top_k 400: all
    settings = study.experiment_class.setting_names()
    assert all(h in settings for h in lesson.hide if h != "advanced")
    if lesson.warm:
        name, values = lesson.warm
        assert name in settings and name not in lesson.hidden(study.experiment_class.advanced())
        assert [getattr(e, name) for e in experiments[1:]] == lesson.warm_values(experiments[0])


def test_an_unknown_lesson_is_one_sentence_naming_the_lessons():
    with pytest.raises(KeyError, match="no lesson called 'nope'; the lessons: sparsity"):
        studies.lesson("nope")


def test_a_refused_lesson_value_is_a_sentence():
    study = studies.get("specialization")
    bad = Lesson("bad", "Bad", "?", settings={"n": 0})
    with pytest.raises(ValueError, match="lesson 'bad': module size n"):
        bad.experiments(study.experiment_class, {})


def test_docs_lessons_md_is_generated_from_the_declarations():
    assert lessons_cli.main(["--check"]) == 0, "run python -m explorer.cli.lessons"
    text = lessons_cli.PATH.read_text()
    for _, lesson in EVERY:
        assert f"?lesson={lesson.name}" in text and lesson.question in text


def test_the_cli_lists_every_lesson_as_a_link(capsys):
    assert main(["lessons", "--base", "http://host:5006/dynamics"]) == 0
    out = capsys.readouterr().out
    for _, lesson in EVERY:
        assert f"http://host:5006/dynamics?lesson={lesson.name}" in out


def test_warm_stores_what_a_lesson_opens_on(tmp_path, monkeypatch, capsys):
    """With one tiny lesson per study (their real ones train for minutes), --warm trains each lesson's
    setting and its slider's stops once, in one batched call per study; a second --warm trains nothing."""
    tiny = {name: studies.get(name).module("config").TINY for name in studies.names()}
    spec = studies.get("specialization")
    monkeypatch.setattr(spec.module("lessons"), "LESSONS",
                        (Lesson("tiny", "Tiny", "?", settings=tiny["specialization"], warm=("p", (0.5, 1.0))),))
    for name in ("bimt", "growth"):
        monkeypatch.setattr(studies.get(name).module("lessons"), "LESSONS",
                            (Lesson(f"tiny-{name}", "Tiny", "?", settings=tiny[name]),))
    store = tmp_path / "store"
    assert main(["lessons", "--warm", "--store", str(store)]) == 0
    err = capsys.readouterr().err
    assert "Specialization: training 3 settings of 3 …" in err   # said before the training, not only after it
    assert err.index("training 3 settings of 3") < err.index("Specialization: 3 settings of 1 lesson, 3 trained")
    opened = spec.module("lessons").LESSONS[0].experiments(spec.experiment_class, spec.page_defaults())
    assert all(Store(store).has(e.config()) for e in opened)
    assert main(["lessons", "--warm", "--store", str(store)]) == 0
    err = capsys.readouterr().err
    assert "3 settings of 1 lesson, 0 trained" in err and "training" not in err


def test_the_pages_opening_settings_and_the_lessons_need_no_panel():
    """``explorer lessons`` (and Binder's warm-up) read each page's opening setting without importing Panel."""
    import subprocess
    import sys

    code = ("import sys; from explorer import studies; from explorer.cli import lessons; "
            "[studies.get(n).page_defaults() for n in studies.names()]; lessons.render(); "
            "assert 'panel' not in sys.modules and 'holoviews' not in sys.modules, sorted(sys.modules)[:5]")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_page_opens_on_its_studys_opening_setting_with_the_environments_values_over_it(monkeypatch):
    from explorer import studies

    study = studies.get("specialization")
    monkeypatch.setenv("EXPLORER_APP_DEFAULTS", '{"specialization": {"epochs": 3}, "growth": {"n_max": 5}}')
    assert study.page_defaults()["epochs"] == 3 and study.page_defaults()["n"] == 25
    assert studies.get("growth").page_defaults() == {"n_max": 5}
    monkeypatch.setenv("EXPLORER_APP_DEFAULTS", '[1]')
    with pytest.raises(ValueError, match="keyed by study"):
        study.page_defaults()


def test_a_lessons_link_keeps_the_query_of_its_base_and_replaces_a_lesson_in_it():
    lesson = Lesson("tiny", "Tiny", "?")
    assert lesson.link() == "?lesson=tiny"
    assert lesson.link("http://x:5006/dynamics") == "http://x:5006/dynamics?lesson=tiny"
    assert lesson.link("http://x/dynamics?theme=dark") == "http://x/dynamics?theme=dark&lesson=tiny"
    assert lesson.link("/dynamics?lesson=old&classroom=1") == "/dynamics?classroom=1&lesson=tiny"


def test_binder_links_launch_the_repository_on_each_lesson():
    """``explorer lessons --binder OWNER/REPO[@REF]``: a mybinder.org launch link per lesson, whose urlpath (encoded
    whole) opens the lesson's page on the Binder's Panel server; anything else is refused in one sentence."""
    from urllib.parse import parse_qs, urlsplit

    from explorer import studies
    from explorer.cli.lessons import binder_link
    from explorer.core.config import ConfigError

    _, lesson = studies.lesson("sparsity")
    link = binder_link("my-lab/modularity-explorer@main", lesson)
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc) == ("https", "mybinder.org")
    assert parts.path == "/v2/gh/my-lab/modularity-explorer/main"
    assert parse_qs(parts.query) == {"urlpath": ["panel/dynamics?lesson=sparsity"]}
    assert "/HEAD?" in binder_link("my-lab/x", lesson)
    for bad in ("javascript:alert(1)", "my-lab", "a/b/c", "<b>/x"):
        with pytest.raises(ConfigError, match="is not a GitHub repository"):
            binder_link(bad, lesson)
