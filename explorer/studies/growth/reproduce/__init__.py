"""The figures of Hamidi et al. 2024 ("Modular growth of hierarchical networks") as ``explorer reproduce``
targets (:class:`explorer.core.figure.Figure`); docs/growth.md shows them at laptop scale."""
from . import figures

FIGURES = {f.name: f for f in figures.ALL}
