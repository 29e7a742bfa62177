"""The growth study's page alone: ``panel serve apps/growth.py --setup apps/setup.py`` (the hub,
apps/dynamics.py, serves every study). Settings seen before come from the run store; new ones train live."""
import panel as pn

from explorer.studies.growth.page import Page

pn.extension(notifications=False, sizing_mode="stretch_width")

Page().servable()
