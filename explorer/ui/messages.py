"""Messages on a page: one alert of plain sentences (every character shown as itself: text from a URL or a
box never becomes markup or a link), and the small grammar of status lines."""
from __future__ import annotations

import panel as pn

from .widgets import escape

_ALERT_CSS = """
:host { width: 100%; }
.alert { color: #842029; background: #f8d7da; border: 1px solid #f5c2c7; border-radius: 6px;
         padding: 10px 14px; line-height: 1.4; overflow-wrap: anywhere; }
"""


def sentences_text(sentences, as_is=()) -> str:
    """Sentences joined, each starting with a capital (words in ``as_is``, e.g. dataset names, keep theirs)."""
    def cap(s):
        first = s.split()[0] if s.split() else ""
        # a Latin letter only: "ε points …" keeps its symbol (a capital epsilon reads as an E)
        return s[:1].upper() + s[1:] if "a" <= s[:1] <= "z" and first.strip("'\"") not in as_is else s
    return " ".join(cap(s) for s in sentences)


class Alert:
    """The page's one alert: ``say(heading, text)``; an empty text hides it. ``object`` is the HTML shown."""

    def __init__(self):
        self.pane = pn.pane.HTML("", visible=False, sizing_mode="stretch_width", css_classes=["run-alert"],
                                 stylesheets=[_ALERT_CSS], margin=(5, 10))

    def say(self, heading: str, text: str):
        if text:
            self.pane.param.update(object=f'<div class="alert" role="alert"><b>{escape(heading)}:</b> '
                                          f"{escape(text)}</div>", visible=True)
        else:
            self.pane.visible = False

    @property
    def visible(self) -> bool:
        return self.pane.visible

    @property
    def object(self) -> str:
        return self.pane.object


def result_status(setting: str, where: str, seconds: float, accuracy_words: str, data, skill: str, notes) -> str:
    """The status line under a result shown: the setting (already markup-safe), where it came from and how long
    it took, the networks' accuracy (mean ± population sd over seeds, no sd for one), what the study says about
    their skill (bold) and ``notes`` (values another setting moved, a side job's time); text escaped."""
    import numpy as np

    acc = data["accuracy"].values if "accuracy" in data else np.array([np.nan])
    took = f"in {seconds:.2f} s" if seconds >= 0.005 else "at once"
    spread = f" ± {np.nanstd(acc):.2f}" if np.count_nonzero(~np.isnan(acc)) > 1 else ""
    return (f"<b>{setting}</b> — {where} {took} · {escape(accuracy_words)} {np.nanmean(acc):.2f}{spread}"
            + (f" · <b>{escape(skill)}</b>" if skill else "") + (f" · {escape('; '.join(notes))}" if notes else ""))


def differing_words(shown, sidebar, described=(), most: int = 3) -> str:
    """`` (steps per epoch 60, not 120)``: the settings in which the ``shown`` config differs from the
    ``sidebar``'s (a config, or an experiment whose config it is), but for the ones the page's few words name
    (``described``) and the seeds, so that two results described alike can be told apart after a cancel (at most
    ``most``; escaped)."""
    if hasattr(sidebar, "config"):
        try:
            sidebar = sidebar.config()
        except Exception:  # noqa: BLE001 — a sidebar setting that cannot run: nothing to compare with
            return ""

    def value(v) -> str:
        return "none" if v is None else f"{v:g}" if isinstance(v, float) else str(v)

    parts = [f"{s.label} {value(getattr(shown, name))}, not {value(getattr(sidebar, name))}"
             for name, s in shown.settings().items()
             if s.identity and name != "seeds" and name not in described
             and getattr(shown, name) != getattr(sidebar, name)]
    return f" ({escape('; '.join(parts[:most]))})" if parts else ""
