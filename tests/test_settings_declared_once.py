"""Each setting is declared once (its study's config) and appears everywhere it is derived: as a CLI flag of
``run`` and ``sweep``, as a parameter of the study's Experiment (custom settings are written by hand there), and
in docs/settings.md, which must equal what ``python -m explorer.cli.settings_doc`` writes."""
from __future__ import annotations

import pytest

from explorer import studies
from explorer.cli import settings_doc
from explorer.cli.main import build_parser
from explorer.core.fields import flag_of

ALL = [(name, field) for name in studies.names() for field in studies.get(name).config_class.settings()]


def _flags(verb: str, study: str) -> set[str]:
    parser = build_parser()
    sub = next(a for a in parser._subparsers._group_actions if a.dest == "command").choices[verb]
    study_parser = next(a for a in sub._subparsers._group_actions if a.dest == "study").choices[study]
    return set(study_parser._option_string_actions)


@pytest.mark.parametrize("study, field", ALL, ids=[f"{s}.{f}" for s, f in ALL])
def test_setting_is_a_flag_a_parameter_and_documented(study, field):
    s = studies.get(study).config_class.settings()[field]
    flag = flag_of(field, s)
    for verb in ("run", "sweep"):
        flags = _flags(verb, study)
        assert flag in flags, (verb, flag)
        if s.kind == "bool":
            assert f"--no-{flag[2:]}" in flags
    if s.kind != "custom":   # custom settings map to hand-written parameters
        experiment = studies.get(study).experiment_class
        assert field in experiment.param, f"{field} is not a parameter of {experiment.__name__}"
        assert experiment.param[field].doc == s.doc and experiment.param[field].label == s.label
    doc = settings_doc.PATH.read_text()
    assert f"| `{flag}`" in doc and s.doc.split(".")[0] in doc


def test_docs_settings_md_is_up_to_date():
    assert settings_doc.PATH.read_text() == settings_doc.render(), \
        "docs/settings.md is out of date: run python -m explorer.cli.settings_doc"
    assert settings_doc.main(["--check"]) == 0


def test_a_dependent_setting_names_one_declared_before_it():
    """``Setting.depends_on`` (a setting whose text is read against another's value: p's "1/n2" on n) must name
    a setting of the same study declared before it (the CLI parses in declaration order), itself independent."""
    from explorer.studies import get, names

    for study in map(get, names()):
        settings = study.config_class.settings()
        names = list(settings)
        for name, s in settings.items():
            if s.depends_on:
                assert s.depends_on in names[:names.index(name)], (study.name, name)
                assert settings[s.depends_on].depends_on is None, (study.name, name)
