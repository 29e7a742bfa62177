"""The sidebar's number control in plain Python (no server): a log slider for settings that span decades."""
import math

import panel as pn
import param
import pytest

from explorer import studies
from explorer.store import Store
from explorer.ui.widgets import LogScale


def test_a_log_scale_maps_decades_to_equal_lengths_and_rounds_what_a_drag_sends():
    s = LogScale(1e-5, 1e-2, integer=False, step=None)
    assert (s.lo, s.hi) == (-5, -2)
    assert s.position(1e-3) == pytest.approx(-3) and s.position(0.0) == -5 and s.position(1.0) == -2
    assert s.value(-3) == 1e-3 and s.value(math.log10(3.4567e-4)) == 3.5e-4   # two significant digits
    counts = LogScale(256, 32_768, integer=True, step=256)
    assert counts.value(math.log10(8192)) == 8192 and counts.value(math.log10(8300)) == 8192   # on the step
    assert counts.value(counts.lo) == 256 and isinstance(counts.value(3.0), int)


def test_every_log_setting_has_its_default_on_the_slider():
    """A log slider needs soft bounds 0 < low < high; its default sits between them (visible, not clipped)."""
    found = 0
    for study in map(studies.get, studies.names()):
        defaults = study.config_class()
        for name, s in study.config_class.settings().items():
            if s.log:
                found += 1
                value = getattr(defaults, name)
                assert value is None or s.soft[0] <= value <= s.soft[1], (study.name, name)
    assert found >= 10


def test_the_growth_pages_epsilon_slider_moves_in_decades(tmp_path, monkeypatch):
    """ε from 1e-3 to 1 on one slider: dragged to 0.05 the setting is 0.05 and the box says so; a typed value
    below the slider's range is kept (the slider rests at its left end)."""
    from explorer.studies.growth.page import Page
    from explorer.ui.shell import StudyShell

    monkeypatch.setattr(StudyShell, "request", lambda self: None)   # the page alone, nothing trained
    page = Page(store=Store(tmp_path / "store"), url=False)
    control = page.sidebar_controls.controls["eps_min"].panel
    slider = control.slider
    assert isinstance(slider, pn.widgets.FloatSlider)
    assert (slider.start, slider.end) == (-3, 0) and slider.value == pytest.approx(-2)   # 0.01
    with param.edit_constant(slider):   # what a released drag sends
        slider.value_throttled = math.log10(0.05)
    assert page.experiment.eps_min == 0.05 and control.box.widget.value == "0.05"
    control.box.widget.value = "1e-5"
    assert page.experiment.eps_min == 1e-5 and slider.value == -3 and control.box.widget.value == "1e-05"
    n = page.sidebar_controls.controls["module_size"].panel.slider   # a linear slider stays linear
    assert isinstance(n, pn.widgets.IntSlider) and n.value == page.experiment.module_size


def test_a_served_page_keeps_the_server_s_data_folder(monkeypatch, tmp_path):
    """A visitor could type any folder of the server's disk as the data folder: the server would read, unpack and
    (online) download MNIST / EMNIST there. A served page greys the box out and puts back the server's folder,
    whatever value reaches the parameter; a notebook's page (no server) keeps what is typed."""
    import panel as pn

    from explorer.store import Store
    from explorer.studies.specialization.page import Page
    from explorer.ui.shell import StudyShell

    asked = []   # the data folder of every setting the page asked for: a visitor's never reaches a request
    monkeypatch.setattr(StudyShell, "request", lambda self, pressed=False: asked.append(self.experiment.data_dir))
    monkeypatch.setattr(StudyShell, "served", staticmethod(lambda: True))
    page = Page(store=Store(tmp_path / "store"), url=False)
    box = page.sidebar_controls.controls["data_dir"].panel
    assert any(w.disabled for w in box.select(pn.widgets.TextInput))
    page.experiment.data_dir = "/etc"
    assert page.experiment.data_dir is None and "/etc" not in asked
    assert any("server's data folder" in note for note in page._notes)
    monkeypatch.setattr(StudyShell, "served", staticmethod(lambda: False))
    notebook = Page(store=Store(tmp_path / "store"), url=False)
    notebook.experiment.data_dir = str(tmp_path / "mnist")
    assert notebook.experiment.data_dir == str(tmp_path / "mnist")
