"""Strict JSON for what people take away (the CLI's ``--json``, a reproduced figure's numbers): a measure that
has no value (NaN, infinity) is written ``null``, since JSON parsers other than Python's reject ``NaN``."""
from __future__ import annotations

import json
import math


def _finite(value):
    """``value`` with every NaN or infinity (a measure that has no value) as None, recursively."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def json_text(value, **kwargs) -> str:
    """Strict JSON (RFC 8259): a missing value is ``null``, never ``NaN``, which JSON
    parsers other than Python's reject."""
    return json.dumps(_finite(value), allow_nan=False, **kwargs)
