"""The Panel user interface: thin Viewers over the experiment classes (no science is computed here)."""
from .dashboard import Dashboard

__all__ = ["Dashboard"]
