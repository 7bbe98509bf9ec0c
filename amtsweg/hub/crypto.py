"""Encryption at rest of personal data in hub messages and of target-system secrets.

Fernet (AES-128-CBC + HMAC-SHA256, from the ``cryptography`` package) with key rotation via
MultiFernet: ``AMTSWEG_DATA_KEY`` holds one or more comma-separated Fernet keys; the first encrypts,
all decrypt. Rotate by prepending a new key: old tokens still decrypt; run
``manage.py hub_rotate_keys`` before removing an old key. Production refuses to run without the variable;
demo and test derive a fixed local key (never use those modes with real data).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class DecryptionFailed(Exception):
    """No configured key decrypts the value (wrong or retired key, or tampered data)."""


def local_key(mode: str) -> bytes:
    """The deterministic key of the demo/test modes (public by construction: not for real data)."""
    return base64.urlsafe_b64encode(hashlib.sha256(f"amtsweg-local-data-key:{mode}".encode()).digest())


def _key_texts() -> tuple[str, ...]:
    raw = getattr(settings, "AMTSWEG_DATA_KEY", None) or os.environ.get("AMTSWEG_DATA_KEY", "")
    keys = tuple(k.strip() for k in raw.split(",") if k.strip())
    if keys:
        return keys
    if settings.MODE == "production":
        raise ImproperlyConfigured(
            "AMTSWEG_DATA_KEY must be set in production (one or more Fernet keys, comma-separated; "
            "create one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())')."
        )
    return (local_key(settings.MODE).decode(),)


@lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    except ValueError as error:
        raise ImproperlyConfigured("AMTSWEG_DATA_KEY contains a key that is not a valid Fernet key.") from error


def fernet() -> MultiFernet:
    return _fernet(_key_texts())


def encrypt(data: bytes) -> str:
    return fernet().encrypt(data).decode("ascii")


def decrypt(token: str) -> bytes:
    if not token:
        return b""
    try:
        return fernet().decrypt(token.encode("ascii"))
    except InvalidToken as error:
        raise DecryptionFailed("Daten konnten mit keinem konfigurierten Schlüssel entschlüsselt werden.") from error


def rotate(token: str) -> str:
    """Re-encrypt ``token`` with the current primary key."""
    return fernet().rotate(token.encode("ascii")).decode("ascii") if token else token


def encrypt_json(value) -> str:
    return encrypt(json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8"))


def decrypt_json(token: str, default=None):
    if not token:
        return default
    return json.loads(decrypt(token))
