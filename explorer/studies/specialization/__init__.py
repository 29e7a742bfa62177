"""The specialization study (Béna & Goodman 2023a, 2023b): two recurrent modules, one digit each, linked by a
fraction p of the possible connections; how strongly does each module specialize on its digit, step by step?
Its modules follow the layout every study shares (see :mod:`explorer.studies`)."""
