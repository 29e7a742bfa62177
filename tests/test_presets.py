"""Presets (``Config.PRESETS``): ``--preset NAME`` on the CLI (flags given override it) and the page's preset menu,
which applies a preset and then names the one in force."""
import argparse

import pytest

from explorer import studies
from explorer.cli.flags import add_setting_flags, config_from_args
from explorer.cli.main import main

BIMT = studies.get("bimt").config_class


def parse(*argv):
    parser = argparse.ArgumentParser()
    add_setting_flags(parser, BIMT)
    return parser.parse_args(list(argv))


def test_a_preset_is_the_config_and_flags_override_it():
    cfg = config_from_args(BIMT, parse("--preset", "paper-10x10"))
    assert cfg == BIMT(**BIMT.PRESETS["paper-10x10"])
    cfg = config_from_args(BIMT, parse("--preset", "paper-10x10", "--steps", "500", "--seeds", "1"))
    assert (cfg.grid, cfg.steps, cfg.seeds) == (10, 500, (0,))


def test_a_presets_every_neuron_follows_the_sheet_a_flag_gives():
    """`--preset paper-10x10 --grid 20` tried 100 of 400 neurons per swap (the preset's 100) where the preset
    promises every neuron; on its own sheet the preset is the same run as before (the same store key)."""
    assert config_from_args(BIMT, parse("--preset", "paper-10x10", "--grid", "20")).top_k == 400
    assert config_from_args(BIMT, parse("--preset", "quick-8x8", "--grid", "10")).top_k == 100
    cfg = config_from_args(BIMT, parse("--preset", "paper-10x10"))
    assert cfg.top_k == 100 and cfg.key() == BIMT(**{**BIMT.PRESETS["paper-10x10"], "top_k": 100}).key()
    assert config_from_args(BIMT, parse("--preset", "paper-10x10", "--top-k", "10")).top_k == 10


def test_the_page_menu_tries_every_neuron_after_a_user_chose_fewer(tmp_path):
    import torch  # noqa: F401 — imported here, not first by the page's job thread while the next test starts

    from explorer.store.store import Store

    page = studies.get("bimt").page_class(store=Store(tmp_path), url=False)
    try:
        page.experiment.top_k = 10
        page.presets.select.value = "paper-10x10"
        assert (page.experiment.grid, page.experiment.top_k) == (10, 100)
        assert page.presets.select.value == "paper-10x10"
        assert not page.experiment.apply(top_k=400) and page.experiment.top_k == 100   # a link's 400: all
    finally:
        page.job.cancel()


def test_an_unknown_preset_is_one_line_naming_the_presets(capsys):
    assert main(["run", "bimt", "--preset", "nope"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "invalid choice: 'nope'" in err and "paper-10x10" in err


def test_an_unknown_preset_gets_a_sentence_naming_the_presets(capsys):
    assert main(["run", "growth", "--preset", "x"]) == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'x'" in err and "paper" in err and "Traceback" not in err


def test_the_page_menu_applies_a_preset_and_follows_the_sidebar(tmp_path):
    from explorer.store.store import Store

    page = studies.get("bimt").page_class(store=Store(tmp_path), url=False)
    try:
        menu = page.presets
        assert menu.select.value == "paper-8x8"   # the config's defaults are that preset
        menu.select.value = "paper-10x10"
        assert (page.experiment.grid, page.experiment.top_k, page.experiment.seeds) == (10, 100, 3)
        page.experiment.steps = 100
        assert menu.select.value == "(your own setting)"
    finally:
        page.job.cancel()


def test_the_page_menu_names_the_opening_setting_and_goes_back_to_it(tmp_path):
    """A page whose defaults are no preset (growth: the paper's setting on 3 seeds, not 5) says so, and picking
    "(the page's opening setting)" after trying things puts every setting back."""
    from explorer.store.store import Store
    from explorer.ui.presets import CUSTOM, OPENING

    page = studies.get("growth").page_class(store=Store(tmp_path), url=False)
    try:
        menu, exp = page.presets, page.experiment
        assert menu.select.value == OPENING and OPENING in menu.select.options
        opening = {k: getattr(exp, k) for k in page.settings}
        menu.select.value = "quick"
        assert (exp.n_max, exp.epochs) == (12, 10)
        exp.epochs = 11
        assert menu.select.value == CUSTOM
        menu.select.value = OPENING
        assert {k: getattr(exp, k) for k in page.settings} == opening and menu.select.value == OPENING
        # a setting that cannot run (ε range reversed) is said; a preset that puts it right clears the sentence
        exp.apply(eps_min=50.0)
        page.show_errors({})
        assert page.alert.visible and "reversed" in page.alert.pane.object and menu.select.value == CUSTOM
        menu.select.value = OPENING
        assert not page.alert.visible
    finally:
        page.job.cancel()


@pytest.mark.parametrize("name", studies.names())
def test_every_preset_is_a_valid_config(name):
    cls = studies.get(name).config_class
    assert set(cls.PRESETS) == set(cls.PRESET_DOCS)
    for values in cls.PRESETS.values():
        cls(**values)


def test_going_back_to_the_opening_setting_restores_values_an_earlier_one_moved(tmp_path, monkeypatch):
    """Applying n moves a one-link p along with it; the way back must still end on the opening p (the values are
    applied in order, each skipped only if already in force when its turn comes)."""
    from explorer.store.store import Store
    from explorer.ui.presets import OPENING

    monkeypatch.setenv("EXPLORER_APP_DEFAULTS", '{"specialization": {"p": 0.01}}')
    page = studies.get("specialization").page_class(store=Store(tmp_path), url=False)
    try:
        exp, menu = page.experiment, page.presets
        exp.n = 10                                   # p = 0.01 is now the one-link value at n = 10
        assert exp.p == 0.01
        menu.select.value = OPENING
        assert (exp.n, exp.p) == (25, 0.01)
    finally:
        page.job.cancel()


def test_the_opening_setting_is_what_the_page_opened_on_with_defaults_given(tmp_path):
    from explorer.store.store import Store
    from explorer.ui.presets import OPENING

    page = studies.get("growth").page_class(store=Store(tmp_path), url=False, defaults={"epochs": 3})
    try:
        assert page.experiment.epochs == 3 and page.presets.select.value == OPENING
        page.experiment.epochs = 4
        page.presets.select.value = OPENING
        assert page.experiment.epochs == 3
    finally:
        page.job.cancel()
