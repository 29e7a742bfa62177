"""The sidebar's preset menu: a study's named settings (``Config.PRESETS``, one-line docs in ``PRESET_DOCS``;
the CLI's ``--preset NAME``) and the page's opening setting (its defaults: a way back after trying things).
Picking one applies it; the menu then follows the sidebar, naming the preset in force, else "the page's opening
setting" or "your own setting". Not shown in a classroom or a lesson."""
from __future__ import annotations

import panel as pn

CUSTOM = "(your own setting)"
OPENING = "(the page's opening setting)"


class PresetMenu:
    def __init__(self, shell):
        self.experiment = shell.experiment
        self.shell = shell
        config_class = self.experiment.config_class
        docs = config_class.PRESET_DOCS
        self.select = pn.widgets.Select(label="preset", options=[CUSTOM, OPENING, *config_class.PRESETS],
                                        value=self.in_force(), sizing_mode="stretch_width", css_classes=["ctl-preset"],
                                        description=" ".join([f"{k}: {docs.get(k, '').rstrip('.')}."
                                                              for k in config_class.PRESETS]   # each its sentence
                                                             + [f"{OPENING[1:-1]}: back to the page's defaults."]))
        self.select.param.watch(self._picked, "value")
        self.experiment.param.watch(lambda *e: setattr(self.select, "value", self.in_force()), shell.settings)

    def values(self, name) -> dict:
        """A preset as the experiment's values (a seeds tuple 0 … k−1 is the count k)."""
        settings = self.experiment.config_class.settings()
        return {k: len(v) if settings[k].kind == "seeds" else v
                for k, v in self.experiment.config_class.PRESETS[name].items()}

    def in_force(self) -> str:
        for name in self.experiment.config_class.PRESETS:
            if self._matches(self.values(name)):
                return name
        return OPENING if self._matches(self.shell.opening_setting) else CUSTOM

    def _matches(self, values: dict) -> bool:
        """Whether the sidebar holds ``values``, as the experiment reads them (BIMT's top_k of 400: every neuron)."""
        def read(k, v):
            try:
                return self.experiment._coerce(k, v)
            except (ValueError, TypeError):
                return v
        return all(getattr(self.experiment, k) == read(k, v) for k, v in values.items())

    def _picked(self, event):
        if event.new != CUSTOM and event.new != self.in_force():
            # every value, in order: apply skips one already in force when its turn comes (an earlier one, like n,
            # may have moved it)
            values = self.shell.opening_setting if event.new == OPENING else self.values(event.new)
            errors = self.experiment.apply(**values)
            # said, or cleared: a sentence about the setting before (an ε range reversed) no longer applies
            self.shell.show_errors(errors)


def menu(shell) -> list:
    """``[the preset menu]`` for a study with presets, else ``[]``."""
    if not shell.experiment.config_class.PRESETS:
        return []
    shell.presets = PresetMenu(shell)
    return [shell.presets.select]
