"""Read-only JSON API: the projects with their phases, and the Beteiligung's ranking (anonymous, aggregated)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.views import APIView

from amtsweg.projekte import ranking, selectors
from amtsweg.web.api import ErrorSerializer


class _Phase(serializers.Serializer):
    phase = serializers.CharField(help_text="LA, 1, 2, 3, 4 oder Produkt.")
    status = serializers.ChoiceField(
        choices=["nicht_begonnen", "in_bearbeitung", "abgeschlossen", "plan", "nicht_erforderlich"]
    )
    status_text = serializers.CharField(help_text="z. B. „in Bearbeitung“ oder „Plan 2027“.")
    seit = serializers.DateField(allow_null=True, help_text="Datum des Status.")


class ProjektSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    lp = serializers.CharField(help_text="Nummer des Leistungspakets.")
    leistungspaket = serializers.CharField()
    lb = serializers.CharField(allow_blank=True, help_text="Nummer des Leistungsbündels (leer: weitere Zeile).")
    bezeichnung = serializers.CharField()
    zusatz = serializers.CharField(allow_blank=True)
    leistungen = serializers.ListField(child=serializers.CharField())
    optionen = serializers.ListField(child=serializers.CharField(), help_text="efa, markt, zentral")
    fussnoten = serializers.ListField(child=serializers.IntegerField())
    phasen = _Phase(many=True)


class ProjekteSerializer(serializers.Serializer):
    stichtag = serializers.DateField()
    projekte = ProjektSerializer(many=True)


def _projekte(table) -> list[dict]:
    return [
        {
            "id": row.projekt_id,
            "lp": row.lp,
            "leistungspaket": row.lp_name,
            "lb": row.lb,
            "bezeichnung": row.title,
            "zusatz": row.note,
            "leistungen": list(row.leistungen),
            "optionen": list(row.options),
            "fussnoten": list(row.footnotes),
            "phasen": [
                {"phase": c.label, "status": c.status, "status_text": c.status_label, "seit": c.since}
                for c in row.cells
            ],
        }
        for row in table.rows
    ]


class ProjekteView(APIView):
    authentication_classes: list = []

    @extend_schema(
        operation_id="projekte_liste",
        summary="OZG-Projekte mit ihren Phasen",
        description="Die kommunalen OZG-Projekte (LP, LB, Bezeichnung, Leistungen) mit dem Status jeder Phase "
        "nach OZG-Vorgehensmodell zum Stichtag (ohne: heute). Nur lesend.",
        parameters=[
            OpenApiParameter(
                "stichtag", {"type": "string", "format": "date"}, OpenApiParameter.QUERY, description="JJJJ-MM-TT"
            )
        ],
        responses={
            200: ProjekteSerializer,
            400: OpenApiResponse(ErrorSerializer),
            429: OpenApiResponse(ErrorSerializer),
        },
        tags=["Projekte"],
    )
    def get(self, request):
        value = request.query_params.get("stichtag")
        try:
            # Absent means today; present but empty or malformed is an error, as the schema says (format: date).
            stichtag = dt.date.fromisoformat(value) if value is not None else timezone.localdate()
        except ValueError:
            raise ParseError("Der Parameter „stichtag“ muss ein Datum im Format JJJJ-MM-TT sein.") from None
        table = selectors.phase_table(stichtag=stichtag)
        return Response(ProjekteSerializer({"stichtag": stichtag, "projekte": _projekte(table)}).data)


class RankingRowSerializer(serializers.Serializer):
    rang = serializers.IntegerField()
    leistung = serializers.CharField(source="name")
    slug = serializers.CharField()
    punkte = serializers.FloatField(source="score")
    durchschnitt = serializers.FloatField(source="mean", help_text="Ø Bedeutung (1 niedrig … 4 dringend).")
    nachfrage = serializers.FloatField(source="demand", help_text="Anteil der bewertenden Kommunen (0 … 1).")
    prioritaet = serializers.FloatField(source="priority")
    kommunen = serializers.IntegerField(help_text="Zahl der Kommunen, die bewertet haben.")
    stimmen = serializers.DictField(child=serializers.IntegerField(), source="votes_named")
    projekte = serializers.ListField(child=serializers.CharField())


class RankingSerializer(serializers.Serializer):
    formel = serializers.CharField()
    gewichtet = serializers.BooleanField()
    rangliste = RankingRowSerializer(many=True)


_BOOLEAN = {"true": True, "1": True, "false": False, "0": False}


class RankingView(APIView):
    authentication_classes: list = []

    @extend_schema(
        operation_id="beteiligung_rangliste",
        summary="Rangliste der Beteiligung",
        description="Die von den Kommunen bewerteten Leistungen, nach Punkten geordnet, mit der Formel. Nur "
        "zusammengefasste Zahlen, keine einzelnen Bewertungen.",
        parameters=[
            OpenApiParameter(
                "gewichtet", {"type": "boolean"}, OpenApiParameter.QUERY, description="nach Einwohnerzahl gewichten"
            )
        ],
        responses={
            200: RankingSerializer,
            400: OpenApiResponse(ErrorSerializer),
            429: OpenApiResponse(ErrorSerializer),
        },
        tags=["Projekte"],
    )
    def get(self, request):
        values = request.query_params.getlist("gewichtet")
        if len(values) > 1 or (values and values[0].lower() not in _BOOLEAN):
            raise ParseError("Der Parameter „gewichtet“ muss true oder false sein.")
        weighted = bool(values) and _BOOLEAN[values[0].lower()]
        rows = ranking.ranking(weighted=weighted, limit=200)
        labels = {1: "niedrig", 2: "mittel", 3: "hoch", 4: "dringend"}
        items = [
            {
                "rang": position,
                "name": row.name,
                "slug": row.slug,
                "score": row.score,
                "mean": row.mean,
                "demand": row.demand,
                "priority": row.priority,
                "kommunen": row.kommunen,
                "votes_named": {labels[k]: v for k, v in row.votes.items()},
                "projekte": list(row.projekte),
            }
            for position, row in enumerate(rows, start=1)
        ]
        return Response(RankingSerializer({"formel": ranking.FORMULA, "gewichtet": weighted, "rangliste": items}).data)
