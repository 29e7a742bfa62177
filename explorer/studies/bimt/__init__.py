"""The BIMT study (Liu et al. 2023, "Growing brains"): RNNs whose neurons sit on a 2D sheet learn 20
cognitive tasks under a connection cost and neuron swaps; do the neurons that serve the same tasks gather in
one place on the sheet? Its modules follow the layout every study shares (see :mod:`explorer.studies`)."""
