"""The template every served page stands in (explorer/ui/template.py)."""
import panel as pn
from bokeh.document import Document

from explorer.ui.template import page_template


def test_a_page_has_no_server_wide_busy_spinner():
    """Panel's busy spinner follows one flag for the whole server: every event of every session would set the
    spinner of every open page (a websocket message each), and a pupil's page would spin for the others' work."""
    before = list(pn.state._indicators)
    template = page_template("A study", pn.Column("sidebar"), pn.Column("main"))
    template.server_doc(Document())
    assert template.busy_indicator is None
    assert pn.state._indicators == before
