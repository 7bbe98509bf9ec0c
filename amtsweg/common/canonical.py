"""The one canonical JSON form of the platform.

Form content hashes, the audit chain, API idempotency fingerprints and the hub's stored data are all
computed over this text, so it must never change: sorted keys, no whitespace, UTF-8 as is (no
``\\u`` escapes), Python's float repr. ``tests/test_canonical.py`` pins the output.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json_bytes(value: Any) -> bytes:
    return canonical_json(value).encode("utf-8")


def canonical_sha256(value: Any) -> str:
    """SHA-256 (hex) of the canonical form: equal content ⇔ equal hash, independent of key order."""
    return hashlib.sha256(canonical_json_bytes(value)).hexdigest()
