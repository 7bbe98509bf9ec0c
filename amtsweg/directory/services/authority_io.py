"""Authority import and export: CSV (semicolon-separated, for German spreadsheets) or JSON, round-trip safe."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.db.models import QuerySet

from ..models import Authority, Territory
from .authorities import serves_sync
from .base import gemeinden_by_ags_current
from .version import reference_version_bump

EXPORT_FIELDS = [
    "key",
    "name",
    "kind",
    "territory",
    "serves",
    "acts_for_gemeinde",
    "acts_for_kreis",
    "street",
    "postal_code",
    "city",
    "phone",
    "email",
    "website",
    "opening_hours",
    "active",
    "generated",
    "needs_review",
]
_BOOL_FIELDS = ["acts_for_gemeinde", "acts_for_kreis", "active", "generated", "needs_review"]
_TEXT_FIELDS = ["name", "street", "postal_code", "city", "phone", "email", "website", "opening_hours"]
_REQUIRED = ["key", "name", "kind", "territory"]
_TRUE = {"1", "ja", "j", "true", "wahr", "yes", "x"}
_FALSE = {"0", "nein", "n", "false", "falsch", "no", ""}
_KEY_RE = re.compile(r"^[-a-zA-Z0-9_]+$")
_FIELD_LABELS = {
    "key": "Schlüssel",
    "name": "Name",
    "kind": "Art",
    "territory": "Körperschaft (ARS)",
    "serves": "zuständig für (AGS)",
    "postal_code": "PLZ",
    "email": "E-Mail",
    "website": "Website",
}


def _format_check(fmt: str) -> None:
    if fmt not in ("csv", "json"):
        raise ValueError(f"Unbekanntes Format „{fmt}“: erlaubt sind „csv“ und „json“.")


def _authority_row(authority: Authority, serves: list[str]) -> dict:
    row = {f: getattr(authority, f) for f in EXPORT_FIELDS if f not in ("territory", "serves")}
    row["territory"] = authority.territory.ars
    row["serves"] = serves
    return row


def authorities_export(*, fmt: str, queryset: QuerySet | None = None) -> str:
    """All (or the given) authorities as CSV (semicolon-separated, for German spreadsheets) or JSON.

    ``territory`` is the ARS of the body the authority belongs to, ``serves`` the AGS of the
    Gemeinden it serves (space-separated in CSV, a list in JSON).
    """
    _format_check(fmt)
    qs = (queryset if queryset is not None else Authority.objects.all()).select_related("territory").order_by("key")
    authorities = list(qs)
    through = Authority.serves.through
    serves: dict[int, list[str]] = defaultdict(list)
    for authority_id, ags, ars in (
        through.objects.filter(authority_id__in=[a.pk for a in authorities])
        .order_by("territory__ags", "territory__ars")
        .values_list("authority_id", "territory__ags", "territory__ars")
    ):
        serves[authority_id].append(ags or ars)
    rows = [_authority_row(a, serves.get(a.pk, [])) for a in authorities]
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS, delimiter=";", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                **row,
                "serves": " ".join(row["serves"]),
                **{f: "ja" if row[f] else "nein" for f in _BOOL_FIELDS},
            }
        )
    return out.getvalue()


@transaction.atomic
def authorities_import(*, data: str, fmt: str) -> dict:
    """Create or update authorities from CSV or JSON (the format of ``authorities_export``).

    All rows are validated first; if any row is invalid nothing is written and ``errors``
    lists every problem in German with its row. Rows are matched by ``key``. An existing row
    whose content differs is marked ``generated=False``, so the next register update keeps
    the edit; unchanged rows are left as they are (an export/import round trip changes nothing).
    """
    reference_version_bump()
    _format_check(fmt)
    rows, errors = _rows_read(data, fmt)
    result = {"created": 0, "updated": 0, "unchanged": 0, "errors": errors}
    if errors:
        return result
    cleaned = _rows_clean(rows, errors)
    if errors:
        return result
    _rows_write(cleaned, result)
    return result


def _rows_read(data: str, fmt: str) -> tuple[list[tuple[str, dict]], list[str]]:
    """(label, row) pairs and file-level errors."""
    if fmt == "json":
        return _json_rows_read(data)
    data = data.lstrip("\ufeff")
    first_line = data.splitlines()[0] if data.strip() else ""
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(data), delimiter=delimiter)
    missing = [f for f in _REQUIRED if f not in (reader.fieldnames or [])]
    if missing:
        return [], [f"Spalte „{m}“ fehlt in der Kopfzeile." for m in missing]
    rows = []
    for row in reader:
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        row["serves"] = (row.get("serves") or "").replace(",", " ").split()
        rows.append((f"Zeile {reader.line_num}", row))
    return rows, []


def _json_rows_read(data: str) -> tuple[list[tuple[str, dict]], list[str]]:
    try:
        parsed = json.loads(data)
    except json.JSONDecodeError as exc:
        # exc.msg is English; the position is what helps the user.
        return [], [f"Ungültiges JSON (Zeile {exc.lineno}, Spalte {exc.colno}): die Datei ist kein gültiges JSON."]
    if isinstance(parsed, dict) and isinstance(parsed.get("authorities"), list):
        parsed = parsed["authorities"]
    if not isinstance(parsed, list):
        return [], ["Das JSON muss eine Liste von Behörden sein."]
    rows = []
    for number, item in enumerate(parsed, start=1):
        if not isinstance(item, dict):
            return [], [f"Eintrag {number}: muss ein Objekt sein."]
        rows.append((f"Eintrag {number}", item))
    return rows, []


def _rows_clean(rows: list[tuple[str, dict]], errors: list[str]) -> list[dict]:
    """The cleaned rows; their problems are appended to ``errors``."""
    territories: dict[str, int] = {}
    for pk, ars, valid_until in Territory.objects.order_by("valid_until").values_list("pk", "ars", "valid_until"):
        # A current unit wins over a historical one with the same ARS.
        if ars not in territories or valid_until is None:
            territories[ars] = pk
    gemeinden = gemeinden_by_ags_current()
    cleaned, seen = [], {}
    for label, row in rows:
        clean, row_errors = _row_clean(label, row, territories, gemeinden)
        if clean["key"] in seen:
            first = seen[clean["key"]]
            row_errors.append(f"{label}: Schlüssel „{clean['key']}“ kommt doppelt vor (zuerst in {first}).")
        seen.setdefault(clean["key"], label)
        errors += row_errors
        cleaned.append(clean)
    return cleaned


def _rows_write(cleaned: list[dict], result: dict) -> None:
    """Create new rows and update changed ones (marking them as edited by hand); counts go into ``result``."""
    existing = {a.key: a for a in Authority.objects.filter(key__in=[c["key"] for c in cleaned])}
    current_serves: dict[int, set[int]] = defaultdict(set)
    through = Authority.serves.through
    for authority_id, territory_id in through.objects.filter(
        authority_id__in=[a.pk for a in existing.values()]
    ).values_list("authority_id", "territory_id"):
        current_serves[authority_id].add(territory_id)
    serves_by_authority: dict[int, set[int]] = {}
    for clean in cleaned:
        serves = clean.pop("serves")
        key = clean.pop("key")
        authority = existing.get(key)
        if authority is None:
            authority = Authority(key=key, **clean)
            authority.save()
            result["created"] += 1
        else:
            content = {f: v for f, v in clean.items() if f != "generated"}
            dirty = any(getattr(authority, f) != v for f, v in content.items()) or serves != current_serves.get(
                authority.pk, set()
            )
            if not dirty:
                result["unchanged"] += 1
                continue
            for f, v in content.items():
                setattr(authority, f, v)
            authority.generated = False  # an edited row must survive the next authorities_generate
            authority.save()
            result["updated"] += 1
        serves_by_authority[authority.pk] = serves
    serves_sync(serves_by_authority)


def _bool(value, field: str, errors: list[str], label: str) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    errors.append(f"{label}: „{value}“ ist kein gültiger Wert für {field} (erlaubt: ja/nein).")
    return None


def _row_clean(label: str, row: dict, territories: dict[str, int], gemeinden: dict[str, int]) -> tuple[dict, list]:
    errors: list[str] = []
    clean: dict = {}
    for field in _REQUIRED:
        value = row.get(field)
        if value is None or not str(value).strip():
            errors.append(f"{label}: Pflichtfeld „{_FIELD_LABELS[field]}“ ({field}) ist leer.")
    _keys_clean(label, row, territories, clean, errors)
    clean["serves"] = _serves_clean(label, row.get("serves") or [], gemeinden, errors)
    for field in _TEXT_FIELDS:
        value = row.get(field)
        clean[field] = "" if value is None else str(value).strip()
    _texts_check(label, clean, errors)
    defaults = {"acts_for_gemeinde": False, "acts_for_kreis": False, "active": True, "generated": False}
    for field in _BOOL_FIELDS:
        if field in row and row[field] is not None:
            value = _bool(row[field], field, errors, label)
            if value is not None:
                clean[field] = value
        elif field in defaults:
            clean[field] = defaults[field]
    return clean, errors


def _keys_clean(label: str, row: dict, territories: dict[str, int], clean: dict, errors: list[str]) -> None:
    """Key, kind (value or German label) and the territory's primary key."""
    key = str(row.get("key") or "").strip()
    if key and (len(key) > 64 or not _KEY_RE.match(key)):
        errors.append(f"{label}: Schlüssel „{key}“ ist ungültig (höchstens 64 Zeichen: Buchstaben, Ziffern, - und _).")
    clean["key"] = key
    kind = str(row.get("kind") or "").strip()
    labels = {str(lbl).casefold(): value for value, lbl in Authority.Kind.choices}
    if kind and kind not in Authority.Kind.values:
        if kind.casefold() in labels:
            kind = labels[kind.casefold()]
        else:
            allowed = ", ".join(Authority.Kind.values)
            errors.append(f"{label}: unbekannte Art „{kind}“ (erlaubt: {allowed}).")
    clean["kind"] = kind
    territory = str(row.get("territory") or "").strip()
    if territory:
        if territory in territories:
            clean["territory_id"] = territories[territory]
        else:
            errors.append(f"{label}: kein Gebiet mit Regionalschlüssel (ARS) „{territory}“ im Verzeichnis.")


def _serves_clean(label: str, serves, gemeinden: dict[str, int], errors: list[str]) -> set[int]:
    if isinstance(serves, str):
        serves = serves.replace(",", " ").split()
    if not isinstance(serves, list):
        errors.append(f"{label}: „serves“ muss eine Liste von Gemeindeschlüsseln (AGS) sein.")
        serves = []
    serve_ids = set()
    for ags in serves:
        ags = str(ags).strip()
        if ags in gemeinden:
            serve_ids.add(gemeinden[ags])
        else:
            errors.append(f"{label}: keine Gemeinde mit Gemeindeschlüssel (AGS) „{ags}“ im Verzeichnis.")
    return serve_ids


def _texts_check(label: str, clean: dict, errors: list[str]) -> None:
    """Lengths of the text fields, the PLZ, the e-mail address and the website."""
    max_lengths = {f.name: f.max_length for f in Authority._meta.fields if getattr(f, "max_length", None)}
    for field in _TEXT_FIELDS:
        limit = max_lengths.get(field)
        if limit and len(clean[field]) > limit:
            errors.append(f"{label}: „{field}“ ist zu lang (höchstens {limit} Zeichen).")
    if clean["postal_code"] and not re.fullmatch(r"\d{5}", clean["postal_code"]):
        errors.append(f"{label}: PLZ „{clean['postal_code']}“ muss aus fünf Ziffern bestehen.")
    if clean["email"]:
        try:
            EmailValidator()(clean["email"])
        except ValidationError:
            errors.append(f"{label}: E-Mail-Adresse „{clean['email']}“ ist ungültig.")
    if clean["website"]:
        try:
            URLValidator(schemes=["http", "https"])(clean["website"])
        except ValidationError:
            errors.append(f"{label}: Website „{clean['website']}“ ist keine gültige http(s)-Adresse.")
