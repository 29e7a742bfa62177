"""The sidebar's "Link for a class" card: a teacher picks a lesson (a named preset of the study), ticks the
controls to hide, and copies a link that opens this page on the current setting with those controls hidden.

The link is plain text in an input (never markup): its values are URL-encoded by :func:`urllib.parse.urlencode`
and the page that opens it checks every one as it checks any link (:mod:`.url`).
"""
from __future__ import annotations

from urllib.parse import urlencode

import panel as pn

from . import url
from .cards import while_open

NONE = "(none: the page's own setting)"


def base_address() -> str:
    """The page's address without its query (empty outside a served page: the link is then relative)."""
    loc = pn.state.location
    if loc is None or not loc.pathname:
        return ""
    if not loc.hostname:
        return loc.pathname
    return f"{loc.protocol}//{loc.hostname}{':' + str(loc.port) if loc.port else ''}{loc.pathname}"


class ShareLink:
    """The card's widgets and the link they make for ``shell`` (a :class:`~explorer.ui.shell.StudyShell`)."""

    def __init__(self, shell, hidden=()):
        self.shell = shell
        experiment = shell.experiment
        lessons = shell.lessons()
        self.lesson = pn.widgets.Select(label="lesson", options={NONE: "", **{f"{v.title} ({k})": k
                                                                           for k, v in lessons.items()}},
                                        value=shell.lesson.name if shell.lesson else "", sizing_mode="stretch_width")
        advanced = set(experiment.advanced())
        labels = {**({"every advanced control (advanced)": "advanced"} if advanced else {}),
                  **{f"{experiment.param[n].label} ({n}{', advanced' if n in advanced else ''})": n
                     for n in shell.settings}}
        self.hide = pn.widgets.MultiChoice(label="hide these controls", options=labels, value=[],
                                           sizing_mode="stretch_width")
        self.link = pn.widgets.TextAreaInput(label="link (copy it)", value="", rows=3, sizing_mode="stretch_width",
                                             css_classes=["share-link"])
        self.card = None   #: the sidebar card (:meth:`panel`); while it is closed the link is not rewritten
        self.lesson.param.watch(self._lesson_picked, "value")
        self.hide.param.watch(lambda e: self.update(), "value")
        experiment.param.watch(lambda *e: self.update(), shell.settings)
        for obj, names in shell.view_options():   # what the page shows of the result (a network, a swap round)
            obj.param.watch(lambda *e: self.update(), names)
        # the page's own hidden controls (a lesson's, or a ?classroom= link's): a link made here hides them too
        shown_here = shell.lesson.hidden(experiment.advanced()) if shell.lesson is not None else hidden
        self.hide.value = self._grouped([n for n in shown_here if n in labels.values()])
        self.update()

    def _lesson_picked(self, event):
        lesson = self.shell.lessons().get(event.new)
        if lesson is not None:
            self.hide.value = self._grouped(lesson.hidden(self.shell.experiment.advanced()))
            errors = self.shell.experiment.apply(**lesson.settings)   # the page moves to the lesson's setting
            if errors:
                self.shell.show_errors(errors)
        self.update()

    def _grouped(self, names) -> list[str]:
        """``names`` with every advanced control said in one word, ``advanced`` (as ``?classroom=`` reads it)."""
        names, advanced = list(dict.fromkeys(names)), set(self.shell.experiment.advanced())
        if advanced and ("advanced" in names or advanced <= set(names)):
            names = ["advanced", *(n for n in names if n != "advanced" and n not in advanced)]
        return names

    def query(self) -> dict:
        """The link's query: study, lesson, the hidden controls and every setting a link may carry."""
        q = {"study": self.shell.study_name()}
        if self.lesson.value:
            q["lesson"] = self.lesson.value
        if self.hide.value:
            q["classroom"] = ",".join(self._grouped(self.hide.value))
        theme = url.theme_of((url.session_query() or {}).get("theme"))
        if theme not in (None, "default"):   # the page's theme goes with its link
            q["theme"] = theme
        q.update(url.serialize(self.shell.experiment, self.shell.url_settings))
        for obj, names in self.shell.view_options():   # the link opens on the network shown, as the address does
            q.update(url.serialize(obj, names))
        return q

    def update(self):
        """Write the link (once the card exists, only while it is open: :func:`~explorer.ui.cards.while_open`)."""
        if self.card is None:
            self._write()
        else:
            self._refresh()

    def _write(self):
        self.link.value = f"{base_address()}?{urlencode(self.query())}"

    def panel(self) -> pn.Card:
        note = pn.pane.HTML("<small>A lesson always hides its own controls; the link opens on the setting shown "
                            "now.</small>", styles={"opacity": "0.75"}, sizing_mode="stretch_width")
        self.card = pn.Card(self.lesson, self.hide, self.link, note, title="Link for a class", collapsed=True,
                            sizing_mode="stretch_width", css_classes=["card-share"])
        self._refresh = while_open(self.card, self._write)
        return self.card


def card(shell, hidden=()) -> pn.Card:
    """The "Link for a class" card of ``shell``'s sidebar (``hidden``: the controls the page itself hides)."""
    shell.share = ShareLink(shell, hidden)
    return shell.share.panel()
