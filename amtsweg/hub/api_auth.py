"""Authentication, permissions and throttling of the hub API (API clients with bearer tokens).

Every failure is a 401/403 with a German ``detail``; the token is never logged or echoed.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.throttling import SimpleRateThrottle

from amtsweg.apiclients.models import ApiClient
from amtsweg.apiclients.selectors import api_client_for_token
from amtsweg.apiclients.services import api_client_touch

DEFAULT_CLIENT_RATE = "600/min"


class ApiClientAuthentication(BaseAuthentication):
    """``Authorization: Bearer <token>`` of an active ApiClient."""

    keyword = b"bearer"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header:
            return None  # the permission class turns this into a 401 with the challenge below
        if header[0].lower() != self.keyword:
            raise exceptions.AuthenticationFailed("Bitte mit „Authorization: Bearer <Token>“ anmelden.")
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Der Authorization-Header muss genau ein Token enthalten.")
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Das Token enthält unzulässige Zeichen.") from None
        client = api_client_for_token(token=token)
        if client is None:
            raise exceptions.AuthenticationFailed("Das Token ist ungültig oder der API-Zugang ist gesperrt.")
        api_client_touch(client=client)
        return client, client

    def authenticate_header(self, request):
        # Makes DRF answer 401 (not 403) when no or a bad token was sent.
        return 'Bearer realm="amtsweg-hub"'


class ApiClientScopeExtension(OpenApiAuthenticationExtension):
    target_class = ApiClientAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "Token eines API-Zugangs (vom Betrieb vergeben)."}


def client_of(request) -> ApiClient | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ApiClient) else None


class HasApiScope(BasePermission):
    """The view's ``required_scopes`` maps HTTP methods to the scope the client needs."""

    def has_permission(self, request, view):
        client = client_of(request)
        if client is None:
            raise exceptions.NotAuthenticated("Anmeldung erforderlich: „Authorization: Bearer <Token>“ fehlt.")
        scope = getattr(view, "required_scopes", {}).get(request.method)
        if scope and not client.has_scope(scope):
            raise exceptions.PermissionDenied(f"Diesem API-Zugang fehlt die Berechtigung „{scope}“.")
        return True


def authority_check(*, client: ApiClient, authority_id: int | None, what: str = "diesen Vorgang") -> None:
    """Raise 403 unless the client may act for the authority (clients without authority: submit only)."""
    if client.authority_id is None:
        raise exceptions.PermissionDenied("Dieser API-Zugang ist keiner Behörde zugeordnet und darf das nicht.")
    if authority_id != client.authority_id:
        raise exceptions.PermissionDenied(f"Dieser API-Zugang darf nicht für {what} handeln: andere Behörde.")


class ApiClientRateThrottle(SimpleRateThrottle):
    """Per API client: ``ApiClient.rate`` or settings.AMTSWEG_HUB_API_RATE (default 600/min)."""

    scope = "hub_client"

    def get_rate(self):
        return getattr(settings, "AMTSWEG_HUB_API_RATE", DEFAULT_CLIENT_RATE)

    def allow_request(self, request, view):
        client = client_of(request)
        if client is None:
            return True  # unauthenticated requests fail in the permission check anyway
        try:
            self.num_requests, self.duration = self.parse_rate(client.rate or self.get_rate())
        except (ValueError, KeyError, IndexError):
            # A mistyped limit must not take the API down: fall back to the default.
            self.num_requests, self.duration = self.parse_rate(DEFAULT_CLIENT_RATE)
        self.rate = f"{self.num_requests}/{self.duration}s"
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        client = client_of(request)
        return self.cache_format % {"scope": self.scope, "ident": client.pk} if client else None
