"""Writes for API clients: creation with a one-time token, rotation, use stamps, idempotency records."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from amtsweg.apiclients.models import ApiClient, ApiIdempotencyRecord, Scope
from amtsweg.common.hashing import token_hash

TOKEN_PREFIX_LENGTH = 12
# Writing last_used on every request would make each API call a write; once a minute is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def new_token() -> str:
    # 32 random bytes; the "amtsweg_" marker helps secret scanners find leaked tokens.
    return "amtsweg_" + secrets.token_urlsafe(32)


def token_fields(token: str) -> tuple[str, str]:
    """(token_prefix, token_hash) to store for ``token``."""
    return token[:TOKEN_PREFIX_LENGTH], token_hash(token)


def scopes_clean(scopes) -> list[str]:
    valid = set(Scope.values)
    unknown = [scope for scope in scopes if scope not in valid]
    if unknown:
        raise ValueError(f"Unbekannte Berechtigung(en): {', '.join(unknown)}. Erlaubt: {', '.join(sorted(valid))}")
    return sorted(set(scopes))


def api_client_create(*, name: str, scopes, authority=None, rate: str = "") -> tuple[ApiClient, str]:
    """Create a client and return it with its token (shown once; only its hash is stored)."""
    token = new_token()
    prefix, digest = token_fields(token)
    client = ApiClient.objects.create(
        name=name, authority=authority, scopes=scopes_clean(scopes), token_prefix=prefix, token_hash=digest, rate=rate
    )
    return client, token


def api_client_rotate_token(*, client: ApiClient) -> str:
    """Replace the client's token; the old one stops working at once."""
    token = new_token()
    client.token_prefix, client.token_hash = token_fields(token)
    client.save(update_fields=["token_prefix", "token_hash"])
    return token


def api_client_touch(*, client: ApiClient) -> None:
    now = timezone.now()
    if client.last_used is None or now - client.last_used >= LAST_USED_RESOLUTION:
        ApiClient.objects.filter(pk=client.pk).update(last_used=now)
        client.last_used = now


def idempotency_remember(*, client: ApiClient, endpoint: str, key: str, request_sha256: str, result_id: str):
    """Store the record; returns the existing one instead if a concurrent request stored it first."""
    try:
        with transaction.atomic():
            return ApiIdempotencyRecord.objects.create(
                client=client, endpoint=endpoint, key=key, request_sha256=request_sha256, result_id=result_id
            )
    except IntegrityError:
        return ApiIdempotencyRecord.objects.get(client=client, endpoint=endpoint, key=key)
