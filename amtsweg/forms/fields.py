"""Field types: normalising submitted values (validating them: ``field_validation``).

``value_normalize`` turns what a browser posts ("12,50", "ja", "01.02.2020", "DE89 3704 …") into
the canonical answer form documented in docs/forms/definition-format.md, or leaves a value it
cannot read unchanged so that ``field_validation.field_errors`` reports it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy

ADDRESS_PARTS = ("street", "house_number", "postal_code", "city")
# Shown wherever an e-mail address is refused (form fields, confirmation and resume-link addresses).
EMAIL_INVALID = gettext_lazy("Bitte geben Sie eine gültige E-Mail-Adresse ein, z. B. name@beispiel.de.")
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
