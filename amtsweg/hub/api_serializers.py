"""Request and response shapes of the hub API (inbound applications and the return channel)."""

from __future__ import annotations

import base64
import binascii

from rest_framework import serializers

from amtsweg.casefile.models import CaseEvent, CaseStatus


def b64decode_strict(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise serializers.ValidationError("Kein gültiger Base64-Inhalt.") from None


class HubErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="Fehlermeldung auf Deutsch.")
    errors = serializers.DictField(required=False, help_text="Fehler je Feld (bei Eingabefehlern).")


class AttachmentInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=255, help_text="Dateiname, z. B. „nachweis.pdf“.")
    content_type = serializers.CharField(max_length=100, help_text="MIME-Typ, z. B. „application/pdf“.")
    content_base64 = serializers.CharField(help_text="Dateiinhalt, Base64-kodiert.", trim_whitespace=True)

    def validate_content_base64(self, value: str) -> str:
        b64decode_strict(value)
        return value

    def validate_name(self, value: str) -> str:
        if any(ch in value for ch in "/\\\x00") or value in {".", ".."}:
            raise serializers.ValidationError("Der Dateiname darf keine Pfadangaben enthalten.")
        return value


class AntragInSerializer(serializers.Serializer):
    leika_key = serializers.RegexField(
        r"^\d{14}$",
        help_text="LeiKa-Schlüssel der Leistung (14 Ziffern).",
        error_messages={"invalid": "Der LeiKa-Schlüssel besteht aus 14 Ziffern."},
    )
    ags = serializers.RegexField(
        r"^\d{8}$",
        help_text="Amtlicher Gemeindeschlüssel (8 Ziffern).",
        error_messages={"invalid": "Der Gemeindeschlüssel (AGS) besteht aus 8 Ziffern."},
    )
    data = serializers.DictField(help_text="Die Antragsdaten als JSON-Objekt.", allow_empty=False)
    attachments = AttachmentInSerializer(many=True, required=False, max_length=20)
    email = serializers.EmailField(required=False, allow_blank=True, help_text="Für die Eingangsbestätigung.")


class AntragOutSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="Nachrichten-ID im Integrationsdienst.")
    vorgangsnummer = serializers.CharField(help_text="Referenz für Rückfragen und den Rückkanal.")
    status = serializers.CharField()
    received_at = serializers.DateTimeField()
    status_url = serializers.URLField(help_text="Hier lässt sich der Stand abfragen.")


class DeliveryStateSerializer(serializers.Serializer):
    target = serializers.CharField(help_text="Zielsystem (Bezeichnung).")
    status = serializers.CharField()
    delivered_at = serializers.DateTimeField(allow_null=True)


class AntragStatusSerializer(AntragOutSerializer):
    deliveries = DeliveryStateSerializer(many=True)
    case_status = serializers.CharField(allow_null=True, help_text="Letzter vom Fachverfahren gemeldeter Status.")


class StatusInSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class NachforderungInSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000, help_text="Was nachzureichen ist und warum.")
    due_date = serializers.DateField(required=False, allow_null=True, help_text="Frist (JJJJ-MM-TT).")
    documents_requested = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, max_length=50, default=list
    )


class BescheidJsonInSerializer(serializers.Serializer):
    file_name = serializers.CharField(max_length=200, required=False, default="bescheid.pdf")
    content_base64 = serializers.CharField(help_text="Der Bescheid als PDF, Base64-kodiert.")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    def validate_content_base64(self, value: str) -> str:
        b64decode_strict(value)
        return value


class BescheidMultipartInSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="Der Bescheid als PDF.")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class CaseEventSerializer(serializers.ModelSerializer):
    has_file = serializers.SerializerMethodField()

    class Meta:
        model = CaseEvent
        fields = ["id", "kind", "payload", "created", "has_file"]

    def get_has_file(self, event) -> bool:
        return bool(event.file)


class CaseStatusSerializer(serializers.Serializer):
    vorgangsnummer = serializers.CharField()
    status = serializers.CharField(allow_null=True, help_text="Aktueller Status (null: noch keine Meldung).")
    status_label = serializers.CharField(allow_null=True)
    updated_at = serializers.DateTimeField(allow_null=True)
    events = CaseEventSerializer(many=True)
