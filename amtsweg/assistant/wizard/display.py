"""Answers as text: in an input, in the date parts, on the review page; choice options and file hints."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.utils.translation import get_language, gettext, gettext_lazy

from amtsweg.forms.fields import FILE_TYPES, parse_decimal

DATE_PARTS = (
    ("tag", gettext_lazy("Tag"), 2),
    ("monat", gettext_lazy("Monat"), 2),
    ("jahr", gettext_lazy("Jahr"), 4),
)
_DMY_RE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_ISO_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def _german_number(text: str) -> str:
    return text.replace(".", ",")


def input_text(spec: dict, value: Any) -> str:
    """The value as the citizen sees it in a text input (German decimal comma)."""
    if value is None:
        return ""
    kind = spec["type"]
    if kind in {"decimal", "currency"} and isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value):
        return _german_number(value)
    if isinstance(value, bool):
        return ""
    if isinstance(value, (int, Decimal)):
        return str(value)
    return value if isinstance(value, str) else ""


def date_parts(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        return {k: str(value.get(k) or "") for k, _, _ in DATE_PARTS}
    if isinstance(value, str):
        if m := _ISO_RE.match(value):
            year, month, day = m.groups()
            return {"tag": str(int(day)), "monat": str(int(month)), "jahr": year}
        if m := _DMY_RE.match(value):
            day, month, year = m.groups()
            return {"tag": day, "monat": month, "jahr": year}
    return {"tag": "", "monat": "", "jahr": ""}


def display_value(spec: dict, value: Any, codelists: dict) -> str:
    """A finalised answer as text for the review page."""
    kind = spec["type"]
    if value is None or value == "" or value == []:
        return "–"
    if kind == "boolean":
        return gettext("Ja") if value is True else gettext("Nein") if value is False else str(value)
    if kind in {"choice", "multichoice"}:
        labels = {o["value"]: o["label"] for o in options_of(spec, codelists)}
        values = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(v, str(v)) for v in values)
    if kind == "date" and isinstance(value, str) and (m := _ISO_RE.match(value)):
        year, month, day = m.groups()
        return f"{day}.{month}.{year}"
    if kind == "currency" and isinstance(value, str):
        number = parse_decimal(value)
        if number is not None:
            whole, _, cents = f"{number:.2f}".partition(".")
            return f"{int(whole):,}".replace(",", ".") + f",{cents} €"
    if kind == "decimal" and isinstance(value, str):
        return _german_number(value)
    if kind == "address" and isinstance(value, dict):
        street = " ".join(p for p in (value.get("street"), value.get("house_number")) if p)
        place = " ".join(p for p in (value.get("postal_code"), value.get("city")) if p)
        return ", ".join(p for p in (street, place) if p)
    if kind == "file" and isinstance(value, dict):
        return str(value.get("name") or "")
    if kind == "iban" and isinstance(value, str):
        return " ".join(value[i : i + 4] for i in range(0, len(value), 4))
    return str(value)


def options_of(spec: dict, codelists: dict) -> list[dict]:
    if spec["type"] == "boolean":
        return [{"value": "ja", "label": gettext("Ja")}, {"value": "nein", "label": gettext("Nein")}]
    options = spec.get("options")
    if options is None:
        options = codelists.get(spec.get("codelist") or "", [])
    return list(options)


def file_hint(spec: dict) -> str:
    file_spec = spec.get("file") or {}
    types = [t for t in (file_spec.get("types") or list(FILE_TYPES)) if t in FILE_TYPES]
    max_mb = file_spec.get("max_size_mb", 10)
    labels = ", ".join(t.upper() for t in types)
    size = str(max_mb) if get_language() == "en" else str(max_mb).replace(".", ",")
    return gettext("Erlaubt: {types}, höchstens {size} MB.").format(types=labels, size=size)


def accept_attr(spec: dict) -> str:
    types = (spec.get("file") or {}).get("types") or list(FILE_TYPES)
    return ",".join(s for t in types if t in FILE_TYPES for s in (*FILE_TYPES[t][1], FILE_TYPES[t][0]))
