"""The names of the 20 cognitive tasks of Yang et al. 2019 (neurogym's ``yang19`` collection) and the
network's input/output sizes — plain data, importable without torch or neurogym (configs validate task names
with it; :mod:`explorer.tasks.cognitive` draws the trials)."""
from __future__ import annotations

from ..core.config import repeated

#: the 20 tasks of Yang et al. 2019 in neurogym's order (ids ``yang19.<name>-v0``)
TASKS = ("go", "rtgo", "dlygo", "anti", "rtanti", "dlyanti", "dm1", "dm2", "ctxdm1", "ctxdm2", "multidm",
         "dlydm1", "dlydm2", "ctxdlydm1", "ctxdlydm2", "multidlydm", "dms", "dnms", "dmc", "dnmc")
N_OBS, N_RULES, N_OUTPUTS = 33, len(TASKS), 17
N_INPUTS = N_OBS + N_RULES          # 53 (Liu et al. 2023 §2: 16 × 2 + 20 + 1)
DT = 100                            # ms per step


def check_tasks(tasks) -> tuple[str, ...]:
    """The chosen task names (all 20 for None or "all"); ValueError with a sentence for unknown names."""
    if tasks is None or tasks == "all":
        return TASKS
    if isinstance(tasks, str):
        tasks = [t.strip() for t in tasks.split(",") if t.strip()]
    tasks = tuple(str(t).removeprefix("yang19.").removesuffix("-v0") for t in tasks)
    unknown = [t for t in tasks if t not in TASKS]
    if unknown:
        raise ValueError(f"unknown task name(s) {', '.join(map(repr, unknown))}; the tasks (Yang et al. 2019) are "
                         f"{', '.join(TASKS)}.")
    if not tasks:
        raise ValueError("choose at least one task.")
    twice = repeated(tasks)
    if twice is not None:
        raise ValueError(f"the task {tasks[twice]!r} is chosen more than once; choose each task once.")
    return tasks


def tasks_text(text: str) -> str:
    """A tasks setting as stored: ``"all"``, or the chosen names (checked, without neurogym's id parts) joined by
    commas; ValueError with a sentence for an unknown, missing or repeated name."""
    return "all" if text.strip().lower() == "all" else ",".join(check_tasks(text))
