"""Request and response shapes of the hub API (inbound applications and the return channel)."""

from __future__ import annotations

import base64
import binascii

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from amtsweg.cases.models import CaseEvent, CaseStatus
from amtsweg.common.patterns import VISIBLE_CHAR


def b64decode_strict(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise serializers.ValidationError("Kein gültiger Base64-Inhalt.") from None


class _StringsOnly(serializers.CharField):
    """Takes only JSON strings: DRF's CharField would turn ``0`` or ``1.5`` into text, while the schema
    promises ``type: string`` (schema-violating input must be rejected). Mixed in before ``CharField`` or
    one of its subclasses (``RegexField``, ``EmailField``)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError("Bitte geben Sie hier eine Zeichenkette an.", code="invalid")
        return super().to_internal_value(data)


class StrictCharField(_StringsOnly):
    pass


class StrictRegexField(_StringsOnly, serializers.RegexField):
    pass


class StrictEmailField(_StringsOnly, serializers.EmailField):
    pass


# Standard Base64 (RFC 4648, with padding), as b64decode_strict accepts it; stated in the schema too.
BASE64_PATTERN = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"


@extend_schema_field({"type": "string", "minLength": 1, "pattern": BASE64_PATTERN})
class Base64Field(StrictCharField):
    """Non-empty Base64 text; the decoded bytes are checked by the view (size, type)."""

    def __init__(self, **kwargs):
        # No trimming: " QUJD" is not Base64 by the schema's pattern, so it is refused, not silently fixed.
        super().__init__(min_length=1, trim_whitespace=False, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        b64decode_strict(value)
        return value


def _required_text(**kwargs) -> StrictRegexField:
    """Text with at least one visible character (blanks are trimmed first); the schema says so too
    (``minLength: 1``, ``pattern``: one ``VISIBLE_CHAR``)."""
    return StrictRegexField(
        VISIBLE_CHAR, min_length=1, error_messages={"invalid": "Dieses Feld darf nicht leer sein."}, **kwargs
    )


@extend_schema_field({"type": "object", "minProperties": 1, "additionalProperties": {}})
class NonEmptyObjectField(serializers.DictField):
    """A JSON object with at least one entry (documented as ``minProperties: 1``)."""

    default_error_messages = {"not_a_dict": "Erwartet wird ein JSON-Objekt."}

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            self.fail("not_a_dict", input_type=type(data).__name__)
        return super().to_internal_value(data)


class HubErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="Fehlermeldung auf Deutsch.")
    # DRF's serializer metaclass moves declared fields out of the class namespace, so "errors" and "data"
    # below do not shadow Serializer.errors/.data at run time; the stubs cannot know that.
    errors = serializers.DictField(required=False, help_text="Fehler je Feld (bei Eingabefehlern).")  # type: ignore[assignment]


class AttachmentInSerializer(serializers.Serializer):
    name = StrictRegexField(
        r"^(?!\.{1,2}$)[^/\\\x00]+$",
        max_length=255,
        help_text="Dateiname ohne Pfadangaben, z. B. „nachweis.pdf“.",
        error_messages={"invalid": "Der Dateiname darf keine Pfadangaben enthalten."},
    )
    content_type = _required_text(max_length=100, help_text="MIME-Typ, z. B. „application/pdf“.")
    content_base64 = Base64Field(help_text="Dateiinhalt, Base64-kodiert.")

    def validate_name(self, value: str) -> str:
        if any(ch in value for ch in "/\\\x00") or value in {".", ".."}:
            raise serializers.ValidationError("Der Dateiname darf keine Pfadangaben enthalten.")
        return value


class AntragInSerializer(serializers.Serializer):
    # [0-9] and fixed length: "\d" would take other scripts' digits, "$" a trailing newline.
    leika_key = StrictRegexField(
        r"^[0-9]{14}$",
        min_length=14,
        max_length=14,
        help_text="LeiKa-Schlüssel der Leistung (14 Ziffern).",
        error_messages={"invalid": "Der LeiKa-Schlüssel besteht aus 14 Ziffern."},
    )
    ags = StrictRegexField(
        r"^[0-9]{8}$",
        min_length=8,
        max_length=8,
        help_text="Amtlicher Gemeindeschlüssel (8 Ziffern).",
        error_messages={"invalid": "Der Gemeindeschlüssel (AGS) besteht aus 8 Ziffern."},
    )
    data = NonEmptyObjectField(help_text="Die Antragsdaten als JSON-Objekt.", allow_empty=False)  # type: ignore[assignment]
    # max_length goes to the ListSerializer that many=True builds (DRF's LIST_SERIALIZER_KWARGS); the
    # stubs type only the child serializer's keyword arguments.
    attachments = AttachmentInSerializer(many=True, required=False, max_length=20)  # type: ignore[call-arg]
    email = StrictEmailField(required=False, allow_blank=True, help_text="Für die Eingangsbestätigung.")


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
    note = StrictCharField(max_length=2000, required=False, allow_blank=True)


class NachforderungInSerializer(serializers.Serializer):
    text = _required_text(max_length=5000, help_text="Was nachzureichen ist und warum.")
    due_date = serializers.DateField(required=False, allow_null=True, help_text="Frist (JJJJ-MM-TT).")
    documents_requested = serializers.ListField(
        child=_required_text(max_length=200), required=False, max_length=50, default=list
    )


class BescheidJsonInSerializer(serializers.Serializer):
    file_name = _required_text(max_length=200, required=False, default="bescheid.pdf")
    content_base64 = Base64Field(help_text="Der Bescheid als PDF, Base64-kodiert.")
    note = StrictCharField(max_length=2000, required=False, allow_blank=True)


class BescheidMultipartInSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="Der Bescheid als PDF.")
    note = StrictCharField(max_length=2000, required=False, allow_blank=True)


class CaseEventSerializer(serializers.ModelSerializer):
    has_file = serializers.SerializerMethodField()

    class Meta:
        model = CaseEvent
        fields = ["id", "kind", "payload", "created", "has_file"]

    def get_has_file(self, event) -> bool:
        return bool(event.file)


class CaseStatusSerializer(serializers.Serializer):
    vorgangsnummer = serializers.CharField()
    status = serializers.ChoiceField(
        choices=CaseStatus.choices,
        help_text="Aktueller Status des Vorgangs (auch `zurueckgezogen` nach einer Rücknahme).",
    )
    status_label = serializers.CharField(help_text="Der Status in Worten.")
    updated_at = serializers.DateTimeField(allow_null=True)
    events = CaseEventSerializer(many=True)
