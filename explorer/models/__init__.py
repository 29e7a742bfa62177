"""Models: two-module RNN ensembles (modular.py) and their inter-module links (deep_r.py)."""
