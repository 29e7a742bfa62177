"""When a study page draws what is not its headline: after the headline has gone out, and on a page still
opening, once it is up in the browser and no other page of the server is opening (:mod:`.quiet`). A mixin of
:class:`explorer.ui.shell.StudyShell`, which holds ``result``, ``job``, ``served()`` and ``_on_page`` (the
callbacks waiting for the page to be up; None once it is)."""
from __future__ import annotations

from . import quiet


class Later:
    """:meth:`after_headline` and :meth:`once_shown` for a study page."""

    #: after a new result, a page's views other than its headline follow this many ms later, so that the
    #: browser paints the headline (and the status line) before it receives the rest: at 30 ms they arrived
    #: while the headline was still being drawn (benchmarks/bench_app.py: slider move 0.40 → 0.31 s median)
    secondary_delay_ms = 250

    def after_headline(self, callback):
        """Run ``callback`` :attr:`secondary_delay_ms` after the result now shown went out, if it is still the
        one on screen (a page's secondary views; at once outside a server); on a page still opening, once it is
        up (:meth:`once_shown`: drawn sooner, they held the loop when the browser asked for the document)."""
        result = self.result
        run = lambda: callback() if self.result is result else None   # noqa: E731
        if self._on_page is not None and self.served():
            self.once_shown(run)
        else:
            self.job.later(run, self.secondary_delay_ms)

    def once_shown(self, callback):
        """Run ``callback`` on the session's loop once the page is up in the browser, what it shows has left the
        server, and no other page of this server is opening (e.g. a page's secondary cards: building them sooner
        would only delay the first figure, on this page or on one opened meanwhile: :mod:`.quiet`)."""
        if self._on_page is not None and self.served():
            self._on_page.append(callback)
        elif self.job.on_server and quiet.busy(exclude=self):   # polled on the session's loop
            self.job.later(lambda: self.once_shown(callback), delay_ms=100)
        else:   # (a closed page's job runs nothing)
            self.job.later(callback)
