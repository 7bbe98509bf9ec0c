"""Forms of the citizen-facing finder. All messages are German and shown next to the field."""

from django import forms

QUERY_MAX_LENGTH = 200
PLACE_MAX_LENGTH = 100


class _StrippedCharField(forms.CharField):
    """CharField whose length check runs after stripping, with German messages."""

    def __init__(self, *, label: str, max_length: int, required_message: str, too_long_message: str, **kwargs):
        super().__init__(
            label=label,
            max_length=max_length,
            strip=True,
            error_messages={"required": required_message, "max_length": too_long_message},
            **kwargs,
        )


class SearchForm(forms.Form):
    """Start page search: what (required) and where (optional Gemeinde name, PLZ or AGS)."""

    q = _StrippedCharField(
        label="Was möchten Sie erledigen?",
        max_length=QUERY_MAX_LENGTH,
        required_message="Bitte geben Sie ein, was Sie erledigen möchten, zum Beispiel „Hund anmelden“.",
        too_long_message=f"Ihre Suchanfrage ist zu lang. Bitte verwenden Sie höchstens {QUERY_MAX_LENGTH} Zeichen.",
    )
    ort = _StrippedCharField(
        label="Wo wohnen Sie?",
        max_length=PLACE_MAX_LENGTH,
        required=False,
        required_message="",
        too_long_message=f"Die Ortsangabe ist zu lang. Bitte verwenden Sie höchstens {PLACE_MAX_LENGTH} Zeichen.",
    )


class PlaceForm(forms.Form):
    """Place field on the Leistung page (Gemeinde name, PLZ or AGS)."""

    ort = _StrippedCharField(
        label="Wo wohnen Sie?",
        max_length=PLACE_MAX_LENGTH,
        required_message="Bitte geben Sie Ihre Gemeinde oder Postleitzahl ein.",
        too_long_message=f"Die Ortsangabe ist zu lang. Bitte verwenden Sie höchstens {PLACE_MAX_LENGTH} Zeichen.",
    )
