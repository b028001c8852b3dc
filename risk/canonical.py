"""Canonical JSON and its SHA-256: one way to give plain data a stable identity.

Used for risk-point versions and grade-input fingerprints, so that two processes (or two
languages) hashing the same values get the same digest.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from typing import Any


def canonical_json(value: Any) -> str:
    """JSON with sorted keys, no insignificant whitespace and UTF-8 text kept as is.

    Dates become ISO 8601 strings and Decimals their exact string, so neither passes
    through a float.
    """
    return json.dumps(
        value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_plain
    )


def sha256_hex(value: Any) -> str:
    """Lower-case hex SHA-256 of the canonical JSON of `value` encoded as UTF-8."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def _plain(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not canonical JSON: {type(value).__name__}")
