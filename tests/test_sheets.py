"""A served page shares one stylesheet model per CSS file (explorer/ui/sheets.py)."""
import tempfile

import panel as pn
from bokeh.document import Document
from bokeh.models import ImportedStyleSheet

from explorer.store.store import Store
from explorer.ui import hub
from explorer.ui.sheets import share_stylesheets


def _key(sheet):
    return sheet.url if isinstance(sheet, ImportedStyleSheet) else sheet


def test_every_component_of_a_page_shares_one_model_per_stylesheet():
    view, header, _ = hub.page("growth", store=Store(tempfile.mkdtemp()), url=False)
    doc = Document()
    view.template(header=[header]).server_doc(doc)
    before = [m for m in doc.models if isinstance(m, ImportedStyleSheet)]
    urls = {m.url for m in before}
    used = [(m, [_key(s) for s in m.stylesheets]) for m in doc.models if getattr(m, "stylesheets", None)]
    dropped = share_stylesheets(doc)
    doc.models.recompute()
    after = [m for m in doc.models if isinstance(m, ImportedStyleSheet)]
    assert len(before) > 3 * len(urls) and len(after) == len(urls) and dropped >= len(before) - len(urls)
    for model, sheets in used:   # every component keeps the same stylesheets, in the same order
        assert [_key(s) for s in model.stylesheets] == sheets
    assert share_stylesheets(doc) == 0
