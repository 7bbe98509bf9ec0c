"""The page language: German unless the citizen chose English with the switcher (docs/adr/0025)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers


def request_language(request: HttpRequest) -> str:
    """The language code the switcher stored in its cookie, else the default (German).

    ``Accept-Language`` is deliberately ignored: the portal is German first (the German texts are the
    authoritative ones) and a browser's setting must not surprise a citizen with a half-known language.
    """
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if chosen in dict(settings.LANGUAGES):
        return chosen
    return settings.LANGUAGE_CODE


class CookieLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware without URL prefixes and without ``Accept-Language`` negotiation."""

    def process_request(self, request: HttpRequest) -> None:
        translation.activate(request_language(request))
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        # Pages differ by the language cookie; the session cookie already sets "Vary: Cookie" on most.
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
