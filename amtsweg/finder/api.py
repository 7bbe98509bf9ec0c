"""JSON API of the finder: Leistungen search and detail, place search, Zuständigkeit.

Read-only and anonymous. Every client error is a 4xx with a German ``detail``.
"""

from __future__ import annotations

import re

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from amtsweg.catalog import selectors as catalog_selectors
from amtsweg.common.patterns import VISIBLE_CHAR
from amtsweg.finder import search
from amtsweg.jurisdiction.selectors import gemeinde_by_ags, reference_snapshot, responsible_authority
from amtsweg.web.api import ErrorSerializer

from . import serializers
from .forms import QUERY_MAX_LENGTH
from .selectors import leistung_for_routing, leistung_results

LIMIT_MAX = 100
# What the views check, stated in the schema too: at least one visible character, no NUL, bounded length.
_TEXT_PATTERN = rf"^[^\x00]*{VISIBLE_CHAR}[^\x00]*$"
_AGS_PATTERN = re.compile(r"[0-9]{8}")


def _text_schema(max_length: int) -> dict:
    return {"type": "string", "minLength": 1, "maxLength": max_length, "pattern": _TEXT_PATTERN}


class _PlainNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, with the common case decided at once: a client that accepts anything (no ``Accept``
    or ``*/*``, no ``format``) gets the first renderer — what DRF picks for it too, after parsing the header."""

    def select_renderer(self, request, renderers, format_suffix=None):
        accept = request.META.get("HTTP_ACCEPT", "*/*").strip()
        if accept in {"", "*/*"} and not format_suffix and self.settings.URL_FORMAT_OVERRIDE not in request.GET:
            return renderers[0], renderers[0].media_type
        return super().select_renderer(request, renderers, format_suffix)


class PublicApiView(APIView):
    """Anonymous and read-only: no session or basic authentication (and none in the schema)."""

    authentication_classes: list = []
    content_negotiation_class = _PlainNegotiation


_ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Ungültige oder fehlende Parameter."),
    429: OpenApiResponse(ErrorSerializer, description="Zu viele Anfragen."),
}
_NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="Nicht gefunden.")}

_Q = OpenApiParameter(
    "q",
    _text_schema(QUERY_MAX_LENGTH),
    OpenApiParameter.QUERY,
    required=True,
    description="Suchbegriff (höchstens 200 Zeichen).",
)
_LIMIT = OpenApiParameter(
    "limit",
    {"type": "integer", "minimum": 1, "maximum": LIMIT_MAX},
    OpenApiParameter.QUERY,
    description="Höchstzahl der Treffer (1–100).",
)


_ORT = OpenApiParameter(
    "ort",
    {"type": "string", "pattern": "^[0-9]{8}$"},
    OpenApiParameter.QUERY,
    description="Gemeindeschlüssel (AGS, 8 Ziffern) des Wohnorts, zum Beispiel 14522180 für Freiberg.",
)


def _gemeinde_param(request):
    """The current Gemeinde for ``ort`` (a dissolved one's successor), None without; 400/404 when unusable."""
    ags = request.query_params.get("ort")
    if ags is None:
        return None
    if not _AGS_PATTERN.fullmatch(ags):
        raise ParseError("Der Parameter „ort“ muss ein 8-stelliger Gemeindeschlüssel sein.")
    gemeinde = gemeinde_by_ags(ags=ags)
    if gemeinde is None:
        raise NotFound(f"Zum Gemeindeschlüssel „{ags}“ ist uns keine Gemeinde bekannt.")
    return gemeinde


def _query_param(request, name: str = "q", max_length: int = QUERY_MAX_LENGTH) -> str:
    raw = request.query_params.get(name, "")
    value = " ".join(raw.split())
    if not value:
        raise ParseError(f"Der Parameter „{name}“ fehlt oder ist leer.")
    if len(raw) > max_length:  # the length as sent, as the schema states it
        raise ParseError(f"Der Parameter „{name}“ ist zu lang (höchstens {max_length} Zeichen).")
    if "\x00" in value:
        raise ParseError(f"Der Parameter „{name}“ enthält unzulässige Zeichen.")
    return value


_TRUE, _FALSE = frozenset({"true", "1"}), frozenset({"false", "0"})


def _flag_param(request, name: str) -> bool:
    raw = request.query_params.get(name)
    if raw is None:
        return False
    value = raw.strip().lower()
    if value not in _TRUE | _FALSE:
        raise ParseError(f"Der Parameter „{name}“ muss „true“ oder „false“ (bzw. 1 oder 0) sein.")
    return value in _TRUE


def _limit_param(request, default: int) -> int:
    raw = request.query_params.get("limit")
    if raw is None:
        return default
    # An empty "limit=" is not an integer: refused like any other non-number (the schema says integer).
    if not re.fullmatch(r"[+-]?[0-9]+", raw.strip()):
        raise ParseError("Der Parameter „limit“ muss eine ganze Zahl zwischen 1 und 100 sein.")
    try:
        limit = int(raw)
    except ValueError:
        raise ParseError("Der Parameter „limit“ muss eine ganze Zahl zwischen 1 und 100 sein.") from None
    if not 1 <= limit <= LIMIT_MAX:
        raise ParseError("Der Parameter „limit“ muss eine ganze Zahl zwischen 1 und 100 sein.")
    return limit


class LeistungSearchView(PublicApiView):
    @extend_schema(
        operation_id="leistungen_suchen",
        summary="Leistungen suchen",
        description=(
            "Freitextsuche im Leistungskatalog (deutsche Wortstämme, Komposita, Synonyme, Tippfehler). "
            "Beispiel: „Hund“ findet „Hundesteuer“, „Umzug“ findet die Ummeldung des Wohnsitzes. "
            "Nur echte Treffer werden gezählt. Mit ``ort`` (Gemeindeschlüssel) stehen Leistungen, die dort "
            "online beantragt werden können, vorn und tragen ``online_url``."
        ),
        parameters=[_Q, _LIMIT, _ORT],
        responses={200: serializers.LeistungSearchSerializer, **_ERRORS, **_NOT_FOUND},
        tags=["Leistungen"],
    )
    def get(self, request):
        query = _query_param(request)
        limit = _limit_param(request, default=20)
        gemeinde = _gemeinde_param(request)
        try:
            results = leistung_results(query=query, gemeinde=gemeinde, limit=limit)
        except search.QueryError as exc:
            raise ParseError(str(exc)) from None
        data = {
            "query": query,
            "count": results.total,
            "ort": gemeinde.ags if gemeinde else "",
            "results": results.items,
        }
        return Response(serializers.LeistungSearchSerializer(data).data)


class LeistungDetailView(PublicApiView):
    @extend_schema(
        operation_id="leistung_abrufen",
        summary="Eine Leistung mit Stammtext",
        parameters=[OpenApiParameter("slug", OpenApiTypes.STR, OpenApiParameter.PATH, description="Kurzname.")],
        responses={200: serializers.LeistungDetailSerializer, **_NOT_FOUND, 429: _ERRORS[429]},
        tags=["Leistungen"],
    )
    def get(self, request, slug: str):
        leistung = catalog_selectors.leistung_by_slug(slug=slug)
        if leistung is None:
            raise NotFound(f"Eine Leistung „{slug}“ gibt es nicht.")
        return Response(serializers.LeistungDetailSerializer(leistung).data)


class PlaceSearchView(PublicApiView):
    @extend_schema(
        operation_id="orte_suchen",
        summary="Gemeinden suchen (Name oder Postleitzahl)",
        description="Für die Ortsauswahl: findet aktuelle Gemeinden nach Name, Namensanfang oder Postleitzahl.",
        parameters=[
            OpenApiParameter(
                "q",
                _text_schema(100),
                OpenApiParameter.QUERY,
                required=True,
                description="Gemeindename oder Postleitzahl (höchstens 100 Zeichen).",
            ),
            _LIMIT,
        ],
        responses={200: serializers.PlaceSearchSerializer, **_ERRORS},
        tags=["Orte"],
    )
    def get(self, request):
        query = _query_param(request, max_length=100)
        limit = _limit_param(request, default=10)
        try:
            hits = search.place_search(query=query, limit=limit)
        except search.QueryError as exc:
            raise ParseError(str(exc)) from None
        data = {"query": query, "count": len(hits), "results": hits}
        return Response(serializers.PlaceSearchSerializer(data).data)


class ZustaendigkeitView(PublicApiView):
    @extend_schema(
        operation_id="zustaendigkeit_ermitteln",
        summary="Zuständige Stelle für eine Leistung an einem Ort",
        description=(
            "Ermittelt für (Leistung, Gemeinde) die zuständige Behörde mit Anschrift und Kontakt, "
            "die Gebietsschlüssel (AGS/ARS) ihres Zuständigkeitsgebiets und eine Begründung. "
            "Aufgelöste Gemeinden werden auf ihre Nachfolgegemeinde abgebildet."
        ),
        parameters=[
            OpenApiParameter(
                "leistung",
                _text_schema(255),
                OpenApiParameter.QUERY,
                required=True,
                description="Kurzname (slug) der Leistung oder 14-stelliger LeiKa-Schlüssel.",
            ),
            OpenApiParameter(
                "ags",
                {"type": "string", "pattern": "^[0-9]{8}$", "minLength": 8, "maxLength": 8},
                OpenApiParameter.QUERY,
                required=True,
                description="8-stelliger Amtlicher Gemeindeschlüssel, z. B. 14522275.",
                examples=[OpenApiExample("Jahnatal", value="14522275")],
            ),
            OpenApiParameter(
                "gemeinden",
                {"type": "boolean", "default": False},
                OpenApiParameter.QUERY,
                description=(
                    "Ist ein Landratsamt zuständig, nennt ``served_territories`` nur den Landkreis (sein ARS ist "
                    "der Anfang der ARS aller seiner Gemeinden). Mit ``gemeinden=true`` (oder ``1``) werden "
                    "zusätzlich alle Gemeinden des Landkreises einzeln aufgeführt."
                ),
            ),
        ],
        responses={200: serializers.ZustaendigkeitSerializer, **_ERRORS, **_NOT_FOUND},
        tags=["Zuständigkeit"],
    )
    def get(self, request):
        key = _query_param(request, name="leistung", max_length=255)
        ags = request.query_params.get("ags", "")
        if not ags.strip():
            raise ParseError("Der Parameter „ags“ fehlt. Bitte geben Sie einen 8-stelligen Gemeindeschlüssel an.")
        if not _AGS_PATTERN.fullmatch(ags):
            raise ParseError(
                "Der Parameter „ags“ muss ein 8-stelliger Amtlicher Gemeindeschlüssel sein, z. B. 14612000."
            )
        leistung = leistung_for_routing(value=key)
        if leistung is None:
            raise NotFound(f"Eine Leistung „{key}“ gibt es nicht (erwartet: Kurzname oder LeiKa-Schlüssel).")
        snap = reference_snapshot()  # checked once for both look-ups
        gemeinde = gemeinde_by_ags(ags=ags, snap=snap)
        if gemeinde is None:
            raise NotFound(f"Zum Gemeindeschlüssel „{ags}“ ist keine Gemeinde bekannt.")
        resolution = responsible_authority(leistung=leistung, gemeinde=gemeinde, snap=snap)
        payload = serializers.zustaendigkeit_payload(
            leistung=leistung, requested_ags=ags, resolution=resolution, gemeinden=_flag_param(request, "gemeinden")
        )
        return Response(payload)
