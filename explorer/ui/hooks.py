"""The page hooks: what a study's ``Page`` (a :class:`~explorer.ui.shell.StudyShell`) may override to draw its
figures, with the defaults every page starts from. The shell calls them; nothing here names a study."""
from __future__ import annotations

from . import exports


class PageHooks:
    """Mixed into :class:`~explorer.ui.shell.StudyShell`: a page implements :meth:`build_main`; the other hooks
    have working defaults."""

    def overrides(self) -> dict:
        """``{setting: factory(sidebar, name) -> Control}`` for settings the study draws its own way."""
        return {}

    def view_options(self) -> list:
        """``[(parameterized, [names])]``: view state the page keeps in the URL besides the settings."""
        return []

    def build_main(self) -> list:
        """The page's main area (cards of figures), below the alert and the status line."""
        raise NotImplementedError

    def sidebar_extras(self) -> list:
        """What follows the settings in the sidebar: the Export card of the study's views (:mod:`.exports`)."""
        return [exports.card(self)]

    #: the settings :meth:`describe` names (a stale plot's words add the other settings that differ)
    described: tuple = ()

    def describe(self, config) -> str:
        """The setting in a few words for the status line (plain text; seeds are added by the shell)."""
        return ""

    def settings_changed(self, names):
        """The experiment changed (e.g. enable or disable controls that depend on another)."""

    def show_result(self, result):
        """Draw a finished Result."""

    def start_training(self):
        """A run starts training: empty the live curves."""

    def stream(self, events):
        """Progress events (``stage == "train"``) to stream into live curves."""

    def after_result(self):
        """A result is on screen (e.g. refresh views of neighbouring settings)."""

    def views_as_shown(self, result) -> dict:
        """``{VIEWS name: () -> figure}`` for the views the page's own controls change (a network, a swap
        round): the Export card saves those as the page shows them, the others as the view draws them."""
        return {}

    def export_tag(self, view: str) -> str:
        """What of the result the exported ``view`` shows, for its file name (``seed-2-round-5``), or ``""``:
        a view the page's own controls change (:meth:`views_as_shown`) names their values."""
        return ""

    #: views drawn from many stored runs, not from the result on screen: an export of one carries no caption of
    #: that result (its title says what it holds)
    many_runs_views: tuple = ()

    def skill_words(self, result) -> str:
        """Plain text after the status line's accuracy (e.g. the seeds below the criterion; escaped); or ``""``."""
        return ""

    def mark_stale(self, stale: bool):
        """The plots show a result that is not the sidebar's setting (after a cancel; ``False`` once a new
        result is shown): mark their titles so (the :meth:`setting_panes` are marked by the shell)."""

    def setting_panes(self) -> tuple:
        """The page's :class:`~explorer.ui.redraw.Redrawn` panes that show one setting's result and are not live
        while a run trains: their titles say PREVIOUS SETTING while a new setting trains, STALE after a cancel,
        until the next result redraws them; a pane with no result yet says what it waits for."""
        return ()
