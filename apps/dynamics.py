"""The live specialization dashboard: ``panel serve apps/dynamics.py`` (or ``make app``).

Settings seen before come from the run store ($EXPLORER_STORE or the per-user cache); new ones train live.
"""
import panel as pn

from explorer.ui import Dashboard

pn.extension(notifications=False, sizing_mode="stretch_width")

Dashboard().servable()
