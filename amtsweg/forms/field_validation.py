"""Server-side validation of one field's normalised value (see ``fields.py`` for normalising).

Messages are in the active language (German source strings) and never repeat the submitted value.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from .fields import (
    _ISO_DATE_RE,
    _PHONE_RE,
    _PLZ_RE,
    ADDRESS_PARTS,
    EMAIL_INVALID,
    FILE_TYPES,
    date_bound,
    de_number,
    is_empty,
    parse_decimal,
    postal_code_check,
)


def _label(field: dict) -> str:
    return field.get("label") or field["key"]


def _required_message(field: dict) -> str:
    label = _label(field)
    kind = field["type"]
    if kind in {"choice", "multichoice"}:
        return gettext("Bitte wählen Sie bei „{label}“ eine Antwort aus.").format(label=label)
    if kind == "boolean":
        return gettext("Bitte beantworten Sie die Frage „{label}“.").format(label=label)
    if kind == "file":
        return gettext("Bitte laden Sie eine Datei für „{label}“ hoch.").format(label=label)
    return gettext("Bitte füllen Sie das Feld „{label}“ aus.").format(label=label)


def _option_values(field: dict, codelists: dict) -> set[str]:
    options = field.get("options")
    if options is None:
        options = codelists.get(field.get("codelist") or "", [])
    return {o["value"] for o in options}


def _number_bounds(field: dict, number: Decimal, unit: str = "") -> str | None:
    low, high = parse_decimal(field.get("min")), parse_decimal(field.get("max"))
    if low is not None and high is not None and not low <= number <= high:
        return gettext("Bitte geben Sie einen Wert zwischen {low} und {high} ein.").format(
            low=f"{de_number(low)}{unit}", high=f"{de_number(high)}{unit}"
        )
    if low is not None and number < low:
        return gettext("Der Wert muss mindestens {low} betragen.").format(low=f"{de_number(low)}{unit}")
    if high is not None and number > high:
        return gettext("Der Wert darf höchstens {high} betragen.").format(high=f"{de_number(high)}{unit}")
    return None


def _text_errors(field: dict, value: Any) -> str | None:
    if not isinstance(value, str):
        return gettext("Bitte geben Sie einen Text ein.")
    if field["type"] == "text" and ("\n" in value or "\r" in value):
        return gettext("Bitte geben Sie den Text in einer Zeile ein.")
    if "min_length" in field and len(value) < field["min_length"]:
        return gettext("Bitte geben Sie mindestens {count} Zeichen ein.").format(count=field["min_length"])
    max_length = field.get("max_length", 200 if field["type"] == "text" else 10000)
    if len(value) > max_length:
        return gettext("Bitte geben Sie höchstens {count} Zeichen ein.").format(count=max_length)
    if "pattern" in field and not re.fullmatch(field["pattern"], value):
        return field.get("pattern_message") or gettext("Die Eingabe hat nicht das erwartete Format.")
    return None


def _sniff(head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    return None


def file_errors(field: dict, upload: Any) -> str | None:
    """Check an uploaded file (Django UploadedFile or a stored answer dict {name, size, type})."""
    spec = field.get("file") or {}
    allowed = spec.get("types") or ["pdf", "jpeg", "png"]
    max_mb = spec.get("max_size_mb", 10)
    allowed_text = ", ".join(t.upper() for t in allowed)
    if isinstance(upload, dict):
        name, size, kind = upload.get("name"), upload.get("size"), upload.get("type")
        if not isinstance(name, str) or not isinstance(size, int) or kind not in FILE_TYPES:
            return gettext("Die Datei konnte nicht gelesen werden. Bitte laden Sie sie erneut hoch.")
    else:
        name, size = getattr(upload, "name", None), getattr(upload, "size", None)
        if not isinstance(name, str) or not isinstance(size, int):
            return gettext("Die Datei konnte nicht gelesen werden. Bitte laden Sie sie erneut hoch.")
        kind = None
        if hasattr(upload, "read"):
            # The type is decided by the content, not by the name or the browser's claim.
            if hasattr(upload, "seek"):
                upload.seek(0)
            kind = _sniff(upload.read(16) or b"")
            if hasattr(upload, "seek"):
                upload.seek(0)
    if size > max_mb * 1024 * 1024:
        return gettext("Die Datei ist zu groß. Erlaubt sind höchstens {size} MB.").format(size=de_number(max_mb))
    if size == 0:
        return gettext("Die Datei ist leer.")
    suffix = PurePath(name).suffix.lower()
    by_name = next((t for t, (_, suffixes) in FILE_TYPES.items() if suffix in suffixes), None)
    if kind is None or kind not in allowed or (by_name is not None and by_name != kind):
        return gettext("Dieser Dateityp ist nicht erlaubt. Erlaubt sind: {types}.").format(types=allowed_text)
    return None


def field_errors(
    field: dict, value: Any, *, path: str, codelists: dict | None = None, today: dt.date | None = None
) -> dict[str, str]:
    """Validate one normalised value of ``field``; returns {path: message} (empty when valid)."""
    kind = field["type"]
    if kind == "info" or "compute" in field:
        return {}
    if is_empty(value):
        return {path: _required_message(field)} if field.get("required") else {}
    if kind == "address":
        return _address_errors(field, value, path=path)
    check = _CHECKS.get(kind)
    message = check(field, value, codelists or {}, today) if check is not None else None
    return {path: message} if message else {}


def _integer_error(field: dict, value: Any, codelists: dict, today: dt.date | None) -> str | None:
    if not isinstance(value, int) or isinstance(value, bool):
        return gettext("Bitte geben Sie eine ganze Zahl ein.")
    return _number_bounds(field, Decimal(value))


def _decimal_error(field: dict, value: Any, codelists: dict, today: dt.date | None) -> str | None:
    kind = field["type"]
    number = parse_decimal(value) if isinstance(value, str) else None
    if number is None or (kind == "currency" and not re.fullmatch(r"-?\d+\.\d{2}", value)):
        return (
            gettext("Bitte geben Sie einen Betrag in Euro ein, z. B. 12,50.")
            if kind == "currency"
            else gettext("Bitte geben Sie eine Zahl ein, z. B. 3,5.")
        )
    return _number_bounds(field, number, " €" if kind == "currency" else "")


def _date_error(field: dict, value: Any, codelists: dict, today: dt.date | None) -> str | None:
    try:
        day = dt.date.fromisoformat(value) if isinstance(value, str) and _ISO_DATE_RE.match(value) else None
    except ValueError:
        day = None
    if day is None:
        return gettext("Bitte geben Sie ein gültiges Datum ein, z. B. 31.12.2024.")
    low, high = date_bound(field.get("min"), today=today), date_bound(field.get("max"), today=today)
    if high is not None and day > high:
        return (
            gettext("Das Datum darf nicht in der Zukunft liegen.")
            if field.get("max") == "today"
            else gettext("Das Datum darf nicht nach dem {date} liegen.").format(date=f"{high:%d.%m.%Y}")
        )
    if low is not None and day < low:
        return (
            gettext("Das Datum darf nicht in der Vergangenheit liegen.")
            if field.get("min") == "today"
            else gettext("Das Datum darf nicht vor dem {date} liegen.").format(date=f"{low:%d.%m.%Y}")
        )
    return None


def _boolean_error(field: dict, value: Any, codelists: dict, today: dt.date | None) -> str | None:
    return None if isinstance(value, bool) else gettext("Bitte antworten Sie mit Ja oder Nein.")


def _choice_error(field: dict, value: Any, codelists: dict, today: dt.date | None) -> str | None:
    if not isinstance(value, str) or value not in _option_values(field, codelists):
        return gettext("Bitte wählen Sie eine der angebotenen Antworten aus.")
    return None


def _multichoice_error(field: dict, value: Any, codelists: dict, today: dt.date | None) -> str | None:
    allowed = _option_values(field, codelists)
    if not isinstance(value, list) or any(not isinstance(v, str) or v not in allowed for v in value):
        return gettext("Bitte wählen Sie nur angebotene Antworten aus.")
    if len(set(value)) != len(value):
        return gettext("Bitte wählen Sie jede Antwort nur einmal aus.")
    if "min" in field and len(value) < field["min"]:
        return gettext("Bitte wählen Sie mindestens {count} Antworten aus.").format(count=field["min"])
    if "max" in field and len(value) > field["max"]:
        return gettext("Bitte wählen Sie höchstens {count} Antworten aus.").format(count=field["max"])
    return None


def _email_error(field: dict, value: Any, codelists: dict, today: dt.date | None) -> str | None:
    try:
        if not isinstance(value, str) or len(value) > 254:
            raise ValidationError("invalid")
        validate_email(value)
    except ValidationError:
        return EMAIL_INVALID
    return None


def _phone_error(field: dict, value: Any, codelists: dict, today: dt.date | None) -> str | None:
    digits = re.sub(r"\D", "", value) if isinstance(value, str) else ""
    if not isinstance(value, str) or not _PHONE_RE.match(value) or not 6 <= len(digits) <= 15 or len(value) > 30:
        return gettext("Bitte geben Sie eine gültige Telefonnummer ein, z. B. 0351 1234567 oder +49 351 1234567.")
    return None


def _iban_error(field: dict, value: Any, codelists: dict, today: dt.date | None) -> str | None:
    try:
        if not isinstance(value, str):
            raise ValueError
        IBAN(value)
    except (SchwiftyException, ValueError):
        return gettext("Bitte geben Sie eine gültige IBAN ein.")
    return None


# One check per field type: (field, normalised non-empty value, code lists, today) → message or None.
_CHECKS: dict[str, Callable[[dict, Any, dict, dt.date | None], str | None]] = {
    "text": lambda field, value, codelists, today: _text_errors(field, value),
    "textarea": lambda field, value, codelists, today: _text_errors(field, value),
    "integer": _integer_error,
    "decimal": _decimal_error,
    "currency": _decimal_error,
    "date": _date_error,
    "boolean": _boolean_error,
    "choice": _choice_error,
    "multichoice": _multichoice_error,
    "email": _email_error,
    "phone": _phone_error,
    "iban": _iban_error,
    "file": lambda field, value, codelists, today: file_errors(field, value),
}


def _address_errors(field: dict, value: Any, *, path: str) -> dict[str, str]:
    if not isinstance(value, dict) or any(not isinstance(value.get(p) or "", str) for p in ADDRESS_PARTS):
        return {path: gettext("Bitte geben Sie eine vollständige Anschrift ein.")}
    errors: dict[str, str] = {}
    names = {
        "street": gettext("Bitte geben Sie die Straße an."),
        "postal_code": gettext("Bitte geben Sie die Postleitzahl an."),
        "city": gettext("Bitte geben Sie den Ort an."),
    }
    for part, message in names.items():
        if not value.get(part):
            errors[f"{path}.{part}"] = message
    for part, limit in (("street", 100), ("house_number", 20), ("city", 100)):
        if len(value.get(part) or "") > limit:
            errors[f"{path}.{part}"] = gettext("Bitte geben Sie höchstens {count} Zeichen ein.").format(count=limit)
    postal_code, city = value.get("postal_code") or "", value.get("city") or ""
    if postal_code and not _PLZ_RE.match(postal_code):
        errors[f"{path}.postal_code"] = gettext("Eine Postleitzahl besteht aus fünf Ziffern.")
    if errors or not (field.get("address") or {}).get("register_check", True):
        return errors
    result = postal_code_check(postal_code=postal_code, city=city)
    if result == "unknown":
        errors[f"{path}.postal_code"] = gettext(
            "Diese Postleitzahl ist im Gemeindeverzeichnis nicht bekannt. Bitte prüfen Sie sie."
        )
    elif result == "mismatch":
        errors[f"{path}.city"] = gettext("Postleitzahl und Ort passen nicht zusammen. Bitte prüfen Sie Ihre Angaben.")
    return errors
