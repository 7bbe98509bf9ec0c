"""Output shapes of the finder API. Read-only; they document the OpenAPI schema as much as they serialize."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from amtsweg.catalog.models import ExecutionLevel, Leistung
from amtsweg.jurisdiction.selectors import Status


def level_label(code: str) -> str:
    try:
        return str(ExecutionLevel(code or "").label)
    except ValueError:
        return str(ExecutionLevel.UNBEKANNT.label)


class LeistungHitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    leika_key = serializers.CharField(help_text="14-stelliger LeiKa-Schlüssel; leer, wenn nicht im LeiKa.")
    ozg_name = serializers.CharField(help_text="Bezeichnung der OZG-Leistung.")
    lebenslage = serializers.CharField()
    themenfeld = serializers.CharField()
    execution_level = serializers.ChoiceField(choices=ExecutionLevel.choices, help_text="Vollzugsebene.")
    execution_level_label = serializers.SerializerMethodField()
    score = serializers.FloatField(help_text="Relevanz (höher ist besser).")
    has_text = serializers.BooleanField(help_text="Ob ein Stammtext (Beschreibung) vorliegt.")

    def get_execution_level_label(self, hit) -> str:
        return level_label(hit.execution_level)


class LeistungResultSerializer(LeistungHitSerializer):
    """A hit with the online offer at the place given as ``ort`` (``finder.selectors.LeistungResult``)."""

    online_url = serializers.CharField(
        help_text="Wo die Leistung am angegebenen Ort online beantragt werden kann; leer, wenn nicht online."
    )

    def to_representation(self, instance):
        data = dict(LeistungHitSerializer(instance.hit, context=self.context).data)
        data["online_url"] = instance.online_url
        return data


class LeistungSearchSerializer(serializers.Serializer):
    query = serializers.CharField()
    count = serializers.IntegerField(help_text="Zahl der passenden Leistungen (höchstens ``limit``).")
    ort = serializers.CharField(help_text="Gemeindeschlüssel (AGS) des Orts, leer ohne Ort.")
    results = LeistungResultSerializer(many=True)


class _NamedRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class _OzgRefSerializer(serializers.Serializer):
    ozg_id = serializers.CharField()
    name = serializers.CharField()


class LegalBasisItemSerializer(serializers.Serializer):
    label = serializers.CharField()
    url = serializers.CharField(allow_blank=True)


class LeistungDetailSerializer(serializers.ModelSerializer):
    execution_level_label = serializers.SerializerMethodField()
    ozg = _OzgRefSerializer()
    lebenslage = serializers.SerializerMethodField()
    themenfeld = serializers.SerializerMethodField()
    # null instead of "" when there is no online service: "" is not a URI (the schema says format: uri).
    online_url = serializers.SerializerMethodField(help_text="Online-Dienst (landesweit), sonst null.")

    class Meta:
        model = Leistung
        fields = [
            "slug",
            "leika_key",
            "leika_typ",
            "name",
            "execution_level",
            "execution_level_label",
            "description",
            "required_documents",
            "fees",
            "deadlines",
            "processing_time",
            "legal_basis",
            "online_url",
            "ozg",
            "lebenslage",
            "themenfeld",
        ]
        read_only_fields = fields

    def get_execution_level_label(self, obj) -> str:
        return level_label(obj.execution_level)

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_online_url(self, obj):
        return obj.online_url or None

    @staticmethod
    def _ref(obj) -> dict:
        return {"slug": obj.slug, "name": obj.name}

    @extend_schema_field(_NamedRefSerializer)
    def get_lebenslage(self, obj):
        return self._ref(obj.ozg.lebenslage)

    @extend_schema_field(_NamedRefSerializer)
    def get_themenfeld(self, obj):
        return self._ref(obj.ozg.lebenslage.themenfeld)


class PlaceHitSerializer(serializers.Serializer):
    ags = serializers.CharField(help_text="8-stelliger Amtlicher Gemeindeschlüssel.")
    ars = serializers.CharField(help_text="12-stelliger Amtlicher Regionalschlüssel.")
    name = serializers.CharField(help_text="Name laut Gemeindeverzeichnis, z. B. „Chemnitz, Stadt“.")
    display_name = serializers.CharField(help_text="Kurzname, z. B. „Chemnitz“.")
    kreis_name = serializers.CharField()
    postal_codes = serializers.ListField(child=serializers.CharField())
    population = serializers.IntegerField(allow_null=True)
    matched_postal_code = serializers.CharField(help_text="Die Postleitzahl, über die gefunden wurde, sonst leer.")


class PlaceSearchSerializer(serializers.Serializer):
    query = serializers.CharField()
    count = serializers.IntegerField()
    results = PlaceHitSerializer(many=True)


class TerritoryRefSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="Art: land, kreis, gemeindeverband, gemeinde …")
    name = serializers.CharField()
    ags = serializers.CharField(allow_blank=True, help_text="Gemeindeschlüssel (leer bei Gemeindeverbänden).")
    ars = serializers.CharField(help_text="Regionalschlüssel.")


class AuthoritySerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    street = serializers.CharField()
    postal_code = serializers.CharField()
    city = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()
    website = serializers.CharField()
    opening_hours = serializers.CharField()
    territory = serializers.SerializerMethodField(help_text="Die Körperschaft, zu der die Stelle gehört.")

    @extend_schema_field(TerritoryRefSerializer)
    def get_territory(self, authority):
        t = authority.territory
        return {"kind": t.kind, "name": t.name, "ags": t.ags, "ars": t.ars}


class _LeistungRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    leika_key = serializers.CharField()


class ZustaendigkeitSerializer(serializers.Serializer):
    leistung = _LeistungRefSerializer()
    requested_ags = serializers.CharField(help_text="Der angefragte Gemeindeschlüssel.")
    gemeinde = TerritoryRefSerializer(
        help_text="Die heutige Gemeinde (bei Gebietsänderungen die Nachfolgegemeinde der angefragten)."
    )
    execution_level = serializers.ChoiceField(choices=ExecutionLevel.choices)
    execution_level_label = serializers.CharField()
    status = serializers.ChoiceField(
        choices=Status.CHOICES,
        help_text="resolved: eine zuständige Stelle; unknown_level: Verwaltungsebene noch nicht erfasst, "
        "„candidates“ nennt Gemeindeverwaltung und Landratsamt des Orts; not_municipal: Landes- oder "
        "Bundesaufgabe; no_authority: keine Stelle erfasst.",
    )
    authority = AuthoritySerializer(
        allow_null=True, help_text="Zuständige Stelle; null bei Landes-/Bundesaufgaben und unbekannter Ebene."
    )
    candidates = AuthoritySerializer(
        many=True,
        help_text="Nur bei status=unknown_level: die Stellen, die in Frage kommen (Gemeinde zuerst); sonst leer.",
    )
    served_territories = TerritoryRefSerializer(
        many=True,
        help_text="Gebiete (mit AGS/ARS), für die die Stelle zuständig ist – zum Routing. Bei einem Landratsamt "
        "nur der Landkreis, außer mit gemeinden=true.",
    )
    gemeinden_listed = serializers.BooleanField(
        help_text="False, wenn served_territories einen ganzen Landkreis nennt, ohne seine Gemeinden einzeln "
        "aufzuführen (mit gemeinden=true anfordern)."
    )
    explanation = serializers.CharField(help_text="Begründung („zuständig, weil …“).")
    override = serializers.BooleanField(help_text="True, wenn eine abweichende Zuständigkeit gilt.")


def _territory_dict(t) -> dict:
    return {"kind": t.kind, "name": t.name, "ags": t.ags, "ars": t.ars}


def _authority_dict(a) -> dict:
    return {
        "key": a.key,
        "name": a.name,
        "kind": a.kind,
        "kind_label": str(a.get_kind_display()),
        "street": a.street,
        "postal_code": a.postal_code,
        "city": a.city,
        "phone": a.phone,
        "email": a.email,
        "website": a.website,
        "opening_hours": a.opening_hours,
        "territory": _territory_dict(a.territory),
    }


def zustaendigkeit_payload(*, leistung, requested_ags: str, resolution, gemeinden: bool = False) -> dict:
    """The Zuständigkeit answer in the shape ``ZustaendigkeitSerializer`` documents, built directly: DRF's
    nested serializers cost more than the whole lookup on this hot path (a Landkreis answer lists every
    Gemeinde with ``gemeinden``). tests/test_api.py checks that both give the same JSON."""
    authority = resolution.authority
    listed = gemeinden or resolution.gemeinden_listed
    served = resolution.served_territories if listed else resolution.served_territories_brief
    return {
        "leistung": {"slug": leistung.slug, "name": leistung.name, "leika_key": leistung.leika_key},
        "requested_ags": requested_ags,
        "gemeinde": _territory_dict(resolution.gemeinde),
        "execution_level": resolution.level,
        "execution_level_label": level_label(resolution.level),
        "status": resolution.status,
        "authority": _authority_dict(authority) if authority is not None else None,
        "candidates": [_authority_dict(c) for c in resolution.candidates],
        "served_territories": [dict(unit) for unit in served],
        "gemeinden_listed": listed,
        "explanation": resolution.explanation,
        "override": resolution.override,
    }
