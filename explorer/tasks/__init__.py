"""Tasks: the stimuli each module sees, the digit-pair targets and their timing (Béna & Goodman 2023a, §2.2)."""
