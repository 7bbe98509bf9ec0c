"""Read-only JSON API of the register: counts, population and the import reports (no writes, anonymous)."""

from __future__ import annotations

import re

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.views import APIView

from amtsweg.web.api import ErrorSerializer

from . import selectors

_LAND = re.compile(r"[0-9]{2}")


class _Unit(serializers.Serializer):
    ars = serializers.CharField(help_text="Regionalschlüssel.")
    ags = serializers.CharField(allow_blank=True, help_text="Gemeindeschlüssel (leer bei Gemeindeverbänden).")
    name = serializers.CharField()
    type_code = serializers.CharField(allow_blank=True, help_text="Textkennzeichen des Gemeindeverzeichnisses.")
    gemeinden = serializers.IntegerField(help_text="Zahl der heutigen Gemeinden darin.")
    population = serializers.IntegerField(help_text="Bevölkerung (Summe der Gemeinden).")


class _Totals(serializers.Serializer):
    laender = serializers.IntegerField()
    kreise = serializers.IntegerField()
    gemeindeverbaende = serializers.IntegerField()
    gemeinden = serializers.IntegerField()
    population = serializers.IntegerField()
    historical_gemeinden = serializers.IntegerField(help_text="Aufgelöste Gemeinden, deren Schlüssel weiter gelten.")


class _Change(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["merged", "renamed", "dissolved"])
    territory_kind = serializers.CharField()
    name = serializers.CharField()
    ags = serializers.CharField(allow_blank=True)
    ars = serializers.CharField()
    old = serializers.CharField(allow_blank=True)
    new = serializers.CharField(allow_blank=True)
    successor_ags = serializers.CharField(allow_blank=True, help_text="Nachfolgegemeinde (bei „merged“).")


class _Import(serializers.Serializer):
    source = serializers.CharField()
    register_date = serializers.DateField(help_text="Gebietsstand.")
    scope = serializers.CharField(help_text="Länderschlüssel oder „DE“.")
    imported_at = serializers.DateTimeField()
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="Zahlen aus dem Importbericht.")
    changes = _Change(many=True, help_text="Zusammenschlüsse, Umbenennungen, Auflösungen.")


class RegisterFactsSerializer(serializers.Serializer):
    register_date = serializers.DateField(allow_null=True, help_text="Neuester importierter Gebietsstand.")
    totals = _Totals()
    laender = _Unit(many=True)
    kreise = _Unit(many=True)
    verbaende = _Unit(many=True, help_text="Gemeindeverbände (Verwaltungsgemeinschaften, -verbände).")
    imports = _Import(many=True, help_text="Die neuesten Verzeichnis-Importe mit ihren Gebietsänderungen.")


class RegisterFactsView(APIView):
    """Anonymous and read-only, throttled like the other public reads (REST_FRAMEWORK defaults)."""

    authentication_classes: list = []

    @extend_schema(
        operation_id="verzeichnis_kennzahlen",
        summary="Kennzahlen des Gemeindeverzeichnisses",
        description=(
            "Zahl der Gemeinden und Bevölkerung je Land, Kreis und Gemeindeverband (heutiger Gebietsstand) "
            "sowie die Berichte der neuesten Verzeichnis-Importe (Zusammenschlüsse, Umbenennungen). Nur lesend."
        ),
        parameters=[
            OpenApiParameter(
                "land",
                {"type": "string", "pattern": "^[0-9]{2}$", "minLength": 2, "maxLength": 2},
                OpenApiParameter.QUERY,
                description="Länderschlüssel, z. B. 14 für Sachsen (ohne: alle importierten Länder).",
            )
        ],
        responses={
            200: RegisterFactsSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Ungültiger Länderschlüssel."),
            429: OpenApiResponse(ErrorSerializer, description="Zu viele Anfragen."),
        },
        tags=["Orte"],
    )
    def get(self, request):
        land = request.query_params.get("land")
        if land is not None and not _LAND.fullmatch(land):
            raise ParseError("Der Parameter „land“ muss ein 2-stelliger Länderschlüssel sein, z. B. 14.")
        return Response(RegisterFactsSerializer(selectors.register_facts(land=land)).data)
