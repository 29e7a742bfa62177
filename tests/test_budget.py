"""A setting far larger than the page's opening one waits for Run (explorer/ui/budget.py); only what the store
lacks counts: seeds not stored, and not those whose networks are stored under other measuring settings (a
reviewer saw a setting with 60 of 64 seeds stored, or one only to be measured again, held back)."""
from __future__ import annotations

from test_store import CFG, fake_run

from explorer.store import Store
from explorer.ui import budget


def test_only_the_seeds_the_store_lacks_count(tmp_path):
    store = Store(tmp_path)
    opening = CFG.work()                                       # two seeds
    big = CFG.replace(seeds=list(range(22)))                   # eleven times as many
    assert budget.ratio(big, opening) == 11.0 and budget.to_train(store, big, opening) == 11.0
    store.get_or_run(CFG.replace(seeds=list(range(20))), runner=fake_run)
    assert budget.to_train(store, big, opening) is None        # two seeds to train: the opening's size
    assert budget.to_train(store, big, None) is None           # Run was pressed (no measure)


def test_networks_stored_under_other_measuring_settings_are_not_counted(tmp_path):
    from explorer.studies.growth.config import TINY, GrowthConfig

    store = Store(tmp_path)
    one = GrowthConfig(**{**TINY, "seeds": 1})
    twelve = one.replace(seeds=list(range(12)))
    assert budget.to_train(store, twelve, one.work()) == 12.0
    store.get_or_run(twelve)
    other = twelve.replace(draws=3)                            # measured again, not trained
    assert store.missing_seeds(other) == list(range(12)) and budget.to_train(store, other, one.work()) is None


def test_a_page_opened_on_tiny_settings_measures_against_its_study_s_defaults():
    """A server opened on tiny settings (``EXPLORER_APP_DEFAULTS``, as the browser tests' is) held back every
    ordinary setting, the study's own defaults included; a lesson's page measures against its lesson alone."""
    from explorer.studies.specialization.config import TINY
    from explorer.studies.specialization.experiment import SpecializationExperiment
    from explorer.studies.specialization.page import Page

    tiny = SpecializationExperiment()
    tiny.apply(**TINY)
    defaults = SpecializationExperiment()
    defaults.apply(**Page.defaults)
    assert budget.opening(Page, tiny) == budget.work(defaults) > 100 * budget.work(tiny)
    assert budget.opening(Page, tiny, lesson=True) == budget.work(tiny)

