"""The app shell: thin Panel Viewers over a study's experiment (no science is computed here, no study named).

Importing this package changes no dependency: the Bokeh patch of :mod:`.freeze` is applied only by the served
app (``apps/setup.py``).
"""
from .shell import StudyShell

__all__ = ["StudyShell"]
