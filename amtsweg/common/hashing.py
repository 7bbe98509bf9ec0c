"""Hex digests used across apps (stored in the database, so their form must not change)."""

from __future__ import annotations

import hashlib


def token_hash(token: str) -> str:
    """SHA-256 (hex, 64 characters) of a secret token; only this is stored, never the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def sha512_hex(data: bytes) -> str:
    """SHA-512 (hex, 128 characters) of file or message content."""
    return hashlib.sha512(data).hexdigest()
