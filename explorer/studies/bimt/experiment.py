"""What a person chose for one BIMT run, as ``param`` parameters built from the settings (no Panel import):
``BIMTExperiment(grid=6, steps=1000).result()`` in a notebook, the sidebar of the BIMT page in the app."""
from __future__ import annotations

from ...core.config import ConfigError
from ...core.experiment import Experiment as _Base, with_settings
from .config import ALL, BIMTConfig

#: The page's opening setting over the config's defaults (the app, a lesson's base): none, so the page opens on
#: the config's own (8 × 8 sheet, BIMT, 3 seeds as one ensemble).
PAGE_DEFAULTS: dict = {}


@with_settings
class BIMTExperiment(_Base):
    """An RNN on a 2D sheet learning the 20 cognitive tasks, with or without brain-inspired modular training
    (Liu et al. 2023)."""

    config_class = BIMTConfig
    order = ("grid",)

    def __init__(self, store=None, **params):
        super().__init__(store=store, **params)
        if "top_k" not in params:   # the default is every neuron of the sheet, whatever sheet was given
            self.top_k = self.grid * self.grid
        self._follow_grid()
        self.param.watch(self._follow_grid, ["grid"])

    #: neurons per swap set at the sheet's size is every neuron, and stays every neuron on another sheet
    follows_bound = {"top_k": lambda self: self.grid * self.grid}

    def _follow_grid(self, event=None):
        """Neurons tried per swap stay within the sheet, and "all of them" stays all of them: 64 of an 8 × 8
        sheet is 81 of a 9 × 9 one (it stayed 64, and back on 8 × 8 after a 7 × 7 sheet it stayed 49: another
        run, trained again, where the paper's presets promise every neuron tries); 10 of them is 9 on a 3 × 3
        sheet and 10 again on an 8 × 8 one (it became 64)."""
        n = self.grid * self.grid
        self.param.top_k.bounds = (1, n)
        self.follow("top_k", hi=n, why=f"at most the {n} neurons of a {self.grid} × {self.grid} sheet")

    def _coerce(self, name, value):
        """As the config: more neurons per swap than the sheet has is all of them (a preset's, a link's 400)."""
        value = super()._coerce(name, value)
        if name == "top_k" and self.grid * self.grid < value <= ALL:
            value = self.grid * self.grid
        return value

    def parse_text(self, name, text):
        """The task list is checked as it is typed: an unknown name is refused with its sentence and the box goes
        back to the tasks in force (it used to keep the bad list while the figures showed the old setting)."""
        if name != "tasks":
            raise NotImplementedError
        from ...tasks.yang19 import tasks_text

        try:
            return tasks_text(text)
        except ValueError as e:
            raise ConfigError(str(e)) from None

    def bounds_note(self, name):
        return f" for a {self.grid} × {self.grid} sheet" if name == "top_k" else ""


Experiment = BIMTExperiment
