"""The figures of Béna & Goodman 2023a and 2023b as ``explorer reproduce`` targets
(:class:`explorer.core.figure.Figure`), one module per figure (or per shared sweep); docs/gallery.md shows them at
laptop scale."""
from . import fig4b, fig4c, fig4d, heatmaps, sparsity

FIGURES = {f.name: f for f in (sparsity.FIG2_001, sparsity.FIG3_001, sparsity.FIG2_000, heatmaps.FIG3, fig4b.FIGURE,
                                fig4c.FIGURE, fig4d.FIGURE, heatmaps.FIG5)}
