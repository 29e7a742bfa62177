"""Lessons of the modular-growth page (``?lesson=<name>``; listed in docs/lessons.md)."""
from ...core.lessons import Lesson

LESSONS = (
    Lesson("growing", "Growing a network one module at a time",
           "A chain that grows a module per curriculum step against an RNN with as many parameters: which solves "
           "more N-parity tasks in the same steps, and which keeps them when its weights are shaken "
           "(Hamidi et al. 2024)? N up to 12: under a minute on two cores.",
           settings={"n_max": 12, "epochs": 12, "seeds": 3},
           hide=("advanced", "module_size", "steps_per_epoch")),
)
