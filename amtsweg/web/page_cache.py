"""Whole pages for first visits that carry a form, per process, with the CSRF token set per request (ADR 0031).

ADR 0027 keeps whole pages only when their rendering used nothing per-request. A page with a POST form (the
assistant's start page: "Antrag starten") has one per-request part, the CSRF token. Such a page is kept
with a placeholder where the token was, and each visitor gets the page with their own token put in
(``get_token``: the CSRF middleware sets the cookie as for a rendered page).

Only for a GET whose cookies are at most the CSRF and the language cookie: no session (so no login, no
messages, no drafts bound to it). Everything else the page shows must be in the key the view builds; the
language is added by ``fragment_key``.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import patch_vary_headers

from amtsweg.web.fragments import fragment_get, fragment_key, fragment_put

# Cannot occur in rendered HTML (the template engine escapes "<" in values; no template writes it).
_PLACEHOLDER = "<!--aw:csrf-->"
_TOKEN_FIELD = re.compile(r'(name="csrfmiddlewaretoken" value=")([^"]*)(")')


def first_visit_key(request: HttpRequest, *parts: object) -> str | None:
    """The key of this page for a visitor without a session, or None when it must be rendered for this request."""
    allowed = {settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME}
    if request.method != "GET" or request.GET or not set(request.COOKIES) <= allowed:
        return None
    return fragment_key("form_page", request.path, parts)


def form_page_get(request: HttpRequest, key: str | None) -> HttpResponse | None:
    html = fragment_get(key) if key else None
    if html is None:
        return None
    response = HttpResponse(html.replace(_PLACEHOLDER, get_token(request)))
    patch_vary_headers(response, ("Cookie",))  # as the rendered page: it read the (empty) session
    return response


def form_page_store(request: HttpRequest, key: str | None, response: HttpResponse) -> None:
    """Keep the rendered page under ``key`` with its CSRF tokens replaced by the placeholder, unless its
    rendering used anything else per-request (a CSP nonce, a session write, a cookie of its own)."""
    if key is None or response.status_code != 200 or response.cookies:
        return
    if getattr(request, "_csp_nonce", None) is not None:
        return
    if hasattr(request, "session") and request.session.modified:
        return
    html = response.content.decode()
    if _PLACEHOLDER in html:
        return
    tokens = {m.group(2) for m in _TOKEN_FIELD.finditer(html)}
    kept = _TOKEN_FIELD.sub(lambda m: m.group(1) + _PLACEHOLDER + m.group(3), html)
    # A token anywhere else (a meta tag, a script) would be handed to the next visitor: then not kept at all.
    if any(token in kept for token in tokens):
        return
    fragment_put(key, kept)
