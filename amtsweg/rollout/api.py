"""Coverage API (anonymous, read-only, throttled like every public read): one Leistung or all of them."""

from __future__ import annotations

import re
from datetime import date

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.response import Response
from rest_framework.views import APIView

from amtsweg.web.api import ErrorSerializer

from . import coverage, opendata, reifegrad, selectors
from .coverage import SACHSEN

_LEIKA = re.compile(r"[0-9]{14}")
_GEBIET_RE = re.compile(r"[0-9]{2}([0-9]{3})?")


class CoverageSerializer(serializers.Serializer):
    leika = serializers.CharField(help_text="LeiKa-Schlüssel.")
    leistung = serializers.CharField(help_text="Bezeichnung.")
    stichtag = serializers.DateField()
    gebiet = serializers.CharField(help_text="Regionalschlüssel des Gebiets (14 = Sachsen, 5-stellig = Kreis).")
    gebiet_name = serializers.CharField()
    behoerden_zustaendig = serializers.IntegerField(help_text="Zuständige Behörden im Gebiet (verschiedene).")
    behoerden_mit_angebot = serializers.IntegerField(help_text="Davon mit Online-Angebot am Stichtag.")
    anteil_behoerden = serializers.FloatField(help_text="Anteil 0–1 (vier Nachkommastellen).")
    einwohner_gesamt = serializers.IntegerField(help_text="Einwohner des Gebiets mit zuständiger Behörde.")
    einwohner_mit_angebot = serializers.IntegerField(help_text="Einwohner, deren zuständige Behörde es anbietet.")
    anteil_einwohner = serializers.FloatField(help_text="Anteil 0–1 (vier Nachkommastellen).")
    lizenz = serializers.CharField(required=False)
    quelle = serializers.CharField(required=False)


class CoverageListSerializer(serializers.Serializer):
    stichtag = serializers.DateField()
    gebiet = serializers.CharField()
    lizenz = serializers.CharField()
    lizenz_url = serializers.CharField()
    quelle = serializers.CharField()
    leistungen = CoverageSerializer(many=True)


_STICHTAG = OpenApiParameter(
    "stichtag", {"type": "string", "format": "date"}, OpenApiParameter.QUERY, description="Stichtag (Standard: heute)."
)
_GEBIET = OpenApiParameter(
    "gebiet",
    {"type": "string", "pattern": "^[0-9]{2}([0-9]{3})?$"},
    OpenApiParameter.QUERY,
    description="Regionalschlüssel: 14 (Sachsen, Standard) oder ein Kreis (5-stellig).",
)


def query_stichtag(value: str | None) -> date:
    from django.utils import timezone

    if value is None:
        return timezone.localdate()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ParseError("Der Parameter „stichtag“ muss ein Datum im Format JJJJ-MM-TT sein.") from None


def query_gebiet(value: str | None) -> str:
    gebiet = SACHSEN if value is None else value
    if not _GEBIET_RE.fullmatch(gebiet):
        raise ParseError("Der Parameter „gebiet“ muss 14 (Sachsen) oder der Regionalschlüssel eines Kreises sein.")
    if not selectors.area_known(gebiet):
        raise NotFound("Dieses Gebiet ist nicht erfasst (Sachsen: 14, Kreise: 5-stelliger Regionalschlüssel).")
    return gebiet


class CoverageView(APIView):
    authentication_classes: list = []

    @extend_schema(
        operation_id="abdeckung",
        summary="Flächendeckung einer Online-Leistung",
        description=(
            "Wie viele der zuständigen Behörden eine Leistung am Stichtag online anbieten und welcher Anteil der "
            "Bevölkerung sie erreicht (Plattform und außerhalb der Plattform gemeldete Angebote)."
        ),
        parameters=[
            OpenApiParameter(
                "leika", {"type": "string", "pattern": "^[0-9]{14}$"}, OpenApiParameter.QUERY, required=True
            ),
            _STICHTAG,
            _GEBIET,
        ],
        responses={
            200: CoverageSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Ungültiger Parameter."),
            404: OpenApiResponse(ErrorSerializer, description="Leistung oder Gebiet unbekannt."),
            429: OpenApiResponse(ErrorSerializer, description="Zu viele Anfragen."),
        },
        tags=["Roll-out"],
    )
    def get(self, request):
        leika = request.query_params.get("leika", "")
        if not _LEIKA.fullmatch(leika):
            raise ParseError("Der Parameter „leika“ muss ein 14-stelliger LeiKa-Schlüssel sein.")
        stichtag = query_stichtag(request.query_params.get("stichtag"))
        gebiet = query_gebiet(request.query_params.get("gebiet"))
        leistung = selectors.leistung_by_leika(leika=leika)
        if leistung is None:
            raise NotFound("Diese Leistung ist nicht im Leistungskatalog.")
        cov = coverage.coverage_for(leistung=leistung, stichtag=stichtag).area_of(gebiet)
        record = opendata.coverage_record(leika=leika, title=selectors.leistung_title(leistung), cov=cov)
        record.update(lizenz=opendata.LICENCE, quelle=opendata.SOURCE)
        return Response(record)


class CoverageListView(APIView):
    authentication_classes: list = []

    @extend_schema(
        operation_id="abdeckung_liste",
        summary="Flächendeckung aller angebotenen Online-Leistungen",
        description="Alle Leistungen, die bis zum Stichtag irgendwo online angeboten wurden, sortiert wie der "
        "Roll-out-Monitor (nach Anteil der Einwohner).",
        parameters=[_STICHTAG, _GEBIET],
        responses={
            200: CoverageListSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Ungültiger Parameter."),
            404: OpenApiResponse(ErrorSerializer, description="Gebiet unbekannt."),
            429: OpenApiResponse(ErrorSerializer, description="Zu viele Anfragen."),
        },
        tags=["Roll-out"],
    )
    def get(self, request):
        stichtag = query_stichtag(request.query_params.get("stichtag"))
        gebiet = query_gebiet(request.query_params.get("gebiet"))
        rows = selectors.rollout_table(stichtag=stichtag, gebiet=gebiet)
        return Response(opendata.table_json(rows=rows, stichtag=stichtag, gebiet=gebiet))


class ReifegradView(APIView):
    authentication_classes: list = []

    @extend_schema(
        operation_id="reifegrad",
        summary="Reifegrad einer Online-Leistung je anbietender Behörde",
        description=(
            "OZG-Reifegradmodell 1.1 (Stufen 0–4) und 2.0 (0–7) je Behörde, die die Leistung am Stichtag anbietet; "
            "Kriterien ja/nein, „(abgeleitet)“ wo die Plattform es selbst weiß. Dazu die Zahl der Behörden mit "
            "Online-Angebot, OZG-konformem Angebot (1.1 ab Stufe 3) und Ende-zu-Ende-Digitalisierung (2.0 Stufe 7)."
        ),
        parameters=[
            OpenApiParameter(
                "leika", {"type": "string", "pattern": "^[0-9]{14}$"}, OpenApiParameter.QUERY, required=True
            ),
            _STICHTAG,
        ],
        responses={
            200: OpenApiResponse(description="Zusammenfassung und Bewertung je Behörde (JSON)."),
            400: OpenApiResponse(ErrorSerializer, description="Ungültiger Parameter."),
            404: OpenApiResponse(ErrorSerializer, description="Leistung unbekannt."),
            429: OpenApiResponse(ErrorSerializer, description="Zu viele Anfragen."),
        },
        tags=["Roll-out"],
    )
    def get(self, request):
        leika = request.query_params.get("leika", "")
        if not _LEIKA.fullmatch(leika):
            raise ParseError("Der Parameter „leika“ muss ein 14-stelliger LeiKa-Schlüssel sein.")
        stichtag = query_stichtag(request.query_params.get("stichtag"))
        leistung = selectors.leistung_by_leika(leika=leika)
        if leistung is None:
            raise NotFound("Diese Leistung ist nicht im Leistungskatalog.")
        summary = reifegrad.assess(leistung=leistung, stichtag=stichtag)
        return Response(
            {
                "leika": leika,
                "stichtag": stichtag.isoformat(),
                "behoerden": summary.behoerden,
                "online_verfuegbar": summary.online,
                "ozg_konform": summary.ozg_konform,
                "ende_zu_ende_digital": summary.ende_zu_ende,
                "lizenz": opendata.LICENCE,
                "quelle": opendata.SOURCE,
                "behoerden_bewertung": opendata.reifegrad_records(leika=leika, summary=summary),
            }
        )
