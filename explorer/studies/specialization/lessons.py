"""Lessons of the specialization page (``?lesson=<name>``; listed in docs/lessons.md)."""
from ...core.lessons import Lesson
from .experiment import p_grid

#: what a class does not move in these lessons (besides the advanced controls)
_FIXED = ("n", "bottleneck", "input", "dataset", "covariance", "steps", "comms_start", "start_mode", "start_0",
          "start_1", "noise")

LESSONS = (
    Lesson("sparsity", "Sparsity and specialization",
           "Do two modules specialize more on their own digit when fewer links join them (Béna & Goodman 2023b, "
           "Fig. 2)? Predict, then move the sparsity p from dense (1) to a single link (1/n²).",
           settings={"p": 1.0}, hide=("advanced", *_FIXED), warm=("p", lambda experiment: p_grid(experiment.n))),
    Lesson("timing", "When the modules start to talk",
           "Two dense modules see their digits for 6 steps but may talk only from step 3 on: what happens to "
           "their specialization at that step (Béna & Goodman 2023a, Fig. 4B)?",
           settings={"p": 1.0, "steps": 6, "comms_start": 3},
           hide=("advanced", *[n for n in _FIXED if n not in ("comms_start",)]),
           warm=("comms_start", (0, 1, 2, 3, 4, 5))),
)
