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
