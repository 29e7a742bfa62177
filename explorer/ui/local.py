"""On a served page, settings that name a place on the server (``Setting.local``: a data folder) keep the
server's value: a visitor's path would have the server read, unpack and download files wherever it may write. The
control is greyed out, and any value that reaches the parameter (typed past the box, sent over the websocket) is
put back before any other watcher of the page sees it."""
from __future__ import annotations


def keep_server_values(page) -> None:
    """Grey out ``page``'s local settings and put back their values as the server set them (call it before the
    page watches its settings, so that a visitor's value is never read)."""
    exp = page.experiment
    kept = {n: getattr(exp, n) for n in page.settings if getattr(exp.declared(n), "local", False)}
    if not kept:
        return

    def put_back(event):
        if event.new != kept[event.name]:
            setattr(exp, event.name, kept[event.name])
            s = exp.declared(event.name)
            page._notes.append(f"a served page keeps the server's {s.label} ({s.empty}, set where the server "
                               "starts), not one typed here")

    for name in kept:
        page.sidebar_controls.disable(name)
    exp.param.watch(put_back, list(kept))
