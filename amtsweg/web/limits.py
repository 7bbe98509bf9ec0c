"""Flood limits: fixed-window counters in Django's ``default`` cache, shared by all processes.

A limit counts events per key (a recipient address, a client address, a session, or one global
key) in windows of fixed length; the event that would exceed the limit is refused. Counting uses
``cache.add`` (first event of a window) and ``cache.incr`` (atomic on the database, Redis and
memcached backends), so several web processes and workers on one shared cache count together.
Keys are HMACs (with ``SECRET_KEY``): the cache never holds an e-mail or IP address in clear.

Limits and their defaults: docs/security-limits.md. The numbers come from settings
(``AMTSWEG_LIMIT_*``), read on every check so tests can override them.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.utils.crypto import salted_hmac

logger = logging.getLogger(__name__)

HOUR = 3600
MINUTE = 60


@dataclass(frozen=True)
class Limit:
    """``setting`` events per ``window`` seconds and key, counted under ``scope``."""

    scope: str
    setting: str
    window: int

    @property
    def maximum(self) -> int:
        return int(getattr(settings, self.setting))


# Mails (resume links and confirmations) – to one recipient, requested by one client/session, in total.
MAILS_PER_ADDRESS = Limit("mail-address", "AMTSWEG_LIMIT_MAILS_PER_ADDRESS", HOUR)
MAILS_PER_CLIENT = Limit("mail-client", "AMTSWEG_LIMIT_MAILS_PER_CLIENT", HOUR)
MAILS_PER_SESSION = Limit("mail-session", "AMTSWEG_LIMIT_MAILS_PER_SESSION", HOUR)
MAILS_GLOBAL = Limit("mail-global", "AMTSWEG_LIMIT_MAILS_GLOBAL", MINUTE)
# Drafts and submissions started by one client.
DRAFTS_PER_CLIENT = Limit("draft-client", "AMTSWEG_LIMIT_DRAFTS_PER_CLIENT", HOUR)
SUBMISSIONS_PER_CLIENT = Limit("submission-client", "AMTSWEG_LIMIT_SUBMISSIONS_PER_CLIENT", HOUR)
# Attempts to attach an application with Vorgangsnummer + Zugangscode ("Antrag hinzufügen"): per account
# and per client, so the code cannot be guessed.
ATTACH_PER_USER = Limit("attach-user", "AMTSWEG_LIMIT_ATTACH_PER_USER", HOUR)
ATTACH_PER_CLIENT = Limit("attach-client", "AMTSWEG_LIMIT_ATTACH_PER_CLIENT", HOUR)

GLOBAL_KEY = "*"


def address_key(address: str) -> str:
    """The counting key of an e-mail address (case and surrounding blanks ignored)."""
    return (address or "").strip().lower()


def _cache_key(limit: Limit, key: str, now: float) -> str:
    # The salt keeps the old module name so that counters survive the move (amtsweg.core → amtsweg.web).
    digest = salted_hmac("amtsweg.core.limits", f"{limit.scope}\0{key}").hexdigest()[:32]
    prefix = getattr(settings, "AMTSWEG_LIMITS_KEY_PREFIX", "")
    return f"aw-limit:{prefix}:{limit.scope}:{int(now // limit.window)}:{digest}"


def _count(cache_key: str, timeout: int) -> int:
    cache = caches["default"]
    if cache.add(cache_key, 1, timeout=timeout):
        return 1
    try:
        return cache.incr(cache_key)
    except ValueError:  # expired between add() and incr(): this event opens the window again
        cache.add(cache_key, 1, timeout=timeout)
        return 1


def limits_take(*checks: tuple[Limit, str]) -> Limit | None:
    """Count one event against each ``(limit, key)`` in order; the first limit exceeded, or None.

    Counting stops at the first exceeded limit, so a refused event does not use up the wider
    limits after it (order narrow → wide, the global one last). Empty keys are skipped.
    """
    now = time.time()
    for limit, key in checks:
        if not key:
            continue
        if _count(_cache_key(limit, key, now), timeout=limit.window + MINUTE) > limit.maximum:
            logger.warning("flood limit reached scope=%s", limit.scope)
            return limit
    return None
