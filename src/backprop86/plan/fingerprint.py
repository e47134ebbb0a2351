"""Short hashes of plain data, by which a job of the pipeline knows whether what it reads
of the plan has changed."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def fingerprint_of(data: Any) -> str:
    """A short hash of plain data (key order ignored)."""
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]
