"""A page's state in its URL (``pn.state.location``) and the ``?classroom=`` links that hide controls.

Everything read from a URL goes through the experiment's ``apply`` (settings) or a parameter's own
deserializer (view options): a bad value is refused with one sentence, quoted short, and the default stays.
"""
from __future__ import annotations

import contextlib
import json

import panel as pn

from ..core.config import closest
from .session import served
from .widgets import fmt

#: Query parameters the shell itself reads (besides the settings and the page's view options).
OWN = ("classroom", "lesson", "study", "theme")
THEMES = ("default", "dark")
#: ``?classroom=`` values that hide every advanced control (anything else names controls)
CLASSROOM_ON = ("1", "true", "yes", "advanced")


def shown(value, limit: int = 40) -> str:
    """A value quoted for a sentence, at most ``limit`` characters (the page escapes it)."""
    text = str(value)
    return "“" + (text if len(text) <= limit else text[:limit] + "…") + "”"


def session_query() -> dict | None:
    """The served page's query parameters as the raw text of the link ({name: text}; the last value of a
    repeated name), or None outside a server session. Read from the request itself: Panel's parsed
    ``location.query_params`` silently drops values it cannot parse, which would then get no sentence."""
    loc = pn.state.location
    if loc is None or not served():
        return None
    try:
        args = pn.state.session_args or {}
    except Exception:  # noqa: BLE001 — no request (e.g. a test harness): fall back to the parsed query
        args = {}
    if args:
        return {_utf8(k): _text(v[-1]) for k, v in args.items() if v}
    return {k: (v if isinstance(v, str) else json.dumps(v)) for k, v in dict(loc.query_params).items()}


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def session_repeats() -> dict:
    """:func:`repeated` of the served request's query (nothing outside a server session)."""
    try:
        return repeated(pn.state.session_args or {}) if served() else {}
    except Exception:  # noqa: BLE001 — no request (a test harness): nothing repeated
        return {}


def repeated(args: dict) -> dict:
    """A sentence for each name a link gives more than once with different values (a hand-edited link; the
    page reads the last), keyed like :func:`unread`'s. ``args``: ``{name: [raw values]}`` as tornado parses
    the query."""
    out = {}
    for name, values in args.items():
        raw = [_text(v) for v in values]
        last = raw[-1] if raw else ""
        dropped = [v for v in dict.fromkeys(raw) if v != last]   # the values the page did not read, once each
        if dropped:
            name = _utf8(name)
            words = ", ".join(shown(v) for v in dropped[:3]) + (" …" if len(dropped) > 3 else "")
            out[f"{shown(name)} repeated"] = (
                f"{words} {'was' if len(dropped) == 1 else 'were'} ignored: the link gives {shown(name)} "
                f"{len(raw)} values, and the page reads the last, {shown(last)}.")
    return out


def _utf8(name: str) -> str:
    """A query name as the link wrote it: tornado decodes names as Latin-1 (``ñ`` arrived as ``Ã±``)."""
    try:
        return name.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return name


def theme_of(text) -> str | None:
    """A ``?theme=`` value as the template reads it (quotes dropped), or None when it names no theme."""
    text = "" if text is None else str(text).strip("'\"")
    return text if text in THEMES else None


def safe_theme() -> None:
    """Panel's templates index their themes with ``?theme=`` unchecked: drop any value that is not a theme."""
    try:
        args = pn.state.session_args
    except Exception:  # noqa: BLE001 — outside a server there is nothing to clean
        return
    value = args.get("theme") if args else None
    if value:
        if theme_of(_text(value[0])) is None:
            args.pop("theme", None)


def link_settings(experiment) -> list[str]:
    """The settings a URL may set: every one whose field is part of the run's identity (custom settings,
    which have no field of their own, count as identity)."""
    meta = experiment.config_class.settings() if experiment.config_class is not None else {}
    return [n for n in experiment.setting_names() if n not in meta or meta[n].identity]


def apply_view_options(obj, query: dict, errors: dict) -> None:
    """Set ``obj``'s parameters named in ``query`` (JSON, a Python literal or plain text); a bad one gets a
    sentence."""
    for k in [k for k in query if k in obj.param and k != "name"]:
        text = query[k]
        try:
            for value in _readings(obj, k, text):
                try:
                    setattr(obj, k, value)
                    break
                except Exception:  # noqa: BLE001 — the next reading, or the sentence below
                    continue
            else:
                raise ValueError(text)
        except Exception:  # noqa: BLE001 — a bad view option in a link is ignored with a note
            errors[k] = f"the link's {k} value {shown(text)} is not a valid view option; it was ignored."


def _readings(obj, name: str, text: str):
    """What a link's text may mean, in order: the parameter's JSON, a Python literal (``False``, ``['a', 'b']``:
    how Panel 1.x rewrote the other parameters of an address whenever one changed, so such links are out there;
    ``ast.literal_eval`` builds literals only, it runs nothing), then the plain text (a selector's value written
    without quotes)."""
    import ast

    with contextlib.suppress(Exception):
        yield obj.param.deserialize_value(name, text)
    if len(text) <= 2000:
        with contextlib.suppress(Exception):
            yield ast.literal_eval(text)
    yield text


def write_json(location) -> None:
    """Have ``location`` write every value of its address as JSON (``false``, ``["a", "b"]``). Panel's
    ``Location.update_query`` re-encoded the values it did not change with ``str()`` (``False``,
    ``['a', 'b']``) each time a synced parameter moved, so a link copied after any change read differently from
    the one the page first wrote. Installed on the session's own location object (no global patch)."""
    import types
    from urllib.parse import urlencode

    def update_query(self, **kwargs):
        query = self.query_params
        query.update(kwargs)
        self.search = "?" + urlencode({k: v if isinstance(v, str) else json.dumps(v) for k, v in query.items()})

    if location is not None and hasattr(location, "update_query"):
        location.update_query = types.MethodType(update_query, location)


def serialize(obj, names) -> dict:
    out = {}
    for name in names:
        value = getattr(obj, name)
        if value is not None:
            value = obj.param[name].serialize(value)
            out[name] = value if isinstance(value, str) else json.dumps(value)
    return out


def no_lesson(name: str) -> str:
    """The sentence for a ``?lesson=`` this page does not have: the closest lesson of the whole app, and every
    lesson by its study (a lesson of another study opens from ``/dynamics?lesson=<name>`` alone)."""
    from .. import studies

    every = {lesson: studies.get(study).title for study in studies.names() for lesson in studies.get(study).lessons}
    close = closest(name, every)
    hint = f" (did you mean {shown(close)}?)" if close else ""
    listed = "; ".join(f"{title}: {', '.join(n for n, t in every.items() if t == title)}"
                       for title in dict.fromkeys(every.values()))
    return (f"this page has no lesson called {shown(name)}{hint}; the lessons are {listed or 'none'}. It opens "
            "on its own setting.")


def unread(query: dict, readable, settings=()) -> dict:
    """A sentence for each name in the link that the page does not read (a typo in a hand-edited link, another
    study's setting), naming the closest name it does read; ``settings``: the page's other settings, which a
    link cannot set. Keys are the names as quoted (:func:`shown`), so that a hostile name stays short."""
    readable = [n for n in dict.fromkeys(readable) if n != "name"]
    errors = {}
    theme = query.get("theme")
    if theme is not None and theme_of(theme) is None:   # read by the template, which drops it (safe_theme)
        errors["theme"] = f"there is no theme {shown(theme)}; the themes are {' and '.join(THEMES)}."
    for name in query:
        if name in readable or name.startswith("bokeh-"):   # bokeh-*: Bokeh's own, when a page is embedded
            continue
        if name in settings:
            errors[shown(name)] = (f"a link cannot set {shown(name)} (it is not part of a run's setting); "
                                   "it was ignored.")
            continue
        close = closest(name, readable)
        hint = f" (did you mean {shown(close)}?)" if close else ""
        errors[shown(name)] = f"this page has no setting called {shown(name)}{hint}; it was ignored."
    return errors


def runnable(experiment, before: dict, errors: dict) -> list:
    """Values a link set that together cannot run (no task chosen, a reversed range: each valid alone) go back to
    ``before`` (what they were) until the setting can run — one value where one is enough, else one by one in the
    link's order — with one sentence in ``errors``: a page opened from a link always shows a result, never an
    empty page waiting for a fix. Returns the names put back."""
    first = experiment.problem()
    if first is None:
        return []
    given = {n: getattr(experiment, n) for n, v in before.items() if getattr(experiment, n) != v}
    undone = []
    for name in given:   # one value back, the link's others kept
        setattr(experiment, name, before[name])
        if experiment.problem() is None:
            undone = [name]
            break
        setattr(experiment, name, given[name])
    if not undone:
        for name in given:
            setattr(experiment, name, before[name])
            undone.append(name)
            if experiment.problem() is None:
                break
    if undone:
        labels = ", ".join(experiment.param[n].label for n in undone)
        one = len(undone) == 1
        errors["link"] = (f"the link's {'value' if one else 'values'} for {labels} {'was' if one else 'were'} not "
                          f"applied, because the setting could not run with {'it' if one else 'them'} "
                          f"({first.rstrip('.')}).")
    return undone


def hidden(classroom, settings, advanced, errors: dict | None = None) -> tuple:
    """``?classroom=1`` hides the advanced controls; ``?classroom=lr,epochs`` hides the ones named."""
    if classroom in (None, "", False, 0, "0", "false"):
        return ()
    if classroom is True or classroom == 1 or classroom in CLASSROOM_ON:
        return tuple(advanced)
    names = classroom if isinstance(classroom, list) else str(classroom).split(",")
    names = [str(n).strip() for n in names]
    out = tuple(advanced if "advanced" in names else ()) + tuple(n for n in names if n in settings)
    if errors is not None:
        unknown = [n for n in names if n and n != "advanced" and n not in settings]
        if not out:
            errors["classroom"] = (f"the link's classroom value {shown(fmt(classroom))} names no control; "
                                   "nothing was hidden.")
        elif unknown:
            words = ", ".join(shown(n) for n in unknown[:3]) + (" …" if len(unknown) > 3 else "")
            errors["classroom"] = (f"the link's classroom value names {words}, which "
                                   f"{'is' if len(unknown) == 1 else 'are'} no control of this page; the others "
                                   "were hidden.")
    return out


def cleaned(raw: dict, values: dict, lesson: bool, settings, advanced) -> str:
    """The page's address query once it is up: ``values`` (every setting and view option in force, serialized)
    and what of the link the page read besides (its lesson when ``lesson``, a theme, a classroom value that hid
    something, Bokeh's own ``bokeh-*``); whatever else the link held (a refused value the page shows no value
    for, a lesson or theme it does not have, a name it does not read) is not passed on by a copied address."""
    from urllib.parse import urlencode

    keep = {"lesson": lesson, "theme": theme_of(raw.get("theme")) is not None,
            "classroom": bool(hidden(raw.get("classroom"), settings, advanced))}
    own = {k: v for k, v in raw.items() if keep.get(k) or k.startswith("bokeh-")}
    return "?" + urlencode({**own, **values})
