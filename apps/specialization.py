"""The specialization study's page alone: ``panel serve apps/specialization.py --setup apps/setup.py``.

Settings seen before come from the run store ($EXPLORER_STORE or the per-user cache); new ones train live.
"""
import panel as pn

from explorer.studies.specialization.page import Page

pn.extension(notifications=False, sizing_mode="stretch_width")

Page().servable()
