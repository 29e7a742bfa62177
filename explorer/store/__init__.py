"""The run store (content-addressed cache of every trained network), its entries, and sweeps over it."""
from .catalogue import StoreError
from .place import DEFAULT_MAX_BYTES, default_root, parse_bytes
from .store import Store

__all__ = ["Store", "StoreError", "parse_bytes", "default_root", "DEFAULT_MAX_BYTES"]
