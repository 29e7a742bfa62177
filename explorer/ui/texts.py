"""Words the shell itself shows (a study's explanations live in its folder)."""

CLASSROOM = "Classroom mode: some controls are hidden by the link you followed."
