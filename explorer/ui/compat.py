"""Button looks across Panel versions: ``color`` / ``variant`` (Panel ≥ 1.8) or ``button_type`` / ``button_style``."""
import panel as pn

_NEW = "color" in pn.widgets.Button.param and "variant" in pn.widgets.Button.param


def look(color: str = "default", variant: str | None = None) -> dict:
    """Constructor keywords giving a button (or button group) this colour and, optionally, style."""
    if _NEW:
        return {"color": color, **({"variant": variant} if variant else {})}
    return {"button_type": color, **({"button_style": variant} if variant else {})}


_LABEL = "label" in pn.widgets.TextInput.param


def titled(text: str) -> dict:
    """Constructor keyword giving a widget its visible title: ``label`` (Panel ≥ 1.9) or ``name``."""
    return {"label": text} if _LABEL else {"name": text}


def set_title(widget, text: str) -> None:
    """Change a widget's visible title after construction."""
    setattr(widget, "label" if _LABEL else "name", text)


class PromptDiscreteSlider(pn.widgets.DiscreteSlider):
    """A DiscreteSlider whose released value reaches the server's callbacks at once.

    Panel holds every widget change for 50 ms (``Syncable._debounce``) to merge bursts, unless the property is
    one of the widget's ``_priority_changes``. A released slider (``value_throttled``, sent after ``value``) is
    already the end of a burst, so the inner slider marks both as priority: a key press on p reached the
    dashboard's callback ~58 ms after it was pressed, 50 of them waiting.
    """

    PRIORITY = ["value", "value_throttled"]

    def _update_options(self, *events):
        super()._update_options(*events)
        if self._slider is not None:   # the inner IntSlider is rebuilt whenever the options change
            self._slider._priority_changes = self.PRIORITY
