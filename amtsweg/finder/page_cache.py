"""Whole Leistung pages for visitors without cookies, per process (ADR 0027).

A first-time visitor (no cookies: no session, no login, no messages, no language choice but the browser's)
gets a page that depends only on what the view put into its key — the catalogue rows, the Zuständigkeit's
reference stamp, the online offer, the assistant's offer box and the language — and on the exact path, whose
query may only be an AGS. Such pages are kept as rendered. A page whose rendering used anything
per-request (a CSRF token, a CSP nonce, the session) is not stored, so a template that starts doing so later
simply stops being cached instead of leaking one visitor's token to the next.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

from amtsweg.web.fragments import fragment_get, fragment_key, fragment_put

from .selectors import AGS_RE


def page_key(request: HttpRequest, *parts: object) -> str | None:
    """The key of this request's page, or None when it must be rendered for this request alone."""
    if request.method != "GET" or request.COOKIES or not set(request.GET) <= {"ort"}:
        return None
    ort = request.GET.get("ort")
    if ort is not None and not AGS_RE.fullmatch(ort):
        return None  # names and postcodes: rendered (with the place form's messages), never kept
    return fragment_key("finder_page", request.get_full_path(), parts)


def page_get(key: str | None) -> HttpResponse | None:
    html = fragment_get(key) if key else None
    if html is None:
        return None
    response = HttpResponse(html)
    # As the rendered page: its anonymous header read the (empty) session.
    patch_vary_headers(response, ("Cookie",))
    return response


def page_store(request: HttpRequest, key: str | None, response: HttpResponse) -> None:
    if key is None or response.status_code != 200 or response.cookies:
        return
    personal = (
        "CSRF_COOKIE" in request.META  # a CSRF token was put into the page
        or getattr(request, "_csp_nonce", None) is not None  # a CSP nonce was
        or (hasattr(request, "session") and request.session.modified)
    )
    if not personal:
        fragment_put(key, response.content.decode())
