"""MFA is mandatory for staff: allauth has no switch for it, so this middleware enforces it.

A staff user (is_staff) reaches no staff page (AMTSWEG_STAFF_PATH_PREFIXES, the admin) unless
- an authenticator (TOTP or security key/passkey) is set up — otherwise they are sent to set one up, and
- this session's login, or a re-authentication since, used it — otherwise they are asked for the second factor.
This holds whichever way they logged in (allauth's login, the admin's own login form, an identity provider).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from amtsweg.accounts import selectors

SETUP_TEXT = (
    "Für Mitarbeiterinnen und Mitarbeiter ist ein zweiter Faktor Pflicht. Bitte richten Sie eine "
    "Authenticator-App oder einen Sicherheitsschlüssel ein, bevor Sie die Verwaltung öffnen."
)
CONFIRM_TEXT = "Bitte bestätigen Sie Ihre Anmeldung mit Ihrem zweiten Faktor, bevor Sie die Verwaltung öffnen."
# The admin's own login and logout stay reachable (logging in is how one gets here).
EXEMPT_SUFFIXES = ("login/", "logout/")


class StaffMfaMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.AMTSWEG_STAFF_MFA_REQUIRED:
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff and _staff_path(request.path):
            if not selectors.user_has_second_factor(user):
                messages.warning(request, SETUP_TEXT)
                return redirect(reverse("mfa_index"))
            if not selectors.session_used_second_factor(request):
                messages.info(request, CONFIRM_TEXT)
                return redirect(reverse("mfa_reauthenticate") + "?" + urlencode({"next": request.get_full_path()}))
        return self.get_response(request)


def _staff_path(path: str) -> bool:
    for prefix in settings.AMTSWEG_STAFF_PATH_PREFIXES:
        if path.startswith(prefix):
            rest = path[len(prefix) :]
            return rest not in EXEMPT_SUFFIXES
    return False
