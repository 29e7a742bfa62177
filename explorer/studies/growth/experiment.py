"""What a person chose for one growth run, as ``param`` parameters built from the settings (no Panel import):
``GrowthExperiment(n_max=8, epochs=6).result()`` in a notebook, the sidebar of the growth page in the app."""
from __future__ import annotations

from ...core.experiment import Experiment as _Base, with_settings
from .config import GrowthConfig

#: The page's opening setting over the config's defaults (the app, a lesson's base): none, so the page opens on
#: the config's own (modules of 10 against a matched RNN, N up to 24, 3 seeds).
PAGE_DEFAULTS: dict = {}


@with_settings
class GrowthExperiment(_Base):
    """A chain of modules that grows with the N-parity curriculum, against a non-modular RNN of equal
    parameter count (Hamidi et al. 2024)."""

    config_class = GrowthConfig

    @property
    def matched_rnn_size(self) -> int:
        """The RNN size whose parameter count matches the chain's at N_max (shown next to the module size)."""
        from ...models.growing import matched_rnn_size

        return matched_rnn_size(self.module_size, self.n_max)


Experiment = GrowthExperiment
