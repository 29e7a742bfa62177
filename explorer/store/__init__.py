"""The run store (content-addressed cache of every trained network), its entries, and sweeps over it."""
from .catalogue import StoreError
from .store import DEFAULT_MAX_BYTES, Store, default_root, parse_bytes

__all__ = ["Store", "StoreError", "parse_bytes", "default_root", "DEFAULT_MAX_BYTES"]
