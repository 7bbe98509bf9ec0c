"""What a register import changed: TerritoryChange rows, the report stored on the run, and its German text."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from ..models import RegisterImport, Territory, TerritoryChange
from .base import Kind

# Changes worth a TerritoryChange row of kind UPDATED (population and area change every year and are only counted).
_NOTABLE_FIELDS = {"type_code": "Textkennzeichen", "seat": "Verwaltungssitz"}


def _label(obj: Territory) -> str:
    return f"{obj.name} ({obj.ags or obj.ars})"


def changes_collect(
    *, run: RegisterImport, first_time_laender, created, updated, dissolved, before
) -> list[TerritoryChange]:
    created_kind = TerritoryChange.Kind.CREATED
    changes: list[TerritoryChange] = [
        TerritoryChange(register_import=run, territory=o, kind=created_kind)
        for o in created
        if o.ars[:2] not in first_time_laender
    ]
    for obj in updated:
        changes += _update_changes(run, obj, before[obj.pk])
    for obj in dissolved:
        merged = obj.successor_id is not None
        changes.append(
            TerritoryChange(
                register_import=run,
                territory=obj,
                kind=TerritoryChange.Kind.MERGED if merged else TerritoryChange.Kind.DISSOLVED,
                old_value=_label(obj),
                new_value=_label(obj.successor) if merged else "",
                related=obj.successor if merged else None,
            )
        )
    return changes


def _update_changes(run: RegisterImport, obj: Territory, old: dict) -> list[TerritoryChange]:
    """The notable changes of one updated row (renamed, new key, new Textkennzeichen or seat)."""
    changes = []
    if old["name"] != obj.name:
        changes.append(
            TerritoryChange(
                register_import=run,
                territory=obj,
                kind=TerritoryChange.Kind.RENAMED,
                old_value=old["name"],
                new_value=obj.name,
            )
        )
    if old["ars"] != obj.ars or old["ags"] != obj.ags:
        keys = [("ARS", old["ars"], obj.ars), ("AGS", old["ags"], obj.ags)]
        changes.append(
            TerritoryChange(
                register_import=run,
                territory=obj,
                kind=TerritoryChange.Kind.MOVED,
                old_value=", ".join(f"{k} {o}" for k, o, n in keys if o or n),
                new_value=", ".join(f"{k} {n}" for k, o, n in keys if o or n),
            )
        )
    for field, label in _NOTABLE_FIELDS.items():
        if old[field] != getattr(obj, field):
            changes.append(
                TerritoryChange(
                    register_import=run,
                    territory=obj,
                    kind=TerritoryChange.Kind.UPDATED,
                    old_value=f"{label}: {old[field]}"[:255],
                    new_value=f"{label}: {getattr(obj, field)}"[:255],
                )
            )
    return changes


def report_build(
    *, records, scope, source, register_date, initial, first_time_laender, created_total, changes, data_changed
) -> dict:
    counts = Counter(r.kind for r in records)
    kreis_types = Counter(r.type_code for r in records if r.kind == Kind.KREIS)
    details: dict[str, list] = defaultdict(list)
    for change in changes:
        t = change.territory
        entry = {"kind": t.kind, "name": t.name, "ags": t.ags, "ars": t.ars}
        if change.old_value or change.new_value:
            entry.update(old=change.old_value, new=change.new_value)
        if change.related_id:
            entry.update(successor_ags=change.related.ags, successor_ars=change.related.ars)
        details[str(change.kind)].append(entry)
    kinds = TerritoryChange.Kind
    return {
        "source": source,
        "register_date": register_date.isoformat(),
        "scope": scope,
        "initial": initial,
        "first_time_laender": first_time_laender,
        "laender": counts[Kind.LAND],
        "kreise": counts[Kind.KREIS],
        "landkreise": kreis_types["44"],
        "kreisfreie_staedte": kreis_types["41"] + kreis_types["42"],
        "gemeindeverbaende": counts[Kind.GEMEINDEVERBAND],
        "gemeinden": counts[Kind.GEMEINDE],
        "population": sum(r.population or 0 for r in records if r.kind == Kind.GEMEINDE),
        "created": created_total,
        "renamed": len(details[kinds.RENAMED]),
        "moved": len(details[kinds.MOVED]),
        "merged": len(details[kinds.MERGED]),
        "dissolved": len(details[kinds.DISSOLVED]),
        "updated": data_changed,
        "changes": {str(kind): entries for kind, entries in details.items() if entries},
    }


_REPORT_LABELS = [
    ("created", "Neu"),
    ("renamed", "Umbenannt"),
    ("moved", "Schlüssel geändert"),
    ("merged", "Aufgegangen in"),
    ("dissolved", "Aufgelöst (ohne Nachfolger)"),
    ("updated", "Textkennzeichen/Sitz geändert"),
]


def _de_int(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def register_report_text(*, report: dict) -> str:
    """The change report in German, for the management command and the admin."""
    date = dt.date.fromisoformat(report["register_date"])
    scope = "Deutschland" if report["scope"] == "DE" else f"Land {report['scope']}"
    lines = [
        f"Gemeindeverzeichnis {report['source']}, Gebietsstand {date:%d.%m.%Y}, {scope}",
        f"  {report['gemeinden']} Gemeinden, {report['gemeindeverbaende']} Gemeindeverbände, "
        f"{report['kreise']} Kreise ({report['landkreise']} Landkreise, {report['kreisfreie_staedte']} kreisfreie "
        f"Städte), Bevölkerung {_de_int(report['population'])}",
    ]
    if report.get("initial"):
        lines.append(f"  Erstimport: {report['created']} Gebiete angelegt.")
        return "\n".join(lines)
    changes = report.get("changes", {})
    if report.get("first_time_laender"):
        lines.append(f"  Erstimport für Länderschlüssel: {', '.join(report['first_time_laender'])}.")
    if not any(changes.get(key) for key, _ in _REPORT_LABELS):
        lines.append("  Keine Gebietsänderungen.")
    for key, label in _REPORT_LABELS:
        for entry in changes.get(key, []):
            lines.append(_report_line(key, label, entry))
    lines.append(f"  Daten (Fläche, Bevölkerung, PLZ …) aktualisiert: {report['updated']} Gebiete.")
    return "\n".join(lines)


def _report_line(key: str, label: str, entry: dict) -> str:
    ident = entry["ags"] or entry["ars"]
    if key == "renamed":
        return f"  {label}: {entry['old']} → {entry['new']} ({ident})"
    if key == "merged":
        return f"  {label}: {entry['old']} → {entry['new']}"
    if key in ("moved", "updated"):
        return f"  {label}: {entry['name']}: {entry['old']} → {entry['new']}"
    return f"  {label}: {entry['name']} ({ident}, {Territory.Kind(entry['kind']).label})"
