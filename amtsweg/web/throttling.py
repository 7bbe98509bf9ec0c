"""DRF throttles that identify anonymous clients by ``amtsweg.web.clients.client_ip``.

DRF's own ``get_ident`` believes ``X-Forwarded-For`` whenever ``NUM_PROXIES`` is unset, so a random
header per request gave unlimited calls. Counters live in the shared default cache (see
docs/adr/0010-shared-cache.md), so every web process counts against the same limit.
"""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle

from amtsweg.web.clients import client_ip


class AnonClientRateThrottle(AnonRateThrottle):
    """``anon`` rate per client address (proxy headers only from ``AMTSWEG_TRUSTED_PROXIES``)."""

    def get_ident(self, request: Request) -> str:
        return client_ip(request) or "unknown"
