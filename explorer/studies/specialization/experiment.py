"""What a person chose for one run of the two-module specialization study, as ``param`` parameters.

Every setting of :class:`~explorer.studies.specialization.config.SpecializationConfig` becomes a parameter here
(:func:`~explorer.core.experiment.with_settings`), with bounds that follow the other knobs (p ≥ 1/n² follows n;
start times and the communication start stay inside the T time steps). The digit start times are the one
setting written by hand: a mode and two steps. No Panel import: the class works on its own in a notebook
(``SpecializationExperiment(n=8, epochs=2).result()``), and the page builds its sidebar from it.
"""
from __future__ import annotations

import math

import param

from ...core.experiment import Experiment as _Base, quoted, with_settings
from ...metrics.structure import n_links
from .config import T_MAX, ConfigError, SpecializationConfig, parse_p

_D = SpecializationConfig()

#: The page's opening setting (the app, a lesson's base): the papers' structure (n = 25, separate pathways, a
#: 5-neuron bottleneck) and the study's defaults, which train every network until it reaches 85 % test accuracy
#: (settings compared at equal skill, docs/gallery.md), with 3 seeds so that a new setting trains and is measured
#: in seconds on two cores.
PAGE_DEFAULTS = {"n": 25, "p": 0.1, "seeds": 3}

def p_grid(n: int) -> list[float]:
    """The p values the slider offers at module size n: 1/n² (one link), then 1-2-5 steps per decade to 1, each
    a different number of links (a stop that rounds to the same links as the one before is the same network)."""
    lo = 1.0 / (n * n)
    grid = [lo]
    for exponent in range(-6, 1):
        for mantissa in (1, 2, 5):
            v = float(f"{mantissa * 10.0**exponent:.3g}")
            if lo * 1.2 < v <= 1.0 and n_links(v, n) != n_links(grid[-1], n):
                grid.append(v)
    return grid


def p_label(p: float, n: int) -> str:
    """``1/n²`` for the one-link extreme, else the value with three significant digits."""
    return "1/n²" if math.isclose(p, 1.0 / (n * n), rel_tol=1e-9) else f"{p:.3g}"


@with_settings
class SpecializationExperiment(_Base):
    """Two recurrent modules, one digit each, linked by a fraction p of possible connections.

    ``config()`` gives the canonical :class:`SpecializationConfig`; ``result()`` asks the store for it
    (loading it when seen before, else training every seed as one ensemble). ``apply(**values)`` sets
    values the way a user types them and returns readable sentences for the ones it refused.
    """

    config_class = SpecializationConfig
    order = ("n", "steps")
    nouns = {"start_0": "digit 0's start time", "start_1": "digit 1's start time",
             "comms_start": "the communication start", "two_targets": "balanced targets",
             "exclusion": "the exclusion rule"}

    # --- the one custom setting: digit start times (Béna & Goodman 2023a, Fig. 4D, §5.3.2) ---
    start_mode = param.Selector(objects=["fixed", "random"], default="fixed", label="digit start times",
                                doc="fixed: digit k switches on at the step below; random: drawn per sample "
                                    "in [1, T−2], pure noise before (Béna & Goodman 2023a, §5.3.2).")
    start_0 = param.Integer(0, bounds=(0, T_MAX - 1), softbounds=(0, _D.steps - 1),
                            label="digit 0 switches on at step",
                            doc="Before it, module 0 sees pure noise (Béna & Goodman 2023a, Fig. 4D).")
    start_1 = param.Integer(0, bounds=(0, T_MAX - 1), softbounds=(0, _D.steps - 1),
                            label="digit 1 switches on at step",
                            doc="Before it, module 1 sees pure noise (Béna & Goodman 2023a, Fig. 4D).")

    def __init__(self, store=None, **params):
        super().__init__(store=store, **params)
        self._follow_n(strict=True)
        self._follow_steps(strict=True)
        self.param.watch(self._on_n, ["n"])
        self.param.watch(lambda e: self._follow_steps(), ["steps"])

    @classmethod
    def setting_names(cls) -> list[str]:
        names = [n for n in super().setting_names() if n not in ("start_mode", "start_0", "start_1")]
        at = names.index("noise")
        return names[:at] + ["start_mode", "start_0", "start_1"] + names[at:]

    @classmethod
    def custom_groups(cls) -> dict:
        return {"start_mode": "Time", "start_0": "Time", "start_1": "Time"}

    # ------------------------------------------------------------------ bounds that follow other knobs
    #: p set at 1/n² is one link, and stays one link whatever n becomes
    follows_bound = {"p": lambda self: 1.0 / self.n**2}

    def _on_n(self, event):
        self._follow_n()

    def _follow_n(self, strict: bool = False):
        lo = 1.0 / self.n**2
        self.param.p.bounds = (lo, 1.0)
        self.param.p.softbounds = (lo, 1.0)
        self.param.bottleneck.bounds = (0, 4 * self.n)
        if strict and self.p < lo * (1 - 1e-12):
            raise ConfigError(f"p must lie in [1/n², 1] = [{lo:.3g}, 1] for n = {self.n}, got {self.p:g}.")
        self.follow("p", lo=lo, why=f"at least 1/n² for n = {self.n}")
        self.follow("bottleneck", hi=4 * self.n, why=f"at most 4n for n = {self.n}")

    def _follow_steps(self, strict: bool = False):
        last = self.steps - 1
        for name in ("comms_start", "start_0", "start_1"):
            value = getattr(self, name)
            if strict and value > last:
                raise ConfigError(f"{self.nouns[name]} must be a step in [0, T−1] = [0, {last}], got {value}.")
            self.param[name].bounds = (0, last)
            self.param[name].softbounds = (0, max(last, 1))
            self.follow(name, hi=last, why=f"at most T − 1 = {last}")

    # ------------------------------------------------------------------ the house's hooks
    def parse_text(self, name, text):
        if name == "p":
            return parse_p(text, self.n)
        raise NotImplementedError

    def sentence(self, name, value, error) -> str:
        if name == "p" and not isinstance(error, ConfigError):   # p's lower bound is 1/n² at this n, whatever
            return (f"sparsity p must be a number from 1/n² = {1 / self.n**2:.3g} to 1 for n = {self.n}, or "
                    f"'1/n2'; got {quoted(value)}.")   # the parameter's bounds lag while the page is built
        return super().sentence(name, value, error)

    def bounds_note(self, name):
        if name == "p":
            return f" for n = {self.n}"
        if name in ("comms_start", "start_0", "start_1"):
            return f" (T − 1 for T = {self.steps})"
        return ""

    @property
    def start_times(self):
        return "random" if self.start_mode == "random" else (self.start_0, self.start_1)

    def custom_values(self) -> dict:
        return {"start_times": self.start_times}

    @classmethod
    def custom_params(cls, config) -> dict:
        st = config.start_times
        return {"start_mode": "random" if st == "random" else "fixed",
                "start_0": 0 if st == "random" else st[0], "start_1": 0 if st == "random" else st[1]}


Experiment = SpecializationExperiment
