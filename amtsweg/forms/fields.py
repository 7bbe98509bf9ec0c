"""Field types: normalising submitted values and validating them server-side.

``value_normalize`` turns what a browser posts ("12,50", "ja", "01.02.2020", "DE89 3704 …") into
the canonical answer form documented in docs/forms/definition-format.md, or leaves a value it
cannot read unchanged so that ``field_errors`` reports it. Messages are German and never repeat
the submitted value.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

ADDRESS_PARTS = ("street", "house_number", "postal_code", "city")
# Shown wherever an e-mail address is refused (form fields, confirmation and resume-link addresses).
EMAIL_INVALID = "Bitte geben Sie eine gültige E-Mail-Adresse ein, z. B. name@beispiel.de."
FILE_TYPES = {
    "pdf": ("application/pdf", (".pdf",)),
    "jpeg": ("image/jpeg", (".jpg", ".jpeg")),
    "png": ("image/png", (".png",)),
}
_INT_RE = re.compile(r"^[+-]?\d{1,18}$")
_THOUSANDS_RE = re.compile(r"^[+-]?\d{1,3}(\.\d{3}){1,5}$")
_DECIMAL_RE = re.compile(r"^[+-]?\d{1,15}(\.\d{1,10})?$")
_GERMAN_DECIMAL_RE = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$|^[+-]?\d+(,\d+)?$")
_DATE_DE_RE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()/.\-]*$")
_PLZ_RE = re.compile(r"^\d{5}$")
_RELATIVE_DATE_RE = re.compile(r"^today(?:([+-])(\d{1,4})([dmy]))?$")
_TRUE = {"true", "ja", "yes", "on", "1", "j"}
_FALSE = {"false", "nein", "no", "off", "0", "n"}


def is_empty(value: Any) -> bool:
    if value is None or value == "" or value == [] or value == {}:
        return True
    if isinstance(value, dict) and set(value) <= set(ADDRESS_PARTS):
        return all(not str(value.get(p) or "").strip() for p in ADDRESS_PARTS)
    return False


def parse_decimal(value: Any) -> Decimal | None:
    """Read 12, 12.5, "12.5", "12,5" and "1.234,56"; None when it is not a plain number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if not isinstance(value, str):
        return None
    text = value.strip().replace(" ", "").replace("\u00a0", "").removesuffix("€")
    if _DECIMAL_RE.match(text):
        return Decimal(text)
    if _GERMAN_DECIMAL_RE.match(text):
        return Decimal(text.replace(".", "").replace(",", "."))
    return None


def decimal_text(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def currency_text(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), "f")


def de_number(value: Any) -> str:
    """A bound for a message, German style: 1.000,5."""
    number = parse_decimal(value)
    if number is None:
        return str(value)
    text = decimal_text(number)
    whole, _, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    whole = whole.lstrip("-")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{sign}{grouped}{',' + frac if frac else ''}"


def date_bound(bound: Any, *, today: dt.date | None = None) -> dt.date | None:
    """Resolve a date bound: ISO date, ``today`` or ``today±N[dmy]``."""
    if not isinstance(bound, str):
        return None
    today = today or timezone.localdate()
    match = _RELATIVE_DATE_RE.match(bound)
    if match:
        sign, amount, unit = match.groups()
        if not sign:
            return today
        n = int(amount) * (1 if sign == "+" else -1)
        if unit == "d":
            return today + dt.timedelta(days=n)
        months = n * (12 if unit == "y" else 1)
        year, month = divmod(today.month - 1 + months, 12)
        year += today.year
        day = today.day
        while True:  # 29 Feb / 31st: fall back to the month's last day
            try:
                return dt.date(year, month + 1, day)
            except ValueError:
                day -= 1
    try:
        return dt.date.fromisoformat(bound)
    except ValueError:
        return None


def _fold(text: str) -> str:
    """Case- and umlaut-insensitive comparison key for place names."""
    text = text.casefold().strip()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(a, b)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[\s\-/.]+", " ", text)
    return text.strip()


def _place_variants(name: str) -> set[str]:
    # "Freiberg, Stadt", "Hohnstein (Sächs Schweiz)" → also "freiberg", "hohnstein";
    # bilingual names "Bautzen - Budyšin", "Bautzen / Budyšin, Stadt" → each language's name alone.
    base = re.split(r"[,(]", name, maxsplit=1)[0]
    variants = {_fold(name), _fold(base)}
    variants.update(_fold(part) for part in re.split(r"\s+[-/]\s+", base) if part.strip())
    return variants


def postal_code_check(*, postal_code: str, city: str) -> str | None:
    """None when the PLZ exists in the register and ``city`` is one of its places or Gemeinden.

    Returns "unknown" (PLZ not in the register) or "mismatch" (PLZ exists, city does not fit).
    """
    from amtsweg.directory.models import PostalCode  # the register app owns the data

    rows = list(PostalCode.objects.filter(code=postal_code).values_list("place_name", "gemeinde__name"))
    if not rows:
        return "unknown"
    wanted = _place_variants(city)
    for place, gemeinde in rows:
        if wanted & (_place_variants(place) | _place_variants(gemeinde)):
            return None
    return "mismatch"


def value_normalize(field: dict, value: Any) -> Any:
    """The canonical answer for ``value``; unreadable values are returned unchanged."""
    kind = field["type"]
    if isinstance(value, str) and kind not in {"textarea"}:
        value = value.strip()
    if value is None or value == "":
        return None
    if kind in {"text", "choice", "email", "phone"}:
        return value
    if kind == "textarea":
        return value.strip() if isinstance(value, str) else value
    if kind == "integer":
        if isinstance(value, str) and (_INT_RE.match(value) or _THOUSANDS_RE.match(value)):
            return int(value.replace(".", ""))
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value
    if kind in {"decimal", "currency"}:
        number = parse_decimal(value)
        if number is None:
            return value
        if kind == "currency":
            if number != number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP):
                return value  # more than two decimals: reported, not silently rounded
            return currency_text(number)
        return decimal_text(number)
    if kind == "date":
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, str) and (m := _DATE_DE_RE.match(value)):
            day, month, year = (int(x) for x in m.groups())
            try:
                return dt.date(year, month, day).isoformat()
            except ValueError:
                return value
        return value
    if kind == "boolean":
        if isinstance(value, str):
            lowered = value.lower()
            return True if lowered in _TRUE else False if lowered in _FALSE else value
        return value
    if kind == "multichoice":
        if isinstance(value, str):
            return [value]
        if isinstance(value, list):
            return [v.strip() if isinstance(v, str) else v for v in value if v not in (None, "")]
        return value
    if kind == "iban":
        return re.sub(r"\s+", "", value).upper() if isinstance(value, str) else value
    if kind == "address":
        if isinstance(value, dict):
            cleaned = {
                p: (value.get(p) or "").strip() if isinstance(value.get(p) or "", str) else value.get(p)
                for p in ADDRESS_PARTS
            }
            return cleaned
        return value
    return value


def _label(field: dict) -> str:
    return field.get("label") or field["key"]


def _required_message(field: dict) -> str:
    label = _label(field)
    kind = field["type"]
    if kind in {"choice", "multichoice"}:
        return f"Bitte wählen Sie bei „{label}“ eine Antwort aus."
    if kind == "boolean":
        return f"Bitte beantworten Sie die Frage „{label}“."
    if kind == "file":
        return f"Bitte laden Sie eine Datei für „{label}“ hoch."
    return f"Bitte füllen Sie das Feld „{label}“ aus."


def _option_values(field: dict, codelists: dict) -> set[str]:
    options = field.get("options")
    if options is None:
        options = codelists.get(field.get("codelist") or "", [])
    return {o["value"] for o in options}


def _number_bounds(field: dict, number: Decimal, unit: str = "") -> str | None:
    low, high = parse_decimal(field.get("min")), parse_decimal(field.get("max"))
    if low is not None and high is not None and not low <= number <= high:
        return f"Bitte geben Sie einen Wert zwischen {de_number(low)}{unit} und {de_number(high)}{unit} ein."
    if low is not None and number < low:
        return f"Der Wert muss mindestens {de_number(low)}{unit} betragen."
    if high is not None and number > high:
        return f"Der Wert darf höchstens {de_number(high)}{unit} betragen."
    return None


def _text_errors(field: dict, value: Any) -> str | None:
    if not isinstance(value, str):
        return "Bitte geben Sie einen Text ein."
    if field["type"] == "text" and ("\n" in value or "\r" in value):
        return "Bitte geben Sie den Text in einer Zeile ein."
    if "min_length" in field and len(value) < field["min_length"]:
        return f"Bitte geben Sie mindestens {field['min_length']} Zeichen ein."
    max_length = field.get("max_length", 200 if field["type"] == "text" else 10000)
    if len(value) > max_length:
        return f"Bitte geben Sie höchstens {max_length} Zeichen ein."
    if "pattern" in field and not re.fullmatch(field["pattern"], value):
        return field.get("pattern_message") or "Die Eingabe hat nicht das erwartete Format."
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
            return "Die Datei konnte nicht gelesen werden. Bitte laden Sie sie erneut hoch."
    else:
        name, size = getattr(upload, "name", None), getattr(upload, "size", None)
        if not isinstance(name, str) or not isinstance(size, int):
            return "Die Datei konnte nicht gelesen werden. Bitte laden Sie sie erneut hoch."
        kind = None
        if hasattr(upload, "read"):
            # The type is decided by the content, not by the name or the browser's claim.
            if hasattr(upload, "seek"):
                upload.seek(0)
            kind = _sniff(upload.read(16) or b"")
            if hasattr(upload, "seek"):
                upload.seek(0)
    if size > max_mb * 1024 * 1024:
        return f"Die Datei ist zu groß. Erlaubt sind höchstens {de_number(max_mb)} MB."
    if size == 0:
        return "Die Datei ist leer."
    suffix = PurePath(name).suffix.lower()
    by_name = next((t for t, (_, suffixes) in FILE_TYPES.items() if suffix in suffixes), None)
    if kind is None or kind not in allowed or (by_name is not None and by_name != kind):
        return f"Dieser Dateityp ist nicht erlaubt. Erlaubt sind: {allowed_text}."
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
    message: str | None = None
    if kind in {"text", "textarea"}:
        message = _text_errors(field, value)
    elif kind == "integer":
        if not isinstance(value, int) or isinstance(value, bool):
            message = "Bitte geben Sie eine ganze Zahl ein."
        else:
            message = _number_bounds(field, Decimal(value))
    elif kind in {"decimal", "currency"}:
        number = parse_decimal(value) if isinstance(value, str) else None
        if number is None or (kind == "currency" and not re.fullmatch(r"-?\d+\.\d{2}", value)):
            message = (
                "Bitte geben Sie einen Betrag in Euro ein, z. B. 12,50."
                if kind == "currency"
                else "Bitte geben Sie eine Zahl ein, z. B. 3,5."
            )
        else:
            message = _number_bounds(field, number, " €" if kind == "currency" else "")
    elif kind == "date":
        try:
            day = dt.date.fromisoformat(value) if isinstance(value, str) and _ISO_DATE_RE.match(value) else None
        except ValueError:
            day = None
        if day is None:
            message = "Bitte geben Sie ein gültiges Datum ein, z. B. 31.12.2024."
        else:
            low, high = date_bound(field.get("min"), today=today), date_bound(field.get("max"), today=today)
            if high is not None and day > high:
                message = (
                    "Das Datum darf nicht in der Zukunft liegen."
                    if field.get("max") == "today"
                    else f"Das Datum darf nicht nach dem {high:%d.%m.%Y} liegen."
                )
            elif low is not None and day < low:
                message = (
                    "Das Datum darf nicht in der Vergangenheit liegen."
                    if field.get("min") == "today"
                    else f"Das Datum darf nicht vor dem {low:%d.%m.%Y} liegen."
                )
    elif kind == "boolean":
        if not isinstance(value, bool):
            message = "Bitte antworten Sie mit Ja oder Nein."
    elif kind == "choice":
        if not isinstance(value, str) or value not in _option_values(field, codelists or {}):
            message = "Bitte wählen Sie eine der angebotenen Antworten aus."
    elif kind == "multichoice":
        allowed = _option_values(field, codelists or {})
        if not isinstance(value, list) or any(not isinstance(v, str) or v not in allowed for v in value):
            message = "Bitte wählen Sie nur angebotene Antworten aus."
        elif len(set(value)) != len(value):
            message = "Bitte wählen Sie jede Antwort nur einmal aus."
        elif "min" in field and len(value) < field["min"]:
            message = f"Bitte wählen Sie mindestens {field['min']} Antworten aus."
        elif "max" in field and len(value) > field["max"]:
            message = f"Bitte wählen Sie höchstens {field['max']} Antworten aus."
    elif kind == "email":
        try:
            if not isinstance(value, str) or len(value) > 254:
                raise ValidationError("invalid")
            validate_email(value)
        except ValidationError:
            message = EMAIL_INVALID
    elif kind == "phone":
        digits = re.sub(r"\D", "", value) if isinstance(value, str) else ""
        if not isinstance(value, str) or not _PHONE_RE.match(value) or not 6 <= len(digits) <= 15 or len(value) > 30:
            message = "Bitte geben Sie eine gültige Telefonnummer ein, z. B. 0351 1234567 oder +49 351 1234567."
    elif kind == "iban":
        try:
            if not isinstance(value, str):
                raise ValueError
            IBAN(value)
        except (SchwiftyException, ValueError):
            message = "Bitte geben Sie eine gültige IBAN ein."
    elif kind == "address":
        return _address_errors(field, value, path=path)
    elif kind == "file":
        message = file_errors(field, value)
    return {path: message} if message else {}


def _address_errors(field: dict, value: Any, *, path: str) -> dict[str, str]:
    if not isinstance(value, dict) or any(not isinstance(value.get(p) or "", str) for p in ADDRESS_PARTS):
        return {path: "Bitte geben Sie eine vollständige Anschrift ein."}
    errors: dict[str, str] = {}
    names = {"street": "die Straße", "postal_code": "die Postleitzahl", "city": "den Ort"}
    for part, name in names.items():
        if not value.get(part):
            errors[f"{path}.{part}"] = f"Bitte geben Sie {name} an."
    for part, limit in (("street", 100), ("house_number", 20), ("city", 100)):
        if len(value.get(part) or "") > limit:
            errors[f"{path}.{part}"] = f"Bitte geben Sie höchstens {limit} Zeichen ein."
    postal_code, city = value.get("postal_code") or "", value.get("city") or ""
    if postal_code and not _PLZ_RE.match(postal_code):
        errors[f"{path}.postal_code"] = "Eine Postleitzahl besteht aus fünf Ziffern."
    if errors or not (field.get("address") or {}).get("register_check", True):
        return errors
    result = postal_code_check(postal_code=postal_code, city=city)
    if result == "unknown":
        errors[f"{path}.postal_code"] = (
            "Diese Postleitzahl ist im Gemeindeverzeichnis nicht bekannt. Bitte prüfen Sie sie."
        )
    elif result == "mismatch":
        errors[f"{path}.city"] = "Postleitzahl und Ort passen nicht zusammen. Bitte prüfen Sie Ihre Angaben."
    return errors
