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


def test_view_options_read_json_python_literals_and_plain_text_and_refuse_the_rest():
    """Panel rewrote a page's other URL values with str() whenever one changed (per_module=False,
    metrics=['bottleneck', …]): such links, already shared, must reopen without a "Not applied" banner."""
    import param

    class Options(param.Parameterized):
        per_module = param.Boolean(default=False)
        metrics = param.ListSelector(default=["bottleneck"], objects=["bottleneck", "ablation", "weight_mask"])
        metric = param.Selector(default="bottleneck", objects=["bottleneck", "ablation"])

    for query, want in [({"per_module": "true"}, ("per_module", True)), ({"per_module": "True"}, ("per_module", True)),
                        ({"metrics": '["ablation", "weight_mask"]'}, ("metrics", ["ablation", "weight_mask"])),
                        ({"metrics": "['ablation', 'weight_mask']"}, ("metrics", ["ablation", "weight_mask"])),
                        ({"metric": "ablation"}, ("metric", "ablation")),
                        ({"metric": '"ablation"'}, ("metric", "ablation"))]:
        obj, errors = Options(), {}
        url.apply_view_options(obj, query, errors)
        assert errors == {} and getattr(obj, want[0]) == want[1], query
    obj, errors = Options(), {}
    url.apply_view_options(obj, {"per_module": "maybe", "metrics": "['nope']", "metric": "__import__('os')"}, errors)
    assert set(errors) == {"per_module", "metrics", "metric"} and (obj.per_module, obj.metric) == (False, "bottleneck")


def test_the_address_is_rewritten_as_json_not_as_pythons_str():
    """The session's location writes the values it did not change as JSON (false, ["a", "b"]), as it wrote them
    first, so a link copied after a change reads like the first one."""
    from panel.io.location import Location

    loc = Location(search="?per_module=false&metrics=%5B%22bottleneck%22%2C+%22ablation%22%5D&p=0.1")
    url.write_json(loc)
    loc.update_query(p=1)
    assert loc.search == "?per_module=false&metrics=%5B%22bottleneck%22%2C+%22ablation%22%5D&p=1"


def test_a_theme_the_page_does_not_have_gets_a_sentence():
    assert unread({"theme": "dark"}, READ + ["theme"]) == {}
    assert unread({"theme": "blue"}, READ + ["theme"]) == {
        "theme": "there is no theme “blue”; the themes are default and dark."}


def test_a_name_outside_ascii_is_quoted_as_the_link_wrote_it():
    """tornado decodes query names as Latin-1: ?ñ=1 was named “Ã±”."""
    assert url._utf8("Ã±") == "ñ" and url._utf8("n") == "n" and url._utf8("ñ") == "ñ"


def test_a_name_given_twice_with_different_values_says_which_value_the_page_read():
    """?p=0.1&p=0.5 silently used 0.5; now the dropped value gets a sentence (equal repeats are harmless)."""
    assert url.repeated({"p": [b"0.1"], "n": [b"5", b"5"]}) == {}
    assert url.repeated({"p": [b"0.1", b"0.5"]}) == {
        "“p” repeated": "“0.1” was ignored: the link gives “p” 2 values, and the page reads the last, “0.5”."}
    [sentence] = url.repeated({"Ã±": [b"1", b"2", b"3", b"4", b"5"]}).values()
    assert sentence == ("“1”, “2”, “3” … were ignored: the link gives “ñ” 5 values, and the page reads the "
                        "last, “5”.")
    # the value read is the last one given, even when it was given before too
    assert url.repeated({"p": [b"0.1", b"0.5", b"0.1"]}) == {
        "“p” repeated": "“0.5” was ignored: the link gives “p” 3 values, and the page reads the last, “0.1”."}
