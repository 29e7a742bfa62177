"""Lessons of the BIMT page (``?lesson=<name>``; listed in docs/lessons.md)."""
from ...core.lessons import Lesson
from .config import PRESETS

LESSONS = (
    Lesson("wiring-cost", "A cost for long wires",
           "Twenty tasks, one recurrent network on an 8 × 8 sheet: when every connection costs its length and "
           "neurons may swap places, do the neurons that serve the same tasks gather (Liu et al. 2023)? Compare "
           "the regimes bimt, l1 and none (4000 steps, so that the networks learn the tasks: the quick preset "
           "leaves them near 0.4 accuracy).",
           settings={k: v for k, v in PRESETS["paper-8x8"].items() if k != "seeds"} | {"seeds": 2},
           hide=("advanced", "grid", "swap_every", "top_k", "importance", "active", "clusters", "baseline"),
           warm=("regime", ("bimt", "l1", "none"))),
)
