"""When a page's plots show a result that is not the sidebar's setting: after a cancel, a run that failed, or a
large setting waiting for Run (:mod:`.budget`). A mixin of :class:`explorer.ui.shell.StudyShell`, which holds
``result``, ``stale``, ``experiment``, ``job``, the status line's :meth:`_running` and the page hooks."""
from __future__ import annotations

from . import budget
from .messages import differing_words
from .redraw import CANCELLED
from .widgets import escape


class Stale:
    """Cancel, a failed run and a waiting setting: the plots keep the last result, marked as not the sidebar's."""

    def _job_failed(self, event):
        if event.new:
            self._notes = []
            self._shown_stale()   # the plots show the last result, not the setting that failed (if they do)
            self._running(False, "The last run did not finish; see the message above." + self._stale_words())
            self.show_errors({})

    def cancel(self):
        """Stop the run; the plots keep the last result, marked as not matching the sidebar."""
        side = self._side_running()
        self.job.cancel()
        self._notes = []
        self._shown_stale()
        if side is not None and not self.stale:   # a sweep on the sidebar's own setting: that one is stored
            self._running(False, f"Cancelled: {escape(side)} stopped; what it finished is stored.")
            return
        self._running(False, "Cancelled. Nothing was stored for this setting; press <b>Run</b> to train it."
                      + self._stale_words(", not the sidebar's setting"))
        self.run_button.visible = True

    def _side_running(self) -> str | None:
        """The label of the side job (:meth:`train`) running now, or None."""
        return self._side if self.job.running and self.job.stage == self._side else None

    def _stale_words(self, tail: str = "") -> str:
        if not self.stale:
            return ""
        said = self.setting_words(self.result.config)
        differ = differing_words(self.result.config, self.experiment, self.described)
        return f" The plots are <b>stale</b>: they show {said}{differ}{tail}."

    def _shown_stale(self):
        """Mark the plots as showing a result that is not the sidebar's setting (when they do: a side job that
        failed or was cancelled leaves the sidebar's own result on screen)."""
        try:
            shown_is_sidebars = self.result is not None and self.result.config == self.experiment.config()
        except Exception:  # noqa: BLE001 — a sidebar setting that cannot run is not the one shown
            shown_is_sidebars = False
        self.stale = self.result is not None and not shown_is_sidebars
        if self.stale:
            for pane in self.setting_panes():
                pane.mark(CANCELLED)
            self.mark_stale(True)
        elif self.result is not None and self._trained_rows:   # a side job's training was drawn live: undone
            self.show_result(self.result)

    def _waits(self, times: float):
        """A setting ``times`` the opening one's work, not stored: said, with Run to start it (not on a class's
        page, which does not train it)."""
        self._shown_stale()
        if self.result is None:   # nothing shown yet: the cards say what they wait for, not a cancelled run's rows
            for pane in self.setting_panes():
                pane.wait()
        self._running(False, escape(budget.words(times, self.classroom)) + self._stale_words())
        self.run_button.visible = not self.classroom
