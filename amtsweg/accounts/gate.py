"""The assurance gate the assistant calls: refuse a session below the Leistung's required level."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from amtsweg.accounts import selectors

FORBIDDEN = 403


def assurance_gate(request: HttpRequest, *, leistung, fresh: bool = False) -> HttpResponse | None:
    """None if the session may use the Leistung's assistant, else the explanation page with a step-up link.

    ``next`` is the page the citizen wanted: after logging in at the needed level they come back to it.
    """
    required = selectors.assurance_shortfall(request=request, leistung=leistung, fresh=fresh)
    if required is None:
        return None
    query = urlencode({"niveau": required, "next": request.get_full_path()})
    context = {
        "leistung": leistung,
        "required": required,
        "current": selectors.session_assurance_level(request),
        "step_up_url": reverse("accounts:step_up") + "?" + query,
    }
    response = render(request, "accounts/assurance_required.html", context, status=FORBIDDEN)
    add_never_cache_headers(response)
    return response
