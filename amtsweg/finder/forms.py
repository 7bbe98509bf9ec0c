"""Forms of the citizen-facing finder. All messages are German and shown next to the field."""

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

QUERY_MAX_LENGTH = 200
PLACE_MAX_LENGTH = 100


class _StrippedCharField(forms.CharField):
    """CharField whose length check runs after stripping, with German messages."""

    def __init__(self, *, label, max_length: int, required_message, too_long_message, **kwargs):
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
        label=_("Was möchten Sie erledigen?"),
        max_length=QUERY_MAX_LENGTH,
        required_message=_("Bitte geben Sie ein, was Sie erledigen möchten, zum Beispiel „Hund anmelden“."),
        too_long_message=format_lazy(
            _("Ihre Suchanfrage ist zu lang. Bitte verwenden Sie höchstens {max} Zeichen."), max=QUERY_MAX_LENGTH
        ),
    )
    ort = _StrippedCharField(
        label=_("Wo wohnen Sie?"),
        max_length=PLACE_MAX_LENGTH,
        required=False,
        required_message="",
        too_long_message=format_lazy(
            _("Die Ortsangabe ist zu lang. Bitte verwenden Sie höchstens {max} Zeichen."), max=PLACE_MAX_LENGTH
        ),
    )


class PlaceForm(forms.Form):
    """Place field on the Leistung page (Gemeinde name, PLZ or AGS)."""

    ort = _StrippedCharField(
        label=_("Wo wohnen Sie?"),
        max_length=PLACE_MAX_LENGTH,
        required_message=_("Bitte geben Sie Ihre Gemeinde oder Postleitzahl ein."),
        too_long_message=format_lazy(
            _("Die Ortsangabe ist zu lang. Bitte verwenden Sie höchstens {max} Zeichen."), max=PLACE_MAX_LENGTH
        ),
    )
