"""The hub: every study of the house as a page of one app: ``panel serve apps/dynamics.py --setup apps/setup.py``
(or ``make app``). ``?study=<name>`` picks the page (default: specialization); apps/<study>.py serves one alone.

Settings seen before come from the run store ($EXPLORER_STORE or the per-user cache); new ones train live.
"""
import panel as pn

from explorer.ui import hub

pn.extension(notifications=False, sizing_mode="stretch_width")

hub.servable()
