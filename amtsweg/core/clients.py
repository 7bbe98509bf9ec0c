"""Who is asking: the client address of a request, taken in one place.

Every per-client limit (mail, drafts, submissions) asks ``client_ip``. Behind a reverse proxy the
proxy's address is what ``REMOTE_ADDR`` holds; trusting ``X-Forwarded-For`` only from configured
proxies is the job of this function alone, so all limits change together when that is added.
"""

from __future__ import annotations


def client_ip(request) -> str:
    """The address of the client that sent ``request`` (``REMOTE_ADDR``; empty string if unknown)."""
    return str(request.META.get("REMOTE_ADDR") or "")
