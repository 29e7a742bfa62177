"""The sidebar's preset menu: a study's named settings (``Config.PRESETS``, one-line docs in ``PRESET_DOCS``;
the CLI's ``--preset NAME``). Picking one applies it; the menu then follows the sidebar, naming the preset in
force, or "your own setting" once a value moves away from every preset. Not shown in a classroom or a lesson."""
from __future__ import annotations

import panel as pn

CUSTOM = "(your own setting)"


class PresetMenu:
    def __init__(self, shell):
        self.experiment = shell.experiment
        self.shell = shell
        config_class = self.experiment.config_class
        docs = config_class.PRESET_DOCS
        self.select = pn.widgets.Select(label="preset", options=[CUSTOM, *config_class.PRESETS],
                                        value=self.in_force(), sizing_mode="stretch_width", css_classes=["ctl-preset"],
                                        description=" ".join(f"{k}: {docs.get(k, '')}" for k in config_class.PRESETS))
        self.select.param.watch(self._picked, "value")
        self.experiment.param.watch(lambda *e: setattr(self.select, "value", self.in_force()), shell.settings)

    def values(self, name) -> dict:
        """A preset as the experiment's values (a seeds tuple 0 … k−1 is the count k)."""
        settings = self.experiment.config_class.settings()
        return {k: len(v) if settings[k].kind == "seeds" else v
                for k, v in self.experiment.config_class.PRESETS[name].items()}

    def in_force(self) -> str:
        for name in self.experiment.config_class.PRESETS:
            if all(getattr(self.experiment, k) == v for k, v in self.values(name).items()):
                return name
        return CUSTOM

    def _picked(self, event):
        if event.new != CUSTOM and event.new != self.in_force():
            errors = self.experiment.apply(**self.values(event.new))
            if errors:
                self.shell.show_errors(errors)


def menu(shell) -> list:
    """``[the preset menu]`` for a study with presets, else ``[]``."""
    if not shell.experiment.config_class.PRESETS:
        return []
    shell.presets = PresetMenu(shell)
    return [shell.presets.select]
