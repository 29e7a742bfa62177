"""Experiment classes: what a person chose, as ``param`` parameters (no Panel import).

``SpecializationExperiment`` carries every knob of the two-module study (papers 000 and 001) and asks the
store for its result; :mod:`.cells` finds the neighbouring runs that the structure → function overview draws.
"""
from .specialization import ADVANCED, GROUPS, SpecializationExperiment, p_grid, p_label

__all__ = ["SpecializationExperiment", "GROUPS", "ADVANCED", "p_grid", "p_label"]
