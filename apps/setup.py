"""Run once by ``panel serve apps/dynamics.py --setup apps/setup.py`` before the server opens its port.

It applies the served app's dependency patches (explorer/ui/freeze.py, holoviz/holoviews#6315;
explorer/ui/bundles.py, holoviz/panel#2796; explorer/ui/socket_writes.py, a tab closed during an update;
explorer/ui/serialize.py, Bokeh computing every default before it drops them; each skipped with a log line on a
version it was not written for),
imports every study page and runs their warm-ups (the engine, the embedded digits, a first optimizer) and
renders one figure, so that the first visitor's page builds as fast as every later one and the first run starts
training at once; last, it freezes what the process holds now out of the garbage collector's reach and leaves
full collections to moments when no page is being built, so that none stalls a new page (explorer/ui/heap.py).
Without it the app works the same; pages only load more JavaScript, the first page is slower, streamed updates
re-walk the document, documents take longer to send and a full collection may delay a page.
"""
import logging

import holoviews as hv
import panel as pn  # noqa: F401  (imported once here, not by the first session)

from explorer import studies
from explorer.ui import bundles, freeze, heap, hub, serialize, socket_writes
from explorer.ui.live import mark_warm, warm_engine
from explorer.views.training import empty_frame, loss_curves

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
freeze.apply()
hv.extension("bokeh")
bundles.apply()
socket_writes.apply()
serialize.apply()
for name in hub.available():
    studies.get(name).page_class   # imports the page, which registers its warm-up
warm_engine()
mark_warm()
hv.render(loss_curves(empty_frame()))   # HoloViews' and Bokeh's plotting machinery, imported and exercised
heap.settle_heap()           # full collections walk only what sessions make from now on
heap.collect_when_quiet()    # …and run when no page is being built (explorer/ui/heap.py)
