"""Reads for API clients."""

from __future__ import annotations

import hmac

from amtsweg.apiclients.models import ApiClient, ApiIdempotencyRecord
from amtsweg.apiclients.services import TOKEN_PREFIX_LENGTH
from amtsweg.common.hashing import token_hash


def api_client_for_token(*, token: str) -> ApiClient | None:
    """The active client owning ``token``, or None. The hash comparison is constant-time."""
    if not token or len(token) < TOKEN_PREFIX_LENGTH or len(token) > 200:
        return None
    client = ApiClient.objects.select_related("authority").filter(token_prefix=token[:TOKEN_PREFIX_LENGTH]).first()
    # Hash anyway when no row matched, so timing does not tell whether a prefix exists.
    presented = token_hash(token)
    stored = client.token_hash if client else "0" * 64
    if client is None or not hmac.compare_digest(presented, stored) or not client.active:
        return None
    return client


def idempotency_lookup(*, client: ApiClient, endpoint: str, key: str) -> ApiIdempotencyRecord | None:
    return ApiIdempotencyRecord.objects.filter(client=client, endpoint=endpoint, key=key).first()
