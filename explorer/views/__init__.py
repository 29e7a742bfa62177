"""Views: pure functions from Results (xarray datasets, weights, tidy frames) to HoloViews objects.

They never train and never touch the store; the dashboard and notebooks call them with what they have.
"""
from .connectivity import connectivity, result_connectivity
from .overview import cells_frame, f_vs_structure, heatmap
from .specialization import mask_accuracy_note, module_specialization_over_time, specialization_over_time
from .training import accuracy_curves, loss_curves, progress_rows, training_frame

__all__ = ["specialization_over_time", "module_specialization_over_time", "loss_curves", "accuracy_curves",
           "training_frame", "progress_rows", "connectivity", "result_connectivity", "f_vs_structure",
           "heatmap", "cells_frame", "mask_accuracy_note"]
