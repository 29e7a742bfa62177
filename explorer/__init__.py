"""The explorer: watch functional specialization emerge in modular neural networks."""
__version__ = "0.1.0"
