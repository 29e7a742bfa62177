"""Shared views: pure functions from Results to HoloViews objects that every study may use (training curves
per seed, the house style, figure export). A study's own views live in its folder.

They never train and never touch the store; pages and notebooks call them with what they have.
"""
from .training import accuracy_curves, loss_curves, progress_rows, training_frame

__all__ = ["loss_curves", "accuracy_curves", "training_frame", "progress_rows"]
