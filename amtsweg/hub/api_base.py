"""Base of the hub API views: authentication, size limit, JSON body, Idempotency-Key header, OpenAPI
helpers and the translation of the services' refusals (``IntakeRefused``) to HTTP answers."""

from __future__ import annotations

import re

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.exceptions import APIException, NotFound, ParseError, PermissionDenied, ValidationError
from rest_framework.views import APIView

from amtsweg.hub import api_serializers as s
from amtsweg.hub.api_auth import ApiClientAuthentication, ApiClientRateThrottle, HasApiScope
from amtsweg.hub.services.intake import IntakeRefused
from amtsweg.web.api import JsonInputError, SafeJSONParser

IDEMPOTENCY_RE = re.compile(r"^[\x21-\x7e]{8,100}$")
DEFAULT_MAX_BODY_MB = 25


class PayloadTooLarge(APIException):
    status_code = 413
    default_detail = "Die Anfrage ist zu groß."
    default_code = "payload_too_large"


class Unprocessable(APIException):
    status_code = 422
    default_detail = "Die Angaben sind formal richtig, können aber nicht verarbeitet werden."
    default_code = "unprocessable"


class Conflict(APIException):
    status_code = 409
    default_detail = "Der Idempotency-Key wurde bereits für eine andere Anfrage verwendet."
    default_code = "idempotency_conflict"


def max_body_bytes() -> int:
    return int(getattr(settings, "AMTSWEG_HUB_API_MAX_BODY_MB", DEFAULT_MAX_BODY_MB)) * 1024 * 1024


def error_responses(*codes: int) -> dict:
    texts = {
        400: "Ungültige Anfrage oder Eingabefehler (Feldfehler unter „errors“).",
        401: "Nicht angemeldet oder Token ungültig.",
        403: "Berechtigung fehlt oder andere Behörde.",
        404: "Vorgang nicht gefunden oder nicht in der Zuständigkeit dieses Zugangs.",
        409: "Idempotency-Key bereits für eine andere Anfrage verwendet.",
        413: "Anfrage oder Datei zu groß.",
        422: "Unbekannte Leistung, Gemeinde oder keine zuständige Behörde; oder Datei ist kein PDF.",
        429: "Zu viele Anfragen.",
    }
    return {code: OpenApiResponse(s.HubErrorSerializer, description=texts[code]) for code in codes}


def idempotency_param(required: bool) -> OpenApiParameter:
    return OpenApiParameter(
        "Idempotency-Key",
        # The schema states what idempotency_key() checks, so clients (and schemathesis) can rely on it.
        {"type": "string", "minLength": 8, "maxLength": 100, "pattern": "^[!-~]{8,100}$"},
        OpenApiParameter.HEADER,
        required=required,
        description=(
            "Vom Aufrufer gewählter, eindeutiger Schlüssel (8–100 sichtbare ASCII-Zeichen). Wiederholung mit "
            "gleichem Inhalt liefert dasselbe Ergebnis (200), mit anderem Inhalt 409."
        ),
    )


NUMBER_PARAM = OpenApiParameter(
    "vorgangsnummer", OpenApiTypes.STR, OpenApiParameter.PATH, description="z. B. AW-2026-7K3QX9PM"
)
MESSAGE_ID_PARAM = OpenApiParameter(
    "message_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Nachrichten-ID"
)


class HubApiView(APIView):
    authentication_classes = [ApiClientAuthentication]
    permission_classes = [HasApiScope]
    throttle_classes = [ApiClientRateThrottle]
    parser_classes = [SafeJSONParser]  # bounded nesting, no lone surrogates: 400, never a 500
    required_scopes: dict[str, str] = {}

    def handle_exception(self, exc):
        if isinstance(exc, IntakeRefused):
            exc = _http_error(exc)
        return super().handle_exception(exc)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Checked after authentication, so an anonymous caller learns nothing but 401.
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise ParseError("Ungültiger Content-Length-Header.") from None
        if length > max_body_bytes():
            raise PayloadTooLarge(f"Die Anfrage ist zu groß (höchstens {max_body_bytes() // (1024 * 1024)} MB).")

    def body(self, request) -> dict:
        try:
            data = request.data
        except JsonInputError:
            raise  # already says what is wrong (depth, Unicode, syntax)
        except ParseError:
            raise ParseError("Der Inhalt ist kein gültiges JSON.") from None
        if hasattr(data, "dict") and not isinstance(data, dict):
            data = data.dict()
        if not isinstance(data, dict):
            raise ParseError("Der Inhalt muss ein JSON-Objekt sein.")
        return data

    def validated(self, serializer_class, data: dict) -> dict:
        serializer = serializer_class(data=data)
        if not serializer.is_valid():
            raise ValidationError(
                {"detail": "Die Angaben sind unvollständig oder fehlerhaft.", "errors": serializer.errors}
            )
        return serializer.validated_data

    def idempotency_key(self, request, *, required: bool) -> str | None:
        key = request.headers.get("Idempotency-Key")
        if key is None or key == "":
            if required:
                raise ParseError("Der Header „Idempotency-Key“ fehlt (8–100 Zeichen, für jeden Antrag neu).")
            return None
        if not IDEMPOTENCY_RE.fullmatch(key):
            raise ParseError("Der Header „Idempotency-Key“ muss 8–100 sichtbare ASCII-Zeichen lang sein.")
        return key


_ERRORS = {
    "invalid": ValidationError,
    "forbidden": PermissionDenied,
    "not_found": NotFound,
    "conflict": Conflict,
    "too_large": PayloadTooLarge,
    "unprocessable": Unprocessable,
}


def _http_error(refused: IntakeRefused) -> APIException:
    """The API's answer to a refusal of the services (status by its kind, German detail, field errors)."""
    error = _ERRORS[refused.kind]
    if refused.errors is not None:
        return error({"detail": refused.detail, "errors": refused.errors})
    return error(refused.detail) if refused.detail is not None else error()
