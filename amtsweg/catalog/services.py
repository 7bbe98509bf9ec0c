"""Writes to the service catalogue: the import of the OZG-Umsetzungskatalog with curated additions.

The import combines four sources:
- the OZG catalogue CSV (Themenfelder, Lebenslagen, OZG-Leistungen, LeiKa-Leistungen, legal basis),
- ``data/execution_levels.csv`` (curated Vollzugsebene, see docs/standards/leika.md),
- ``data/stammtexte.json`` (Stammtexte for frequently used Leistungen),
- ``data/keywords.csv`` (citizen vocabulary per Leistung).

It is idempotent. Every managed field remembers the value the importer last wrote (``imported_values``);
a field whose current value differs from that was changed by an editor and is not overwritten.
"""

from __future__ import annotations

from pathlib import Path

from django.db import transaction
from django.utils import timezone

from .catalog_source import (
    LEIKA_TYP_1_NOTE,
    NOT_IN_LEIKA,
    REQUIRED_COLUMNS,
    STAMMTEXT_FIELDS,
    CatalogImportError,
    CatalogRow,
    catalog_read,
    desired_values,
    execution_levels_load,
    format_legal_basis,
    german_slugify,
    keyword_rules_load,
    leistung_rows,
    normalize_leika_typ,
    stammtexte_load,
)
from .models import Lebenslage, Leistung, OzgLeistung, Themenfeld
from .selectors import DATA_DIR, MANAGED_FIELDS

__all__ = [
    "EXECUTION_LEVELS_FILE",
    "KEYWORDS_FILE",
    "LEIKA_TYP_1_NOTE",
    "NOT_IN_LEIKA",
    "REQUIRED_COLUMNS",
    "STAMMTEXTE_FILE",
    "STAMMTEXT_FIELDS",
    "CatalogImportError",
    "catalog_import",
    "format_legal_basis",
    "german_slugify",
    "normalize_leika_typ",
]

EXECUTION_LEVELS_FILE = DATA_DIR / "execution_levels.csv"
STAMMTEXTE_FILE = DATA_DIR / "stammtexte.json"
KEYWORDS_FILE = DATA_DIR / "keywords.csv"


def _unique_slug(base: str, suffix: str, used: set[str]) -> str:
    for candidate in (base, f"{base}-{suffix}" if suffix else None):
        if candidate and candidate not in used:
            used.add(candidate)
            return candidate
    n = 2
    while f"{base}-{suffix}-{n}" in used:
        n += 1
    slug = f"{base}-{suffix}-{n}"
    used.add(slug)
    return slug


def _upsert_named(model, names_to_extra: dict[str, dict], *, fk_fields: tuple[str, ...] = ()) -> tuple[dict, int, set]:
    """Create/update Themenfeld or Lebenslage rows keyed by name. Returns (by_name, created, changed_ids)."""
    existing = {obj.name: obj for obj in model.objects.all()}
    used = {obj.slug for obj in existing.values()}
    to_create, changed = [], set()
    for name, extra in names_to_extra.items():
        obj = existing.get(name)
        if obj is None:
            obj = model(name=name, slug=_unique_slug(german_slugify(name, max_length=80), "", used), **extra)
            to_create.append(obj)
            existing[name] = obj
        else:
            dirty = [f for f in fk_fields if getattr(obj, f"{f}_id") != extra[f].pk]
            for f in dirty:
                setattr(obj, f, extra[f])
            if dirty:
                obj.save(update_fields=dirty)
                changed.add(obj.pk)
    model.objects.bulk_create(to_create)
    return existing, len(to_create), changed


def _default_of(field_name: str):
    return Leistung._meta.get_field(field_name).get_default()


@transaction.atomic
def catalog_import(
    *,
    path: Path,
    execution_levels_path: Path = EXECUTION_LEVELS_FILE,
    stammtexte_path: Path = STAMMTEXTE_FILE,
    keywords_path: Path = KEYWORDS_FILE,
) -> dict:
    """Import (or update) the OZG catalogue CSV with curated levels, Stammtexte and keywords.

    Returns a report: counts (themenfelder, lebenslagen, ozg_leistungen, leistungen, created, updated,
    unchanged, kept_edits, with_level, unpublished) plus lists of curated keys that matched nothing.
    Raises CatalogImportError (German message) for unusable input.
    """
    raw_rows = catalog_read(Path(path))
    levels = execution_levels_load(Path(execution_levels_path))
    stammtexte = stammtexte_load(Path(stammtexte_path))
    keyword_rules = keyword_rules_load(Path(keywords_path))
    now = timezone.now()

    # Themenfelder and Lebenslagen (the source has trailing spaces in some Themenfeld names).
    themen, themen_created, _ = _upsert_named(Themenfeld, {r["themenfeld"]: {} for r in raw_rows})
    lebenslage_extra = {r["lebenslage"]: {"themenfeld": themen[r["themenfeld"]]} for r in raw_rows}
    lebenslagen, lebenslagen_created, lebenslagen_changed = _upsert_named(
        Lebenslage, lebenslage_extra, fk_fields=("themenfeld",)
    )
    ozg_source = {r["ozg_id"]: (" ".join(r["ozg_leistung"].split()), lebenslagen[r["lebenslage"]]) for r in raw_rows}
    ozg_by_id, ozg_new, ozg_dirty = _ozg_sync(ozg_source)

    rows = leistung_rows(raw_rows)
    to_create, to_update, kept_edits = _leistungen_sync(
        rows,
        ozg_by_id,
        desired_for=lambda row: desired_values(row, levels=levels, stammtexte=stammtexte, keyword_rules=keyword_rules),
        now=now,
    )
    # Renamed/moved OZG-Leistungen or Lebenslagen change what the search index shows: bump their Leistungen.
    if ozg_dirty or lebenslagen_changed:
        Leistung.objects.filter(ozg__in=[o.pk for o in ozg_dirty]).update(updated_at=now)
        Leistung.objects.filter(ozg__lebenslage__in=lebenslagen_changed).update(updated_at=now)

    return _report(
        rows=rows,
        levels=levels,
        stammtexte=stammtexte,
        ozg_source=ozg_source,
        created=len(to_create),
        updated=len(to_update),
        kept_edits=kept_edits,
        themen_created=themen_created,
        lebenslagen_created=lebenslagen_created,
        ozg_created=len(ozg_new),
    )


def _report(
    *,
    rows: list[CatalogRow],
    levels,
    stammtexte: dict,
    ozg_source: dict,
    created: int,
    updated: int,
    kept_edits: int,
    themen_created: int,
    lebenslagen_created: int,
    ozg_created: int,
) -> dict:
    """Counts after the import and the curated keys that matched nothing."""
    leika_keys = {r.leika_key for r in rows}
    objects = {k[:8] for k in leika_keys if k}
    groups = {k[:5] for k in leika_keys if k}
    return {
        "themenfelder": Themenfeld.objects.count(),
        "lebenslagen": Lebenslage.objects.count(),
        "ozg_leistungen": OzgLeistung.objects.count(),
        "leistungen": Leistung.objects.count(),
        "created": created,
        "updated": updated,
        "unchanged": len(rows) - created - updated,
        "kept_edits": kept_edits,
        "with_level": Leistung.objects.filter(published=True).exclude(execution_level="").count(),
        "without_level": Leistung.objects.filter(published=True, execution_level="").count(),
        "unpublished": Leistung.objects.filter(published=False).count(),
        "themenfelder_created": themen_created,
        "lebenslagen_created": lebenslagen_created,
        "ozg_created": ozg_created,
        "level_rows_unmatched": sorted(
            [k for k in levels.by_leika if k not in leika_keys]
            + [f"{o}:{n}" for o, n in levels.by_name if not any(r.ozg_id == o and r.name == n for r in rows)]
            + [k for k in levels.by_ozg if k not in ozg_source]
            + [f"object:{k}" for k in levels.by_object if k not in objects]
            + [f"group:{k}" for k in levels.by_group if k not in groups]
        ),
        "stammtext_keys_unmatched": sorted(k for k in stammtexte if k not in leika_keys),
    }


def _ozg_sync(ozg_source: dict[str, tuple[str, Lebenslage]]) -> tuple[dict[str, OzgLeistung], list, list]:
    """Create and update the OZG-Leistungen; returns all by OZG-ID, the created and the changed ones."""
    ozg_existing = {o.ozg_id: o for o in OzgLeistung.objects.all()}
    ozg_new, ozg_dirty = [], []
    for ozg_id, (name, lebenslage) in ozg_source.items():
        obj = ozg_existing.get(ozg_id)
        if obj is None:
            obj = OzgLeistung(ozg_id=ozg_id, name=name, lebenslage=lebenslage)
            ozg_new.append(obj)
            ozg_existing[ozg_id] = obj
        elif obj.name != name or obj.lebenslage_id != lebenslage.pk:
            obj.name, obj.lebenslage = name, lebenslage
            ozg_dirty.append(obj)
    OzgLeistung.objects.bulk_create(ozg_new)
    OzgLeistung.objects.bulk_update(ozg_dirty, ["name", "lebenslage"])
    return ozg_existing, ozg_new, ozg_dirty


def _leistungen_sync(
    rows: list[CatalogRow], ozg_by_id: dict[str, OzgLeistung], *, desired_for, now
) -> tuple[list[Leistung], list[Leistung], int]:
    """Create and update the LeiKa-Leistungen; returns the created, the updated and the number of kept edits."""
    existing = {obj.import_key: obj for obj in Leistung.objects.all()}
    legacy = {o.leika_key: o for k, o in existing.items() if k.startswith("legacy:") and o.leika_key}
    used_slugs = {obj.slug for obj in existing.values()}
    to_create, to_update = [], []
    kept_edits = 0
    for row in rows:
        desired = desired_for(row)
        ozg = ozg_by_id[row.ozg_id]
        obj = existing.get(row.import_key) or legacy.pop(row.leika_key, None)
        if obj is None:
            slug = _unique_slug(german_slugify(row.name), row.leika_key or row.ozg_id, used_slugs)
            obj = Leistung(
                import_key=row.import_key,
                slug=slug,
                leika_key=row.leika_key,
                ozg=ozg,
                imported_values=dict(desired),
                **desired,
            )
            to_create.append(obj)
            existing[row.import_key] = obj
            continue
        changed, kept = _leistung_refresh(obj, row, ozg, desired)
        kept_edits += kept
        if changed:
            obj.updated_at = now
            to_update.append(obj)

    Leistung.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        Leistung.objects.bulk_update(
            to_update,
            ["import_key", "ozg", "leika_key", "imported_values", "updated_at", *MANAGED_FIELDS],
            batch_size=500,
        )
    return to_create, to_update, kept_edits


def _leistung_refresh(obj: Leistung, row: CatalogRow, ozg: OzgLeistung, desired: dict) -> tuple[bool, int]:
    """Apply the import to an existing Leistung, keeping fields an editor changed; (changed?, kept edits)."""
    changed = obj.import_key != row.import_key or obj.ozg_id != ozg.pk or obj.leika_key != row.leika_key
    obj.import_key, obj.ozg, obj.leika_key = row.import_key, ozg, row.leika_key
    imported = dict(obj.imported_values or {})
    kept_edits = 0
    for field in MANAGED_FIELDS:
        current = getattr(obj, field)
        baseline = imported[field] if field in imported else _default_of(field)
        if current == baseline:
            if current != desired[field]:
                setattr(obj, field, desired[field])
                changed = True
        elif current != desired[field]:
            kept_edits += 1  # an editor changed this field: keep it
    if imported != desired:
        obj.imported_values = dict(desired)
        changed = True
    return changed, kept_edits


def leistung_execution_level_set(*, leistung: Leistung, level: str, note: str) -> Leistung:
    """Set who executes ``leistung`` (an editor's decision, with its reason); the next catalogue import keeps it.

    ``level`` is an ``ExecutionLevel`` value ("" = unknown). Raises ``ValueError`` (German) for other values or
    an empty reason when a level is set.
    """
    from .models import ExecutionLevel

    if level not in ExecutionLevel.values:
        allowed = ", ".join(v or "''" for v in ExecutionLevel.values)
        raise ValueError(f"Unbekannte Vollzugsebene '{level}' (erlaubt: {allowed}).")
    if level and not note.strip():
        raise ValueError("Bitte geben Sie eine Begründung (Quelle) für die Vollzugsebene an.")
    leistung.execution_level = level
    leistung.execution_level_note = note.strip()[:500]
    leistung.save(update_fields=["execution_level", "execution_level_note", "updated_at"])
    return leistung
