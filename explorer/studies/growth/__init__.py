"""The modular-growth study (Hamidi et al. 2024): a chain that grows one small module per step of the N-parity
curriculum against a non-modular RNN of equal parameter count; which learns more, and which survives
perturbed weights? Its modules follow the layout every study shares (see :mod:`explorer.studies`)."""
