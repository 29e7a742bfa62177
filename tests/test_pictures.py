"""docs/pictures.py (``make pictures``) photographs a card of each study page by its CSS class: the cards it
names must exist on the pages, and the script must start (the pictures themselves take minutes of training)."""
import importlib.util
import subprocess
import sys
from pathlib import Path

import panel as pn
import pytest

from explorer import studies
from explorer.store.store import Store

SCRIPT = Path(__file__).resolve().parents[1] / "docs" / "pictures.py"


def _pictures():
    spec = importlib.util.spec_from_file_location("pictures", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.PICTURES


def test_the_script_starts():
    out = subprocess.run([sys.executable, str(SCRIPT), "--help"], capture_output=True, text=True, check=True).stdout
    assert "--store" in out


@pytest.mark.parametrize("study, card", [(s, c) for s, c, _, _ in _pictures()])
def test_the_card_it_photographs_is_on_the_page(tmp_path, study, card):
    s = studies.get(study)
    tiny = s.experiment_class.from_config(s.config_class(**s.module("config").TINY)).values()
    page = s.page_class(store=Store(tmp_path), url=False, defaults=tiny)
    page.job.cancel()
    classes = {c for o in page.main.select(pn.Card) for c in o.css_classes}
    assert f"card-{card}" in classes, sorted(classes)
