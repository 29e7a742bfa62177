"""Run once by ``panel serve apps/dynamics.py --setup apps/setup.py`` before the server opens its port.

It imports the dashboard and the engine (Panel, HoloViews, torch, the metrics), loads the embedded digits and
renders one figure, so that the first visitor's page builds as fast as every later one and the first run
starts training at once. Without it the dashboard works the same; the first page is only slower.
"""
import holoviews as hv
import panel as pn  # noqa: F401  (imported once here, not by the first session)

from explorer.ui.live import mark_warm, warm_engine
from explorer.views.training import empty_frame, loss_curves

hv.extension("bokeh")
warm_engine()
mark_warm()
hv.render(loss_curves(empty_frame()))   # HoloViews' and Bokeh's plotting machinery, imported and exercised
