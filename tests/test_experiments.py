"""SpecializationExperiment: every config knob as a parameter, bounds that follow n and T, readable refusals,
and results through the store (with a fast fake runner standing in for training)."""
import dataclasses

import numpy as np
import param
import pytest
import torch

import explorer.studies.specialization.run as spec_run
from explorer.store import memory
from explorer.core.config import ConfigError
from explorer.studies.specialization.config import SpecializationConfig
from explorer.studies.specialization import cells
from explorer.studies.specialization.experiment import SpecializationExperiment, p_grid, p_label
from explorer.core.result import Result
from explorer.studies.specialization.result import build_dataset
from explorer.store import Store

CALLS = []


def fake_run(config, on_progress=None, cancel=None):
    """A stand-in for training: a deterministic synthetic Result with one progress event per epoch."""
    CALLS.append(config)
    S, T, E, n = len(config.seeds), config.steps, config.epochs, config.n
    for e in range(E):
        if cancel is not None and cancel.is_set():
            raise spec_run.Cancelled("cancelled")
        if on_progress:
            on_progress({"stage": "train", "epoch": e + 1, "epochs": E, "fraction": (e + 1) / E,
                         "seeds": list(config.seeds), "loss": [1.0] * S, "accuracy": [0.5] * S})
    rng = np.random.default_rng(list(config.seeds))
    ds = build_dataset(config, M=rng.uniform(0, 1, (S, 4, T, 2, 2)), accuracy=np.full(S, 0.9),
                       digit_decoding=np.zeros((S, 2)), loss_curve=np.ones((S, E)), accuracy_curve=np.ones((S, E)),
                       Q_measured=np.full(S, config.Q), mask_accuracy=np.full((S, T, 2), 0.5))
    return Result(data=ds, weights={"W_rec": torch.zeros(S, 2 * n, 2 * n), "mask_inter": torch.zeros(S, 2 * n, 2 * n)})


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setattr(spec_run, "run", fake_run)
    monkeypatch.setattr(spec_run, "run_many", lambda cs, on_progress=None, cancel=None:
                        [fake_run(c, on_progress, cancel) for c in cs])
    CALLS.clear()
    return Store(tmp_path / "store")


def test_defaults_are_the_engines_and_every_field_has_a_parameter():
    exp = SpecializationExperiment()
    assert exp.config() == SpecializationConfig()
    fields = {f.name for f in dataclasses.fields(SpecializationConfig)}
    covered = set(exp.param) | {"start_times"}  # start_times is start_mode + start_0 + start_1
    assert fields <= covered
    grouped = [n for g in SpecializationExperiment.groups().values() for n in g]
    assert len(grouped) == len(set(grouped)) and set(SpecializationExperiment.advanced()) <= set(grouped)
    for name in grouped:
        par = exp.param[name]
        assert par.doc and par.label, name
        if isinstance(par, param.Number) and name != "deep_r_lr":
            assert par.bounds is not None, name


def test_an_experiment_from_a_config_keeps_its_seeds_or_says_it_cannot():
    """``from_config`` of a run of seeds 3 and 7 (``explorer run --seeds 3,7``) gave an experiment of seeds 0 and 1:
    other networks, in silence (a reviewer's catch). Seeds 0 … k−1 round-trip; others get a sentence."""
    config = SpecializationConfig(n=12, seeds=3)
    assert SpecializationExperiment.from_config(config).config() == config
    with pytest.raises(ConfigError, match="this config has seeds 3, 7: read it with the store"):
        SpecializationExperiment.from_config(config.replace(seeds=(3, 7)))


def test_p_lower_bound_follows_n_and_one_link_stays_one_link():
    exp = SpecializationExperiment(n=8, p=1 / 64)
    assert exp.param.p.bounds == (1 / 64, 1.0)
    exp.n = 10
    assert exp.p == pytest.approx(1 / 100) and exp.param.p.bounds[0] == pytest.approx(1 / 100)
    exp.p = 0.05
    exp.n = 4  # 0.05 < 1/16: raised to the new lower bound
    assert exp.p == pytest.approx(1 / 16)
    exp.n = 25   # the 0.05 asked comes back: it was pushed to the bound, not chosen at it (it became one link)
    assert exp.p == 0.05
    assert exp.take_moved() == ["sparsity p moved from 0.05 to 0.0625 (at least 1/n² for n = 4)",
                                "sparsity p back to 0.05, as set before"]
    exp.p = "1/n2"
    for n in (4, 10, 25):   # chosen at the bound: one link at every n, in silence
        exp.n = n
        assert exp.p == pytest.approx(1 / n**2)
    assert exp.take_moved() == []
    exp.p, exp.bottleneck = 0.1, 40
    exp.n = 8                    # the bottleneck is pushed to 4n = 32 …
    exp.bottleneck = 32          # … and then chosen: it stays 32 (setting a value in force sends no event)
    exp.n = 25
    assert exp.bottleneck == 32 and exp.p == 0.1
    with pytest.raises(ValueError):
        exp.p = 1e-4
    with pytest.raises(ConfigError, match="p must lie"):
        SpecializationExperiment(n=8, p=0.001)


def test_numpy_numbers_are_numbers():
    """A loop over np.arange or an xarray coordinate: np.int64 was refused ("must be an integer … got
    np.int64(5)"), or kept by param and refused by the config on every later request."""
    import numpy as np

    assert [SpecializationExperiment(n=n).n for n in np.arange(5, 8)] == [5, 6, 7]
    e = SpecializationExperiment()
    e.n, e.epochs = np.int64(10), np.int32(3)
    assert type(e.n) is int and e.config().n == 10 and e.config().epochs == 3
    assert SpecializationExperiment(p=np.float32(0.1)).p == 0.1   # float32's 0.1, not 0.10000000149


def test_an_experiment_copies_with_its_settings_and_what_was_asked():
    """Notebook 01 says "copy experiments[0], change one": copy.copy shared the parameters' state (setting the
    copy's n set the original's) and copy.deepcopy of it failed inside param."""
    import copy

    e = SpecializationExperiment(n=12, p="1/n2", start_mode="random", epochs=3)
    for c in (copy.copy(e), copy.deepcopy(e), e.copy()):
        assert c is not e and c.config() == e.config()
        c.n = 20
        assert e.n == 12 and c.p == pytest.approx(1 / 400)   # one link stays one link in the copy too
    assert e.copy(n=10, comms_start=2).config() == e.config().replace(n=10, p=0.01, comms_start=2)
    with pytest.raises(ConfigError, match="module size n must be a whole number"):
        e.copy(n=0)
    from explorer.studies.bimt.experiment import BIMTExperiment

    stuck = BIMTExperiment(steps=400)
    stuck.steps = 100                    # swaps every 200 steps: this setting cannot run, and still copies
    assert copy.copy(stuck).steps == 100 and stuck.problem() and copy.copy(stuck).problem() == stuck.problem()
    assert stuck.copy(swap_every=50).problem() is None   # and a copy may mend it


def test_time_bounds_follow_T():
    exp = SpecializationExperiment(steps=5, comms_start=4, start_1=3)
    exp.steps = 3
    assert (exp.comms_start, exp.start_1) == (2, 2)
    assert exp.param.comms_start.bounds == (0, 2)
    with pytest.raises(ConfigError, match="the communication start must be an integer from 0 to 2"):
        SpecializationExperiment(steps=3, comms_start=4)


def test_a_refusal_names_a_setting_by_its_label_not_its_code_name():
    """The config opens a refusal with the setting's name (the CLI opens it with the flag): a page said
    "comms_start must be …"; it says the label, as for a typed value."""
    from explorer.studies.bimt.experiment import BIMTExperiment

    exp = SpecializationExperiment(steps=5)
    exp.param.comms_start.bounds = (0, 10)   # what a config refuses beyond the page's own bounds
    exp.comms_start = 7
    assert exp.problem().startswith("the communication start must be an integer from 0 to 4")
    bimt = BIMTExperiment(steps=300)
    assert "_" not in bimt.apply(swap_every=300).get("swap_every", bimt.problem() or "")


def test_apply_takes_strings_and_refuses_with_sentences():
    exp = SpecializationExperiment()
    errors = exp.apply(n="8", p="1/n2", covariance="0.5", two_targets="false", steps=4, comms_start="2")
    assert errors == {}
    assert (exp.n, exp.p, exp.covariance, exp.two_targets, exp.comms_start) == (8, 1 / 64, 0.5, False, 2)
    errors = exp.apply(n=1000, start_1=9, dataset="imagenet", p=5, lr="fast", nonsense=1)
    assert set(errors) == {"n", "start_1", "dataset", "p", "lr", "nonsense"}
    assert errors["n"] == "module size n must be a whole number from 2 to 512; got 1000."
    assert "digit 1's start time" in errors["start_1"] and "T = 4" in errors["start_1"]
    assert "digits, mnist, emnist-letters" in errors["dataset"]
    assert "for n = 8" in errors["p"]
    assert exp.n == 8 and exp.dataset == "digits"  # refused values change nothing
    assert exp.apply(deep_r_lr="", data_dir="") == {} and exp.deep_r_lr is None and exp.data_dir is None


def test_a_data_folder_in_a_home_that_does_not_exist_gets_a_sentence():
    """Typed into the page's data folder box, "~nobody/data" raised a RuntimeError when the run's key was made
    (Path.expanduser): the page said nothing. Now the setting's problem names it, as the CLI does."""
    exp = SpecializationExperiment()
    assert exp.apply(dataset="mnist", data_dir="~nosuchuser_xq/data") == {}
    assert exp.problem() == ("the data folder ~nosuchuser_xq/… names a home folder that does not exist here "
                             "(~nosuchuser_xq): give the folder in full.")


def test_a_yes_or_no_setting_takes_yes_or_no_words_only():
    """``two_targets='f'`` or ``exclusion='nope'`` read as true (any non-empty text is truthy; a reviewer's
    catch): a config, a sweep file or a notebook that wrote a word the setting does not know ran the other
    setting in silence. Now the known words are read and anything else gets a sentence."""
    import numpy as np

    assert [SpecializationConfig(two_targets=v).two_targets for v in ("no", "Off", "0", "yes", True, 0, np.True_)] \
        == [False, False, False, True, True, False, True]
    for value in ("f", "nope", "", 2, 0.5):
        with pytest.raises(ConfigError, match="two_targets must be true or false"):
            SpecializationConfig(two_targets=value)


def test_problem_explains_settings_that_cannot_run():
    exp = SpecializationExperiment(steps=2)
    assert exp.problem() is None
    exp.start_mode = "random"
    assert "at least 3 time steps" in exp.problem()
    with pytest.raises(ConfigError):
        exp.config()


def test_config_round_trip_and_values():
    cfg = SpecializationConfig(n=12, p=0.2, steps=6, start_times=(1, 4), comms_start=2, seeds=3, noise=0.3)
    exp = SpecializationExperiment.from_config(cfg)
    assert exp.config() == cfg
    assert exp.values()["start_1"] == 4
    rnd = SpecializationExperiment.from_config(cfg.replace(start_times="random"))
    assert rnd.config().start_times == "random"


def test_p_grid_is_log_spaced_from_one_link_to_dense():
    g = p_grid(25)
    assert g[0] == 1 / 625 and g[-1] == 1.0 and g == sorted(g)
    assert 0.1 in g and 0.01 in g
    assert 0.002 not in g   # 0.002 · 625 rounds to the one link of 1/n²: the same network, not a stop
    assert p_label(1 / 625, 25) == "1/n²" and p_label(0.05, 25) == "0.05"


def test_result_trains_once_then_comes_from_the_store(store):
    exp = SpecializationExperiment(store=store, n=6, epochs=2, seeds=2)
    events = []
    first = exp.result(on_progress=events.append)
    assert not first.cached and len(CALLS) == 1 and events[-1]["fraction"] == 1.0
    assert exp.is_stored()
    again = exp.result()
    assert again.cached and len(CALLS) == 1
    fresh = SpecializationExperiment(store=Store(store.root), n=6, epochs=2, seeds=2)
    memory.forget()
    assert fresh.result().cached and len(CALLS) == 1  # a new process would read it from disk
    exp.seeds = 3
    exp.result()
    assert CALLS[-1].seeds == (2,)  # only the new seed is trained


def test_a_result_changed_in_place_does_not_reach_the_next_request(store):
    """The in-process cache handed every caller the same Result: a notebook that filtered ``result.data`` or
    zeroed a weight (an ablation by hand) got the changed one back from every later request for the setting."""
    exp = SpecializationExperiment(store=store, n=6, epochs=2, seeds=2)
    for get in (exp.result, exp.result, lambda: memory.load(store, exp.config()),
                lambda: memory.recall(store, exp.config()),
                lambda: memory.get_or_run_many(store, [exp.config()])[0]):
        mine = get()
        kept = mine.data["M"].values.copy()
        mine.data["M"][:] = -1.0
        mine.weights["W_rec"].fill_(7.0)
        again = exp.result()
        assert again.cached and np.array_equal(again.data["M"].values, kept)
        assert not again.weights["W_rec"].eq(7.0).any()
    assert len(CALLS) == 1


def test_cancel_stops_a_run_and_stores_nothing(store):
    import threading

    exp = SpecializationExperiment(store=store, n=6, epochs=2, seeds=2)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(spec_run.Cancelled):
        exp.result(cancel=cancel)
    assert not exp.is_stored()


def test_neighbours_stored_and_compute(store):
    cfg = SpecializationConfig(n=6, epochs=1, seeds=2)
    ps = cells.axis_values(cfg, "p", store)
    assert ps[0] == "1/n2" and 1.0 in ps
    grid = cells.neighbours(cfg, {"p": ps, "n": [4, 6]})
    assert all(c.p >= 1 / c.n**2 for _, c in grid)
    assert len({c.key() for _, c in grid}) == len(grid)
    found, missing = cells.stored(store, grid)
    assert found == [] and len(missing) == len(grid)
    memory.get_or_run_many(store, [c for _, c in missing[:3]])
    found, missing = cells.stored(store, grid)
    assert len(found) == 3 and len(missing) == len(grid) - 3
    assert cells.axis_values(cfg, "comms_start") == list(range(cfg.steps))
    with pytest.raises(ConfigError):
        cells.axis_values(cfg, "lr")


def test_a_notebook_gives_settings_as_a_person_does_and_gets_the_clis_sentences():
    """The constructor takes what the page and the CLI take (p = "1/n2", text) and refuses what they refuse, with
    their sentence, instead of a param error or a value quietly changed."""
    exp = SpecializationExperiment(n=10, p="1/n2", seeds="3")
    assert (exp.n, exp.p, exp.seeds) == (10, pytest.approx(1 / 100), 3)
    with pytest.raises(ConfigError, match=r"bottleneck must be an integer from 0 to 40 \(4n\), got 100"):
        SpecializationExperiment(n=10, bottleneck=100)
    with pytest.raises(ConfigError, match="module size n must be a whole number from 2 to 512; got 1"):
        SpecializationExperiment(n=1)
    with pytest.raises(ConfigError, match="seeds must be a whole number from 1 to 64"):
        SpecializationExperiment(seeds=[0, 1])


def test_interact_names_the_studys_views_for_a_view_it_does_not_have():
    from explorer import notebook

    with pytest.raises(ValueError, match="'nope': not a view of this study \\(its views: specialization, module"):
        notebook.interact(SpecializationExperiment(), view="nope")


def test_setting_an_attribute_in_a_notebook_is_apply_and_a_typo_is_refused():
    """``experiment.p = …`` goes through apply (text parsed, one sentence when refused, the value kept);
    ``experiment.epohcs = 300`` used to set nothing in silence: now it names the closest setting."""
    e = SpecializationExperiment()
    e.p = "1/n2"
    assert e.p == pytest.approx(1 / 25**2)
    with pytest.raises(ConfigError, match=r"from 1/n² = 0.0016 to 1 for n = 25"):
        e.p = 5
    assert e.p == pytest.approx(1 / 25**2)
    with pytest.raises(AttributeError, match="no setting 'epohcs'; did you mean 'epochs'"):
        e.epohcs = 300
    assert not hasattr(e, "epohcs") and e.epochs == SpecializationConfig().epochs
    e.n = 10                                   # watchers still run: one link stays one link
    assert e.p == pytest.approx(0.01)
    # the same typo in the constructor (as the README builds experiments) raised from deep inside param
    with pytest.raises(TypeError, match="^SpecializationExperiment has no setting 'epoch'; did you mean 'epochs'"):
        SpecializationExperiment(epoch=5)
    assert SpecializationExperiment(name="mine").name == "mine"   # param's own parameters still pass


def test_views_and_notebook_helpers_say_what_they_take(tmp_path):
    from explorer import notebook, studies

    views = studies.get("specialization").views
    with pytest.raises(KeyError, match=r"no view called 'specialisation' \(did you mean 'specialization'\?\); the"):
        views["specialisation"]

    e = SpecializationExperiment(store=Store(tmp_path / "store"), n=6, epochs=1, seeds=1)
    with pytest.raises(TypeError, match="draws a result, not a SpecializationExperiment"):
        studies.get("specialization").views["specialization"](e)
    with pytest.raises(TypeError, match="takes an experiment .* not a SpecializationConfig"):
        notebook.result(e.config())
    box = notebook.interact(e, names="comms_start")      # one name, not its letters
    assert box.children[0].description == e.param.comms_start.label


def test_a_notebook_gets_the_run_s_refusal_in_its_own_words(tmp_path, monkeypatch):
    """MNIST offline ended 'or choose --dataset digits' in a notebook: the CLI's words. notebook.result says
    dataset='digits' (a number stays a number), as a notebook writes it."""
    from explorer import notebook
    from explorer.core.config import ConfigError
    from explorer.store import Store

    def refuse(*args, **kwargs):
        raise ConfigError("MNIST not found in /x: put its files there, or choose --dataset digits; or use --n 10.")

    e = SpecializationExperiment(store=Store(tmp_path / "store"))
    monkeypatch.setattr(type(e), "result", refuse)
    with pytest.raises(ConfigError) as caught:
        notebook.result(e)
    assert str(caught.value) == "MNIST not found in /x: put its files there, or choose dataset='digits'; or use n=10."
    assert notebook.in_code("--bogus 3 stays", e) == "--bogus 3 stays"


def test_a_change_that_moves_other_settings_asks_once_and_a_new_value_asks_again(tmp_path, monkeypatch):
    """n moved p and the bottleneck, and each of the three events asked for the setting: two jobs for one. A
    request while that job runs asks again only when some value differs (a device is not in the run's key)."""
    from explorer.store import Store
    from explorer.studies.specialization.page import Page
    from explorer.ui.live import LiveJob

    submitted = []

    def submit(self, work, on_event=None, on_done=None, label="working"):   # the job never ends: it "runs"
        submitted.append(label)
        self._generation += 1
        self.running = True

    monkeypatch.setattr(LiveJob, "submit", submit)
    page = Page(store=Store(tmp_path / "store"), url=False,
                defaults={"n": 4, "epochs": 1, "seeds": 1, "steps": 2, "bottleneck": 16})
    submitted.clear()
    page.experiment.n = 3                 # p follows (one link), the bottleneck moves: one request trains
    assert len(submitted) == 1
    page.experiment.device = "cpu" if page.experiment.device != "cpu" else "auto"   # outside the key: asks again
    assert len(submitted) == 2
    page.job.cancel()                      # a cancelled job is not the one to wait for
    page.request()
    assert len(submitted) == 3


def test_a_refused_number_is_quoted_as_a_person_writes_it():
    from explorer.core.experiment import quoted

    assert quoted(1e9) == "1e+09" and quoted(2.5) == "2.5" and quoted("abc") == "'abc'" and quoted(3) == "3"


def test_a_bound_that_follows_another_setting_says_what_it_moved(tmp_path):
    """n 25 → 8 set a bottleneck of 40 to 32 in silence (found by a reviewer); T 6 → 3 moved a start time."""
    import time

    from explorer.store import Store
    from explorer.studies.specialization.experiment import SpecializationExperiment
    from explorer.studies.specialization.page import Page

    exp = SpecializationExperiment(n=25, bottleneck=40, steps=6, start_1=5)
    exp.n = 8
    assert exp.bottleneck == 32
    assert exp.take_moved() == ["bottleneck moved from 40 to 32 (at most 4n for n = 8)"]
    exp.steps = 3
    assert exp.take_moved() == ["digit 1 switches on at step moved from 5 to 2 (at most T − 1 = 2)"]
    assert exp.take_moved() == []
    exp.p = "1/n2"
    exp.n = 4                      # one link stays one link: not a move (the bottleneck is)
    assert exp.take_moved() == ["bottleneck moved from 32 to 16 (at most 4n for n = 4)"]

    page = Page(store=Store(tmp_path / "store"), url=False,
                defaults={"n": 4, "epochs": 1, "seeds": 1, "steps": 2, "until_accuracy": 0.0, "bottleneck": 16})
    deadline = time.monotonic() + 120

    def shown(n):
        """Wait for n's status line, not for its result: outside a server the page shows a result from the job's
        thread, and its status line follows its figures (read between the two it still said "Measuring …", and
        notes said meanwhile went to the line of the result before)."""
        while not (page.result is not None and page.result.config.n == n and not page.job.running
                   and ("now stored" in page.status.value or "from the store" in page.status.value)) \
                and time.monotonic() < deadline:
            time.sleep(0.05)

    shown(4)
    page.experiment.n = 3
    shown(3)
    assert "bottleneck moved from 16 to 12 (at most 4n for n = 3)" in page.status.value
