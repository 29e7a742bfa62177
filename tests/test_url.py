"""explorer.ui.url.unread: a name in a link that the page does not read gets a sentence, never silence."""
from explorer.ui import url
from explorer.ui.url import unread

READ = ["study", "lesson", "n", "p", "n_max", "seed_index"]


def test_names_the_page_reads_and_bokehs_own_get_nothing():
    assert unread({"n": "3", "p": "0.1", "study": "x", "bokeh-autoload-element": "1"}, READ) == {}


def test_a_typo_gets_the_closest_name_the_page_reads():
    errors = unread({"n_mx": "4"}, READ)
    assert list(errors.values()) == ["this page has no setting called “n_mx” (did you mean “n_max”?); it was ignored."]


def test_a_name_with_no_close_match_is_named_alone():
    (sentence,) = unread({"zzz": "1"}, READ).values()
    assert sentence == "this page has no setting called “zzz”; it was ignored."


def test_a_setting_a_link_cannot_set_says_so():
    (sentence,) = unread({"workers": "2"}, READ, settings=["workers"]).values()
    assert sentence == "a link cannot set “workers” (it is not part of a run's setting); it was ignored."


def test_a_hostile_name_is_quoted_short_in_its_key_and_sentence():
    name = "<b>" + "A" * 500
    ((key, sentence),) = unread({name: "1"}, READ).items()
    assert len(key) < 50 and "A" * 50 not in sentence and sentence.startswith("this page has no setting called “<b>")


def test_values_a_link_set_that_cannot_run_together_go_back_fewest_first():
    """ε from 20 to 10 (each valid alone, reversed together): one value back is enough, the link's others stay."""
    from explorer import studies
    from explorer.ui.url import runnable

    exp = studies.get("growth").experiment_class()
    before = {k: getattr(exp, k) for k in ("module_size", "eps_min", "eps_max")}
    exp.apply(module_size="4", eps_min="20", eps_max="10")
    errors = {}
    assert runnable(exp, before, errors) == ["eps_min"]
    assert (exp.module_size, exp.eps_min, exp.eps_max) == (4, before["eps_min"], 10.0) and exp.problem() is None
    assert errors["link"].startswith("the link's value for smallest ε was not applied, because the setting could "
                                     "not run with it (the ε range is reversed")
    assert runnable(exp, before, {}) == []   # a setting that runs: nothing goes back


def test_a_mistyped_lesson_gets_the_closest_name_and_every_lesson_by_study():
    from explorer import studies

    said = url.no_lesson("sparcity")
    assert "did you mean “sparsity”?" in said
    for study in studies.names():          # every lesson of the app, not only this page's
        for lesson in studies.get(study).lessons:
            assert lesson in said
    assert "did you mean" not in url.no_lesson("zzzzzz")
