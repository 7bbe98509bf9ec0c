"""API helpers shared by all apps."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from amtsweg.common.safe_json import JsonRefused, json_loads


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, with every error body carrying a German ``detail`` message."""
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" not in response.data:
        response.data = {"detail": "Die Anfrage ist ungültig.", "errors": response.data}
    return response


class SafeJSONParser(JSONParser):
    """DRF's JSON parser with bounded nesting and valid Unicode only (``amtsweg.common.safe_json``).

    Without it, 1,000 nested brackets raise ``RecursionError`` and ``"\\ud800"`` an encoding error
    further on: both 500s. Here both are a 400 with a German ``detail``.
    """

    def parse(
        self, stream: IO[bytes] | None, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read() if stream is not None else b""
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            raise JsonInputError("Der Inhalt ist kein gültiges UTF-8.") from None
        try:
            return json_loads(text)
        except JsonRefused as error:
            raise JsonInputError(str(error)) from None


class JsonInputError(ParseError):
    """A JSON body we refuse; its ``detail`` is already German and specific."""


def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """404 for any path under /api/ that no API route matches: JSON like every API error, not the HTML page."""
    return JsonResponse(
        {"detail": "Diese Adresse gibt es in der API nicht. Die Übersicht steht unter /api/docs/."}, status=404
    )


class ErrorSerializer(serializers.Serializer):
    """The body of every API error answer (``exception_handler``): one German sentence. Declared once, so the
    OpenAPI schema has one ``Error`` component for all apps."""

    detail = serializers.CharField(help_text="Fehlermeldung auf Deutsch.")
