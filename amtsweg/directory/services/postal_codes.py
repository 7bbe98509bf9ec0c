"""Postal codes: PLZ → Gemeinde from the OpenStreetMap-derived CSV."""

from __future__ import annotations

import csv
import logging
from pathlib import Path

from django.db import transaction

from ..models import PostalCode
from .base import gemeinden_by_ags_current, validate_land
from .successors import SUCCESSORS_FILE, curated_successors

logger = logging.getLogger(__name__)


@transaction.atomic
def postal_codes_import(*, path: Path, land: str | None = "14") -> int:
    """Import PLZ → Gemeinde (CSV osm_id,ags,ort,plz,landkreis,bundesland; © OpenStreetMap contributors, ODbL).

    The file reflects 2021; AGS of Gemeinden dissolved since are mapped to today's successor
    (Ostrau → Jahnatal), from the successor links of an earlier register import or, when the
    register was imported fresh, from the curated table ``data/successors.csv``. Rows of the
    Land are replaced by the file's content; returns their number.
    """
    validate_land(land)
    path = Path(path)
    if not path.exists():
        raise ValueError(f"Datei nicht gefunden: {path}")
    desired = _desired_read(path, land, _gemeinden_by_ags_with_curated())
    _rows_replace(desired, land)
    return len(desired)


def _gemeinden_by_ags_with_curated() -> dict[str, int]:
    """AGS → today's Gemeinde, also for AGS known only from the curated successor table."""
    current = gemeinden_by_ags_current()
    # Gemeinden dissolved before the register we hold (the CSV is older) are only known from the curated table.
    curated = curated_successors(SUCCESSORS_FILE)
    for old_ags in curated:
        if old_ags not in current:
            target, hops = curated[old_ags], 0
            while target not in current and target in curated and hops < 10:
                target, hops = curated[target], hops + 1
            if target in current:
                current[old_ags] = current[target]
    return current


def _desired_read(path: Path, land: str | None, current: dict[str, int]) -> dict[tuple[str, int], str]:
    """(PLZ, Gemeinde primary key) → place name, for the Land's valid rows of the file."""
    desired: dict[tuple[str, int], str] = {}
    unknown: set[str] = set()
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"ags", "plz", "ort"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"Spalte(n) {', '.join(sorted(missing))} fehlen in {path.name}.")
        for row in reader:
            ags, code = row["ags"].strip().zfill(8), row["plz"].strip().zfill(5)
            if land is not None and not ags.startswith(land):
                continue
            if not (code.isdigit() and len(code) == 5):
                continue
            gemeinde_id = current.get(ags)
            if gemeinde_id is None:
                unknown.add(ags)
                continue
            desired.setdefault((code, gemeinde_id), row["ort"].strip())
    if unknown:
        logger.warning("PLZ-Import: %d unbekannte AGS übersprungen: %s", len(unknown), ", ".join(sorted(unknown)[:20]))
    return desired


def _rows_replace(desired: dict[tuple[str, int], str], land: str | None) -> None:
    existing_qs = PostalCode.objects.all()
    if land is not None:
        existing_qs = existing_qs.filter(gemeinde__ags__startswith=land)
    existing = {(pc.code, pc.gemeinde_id): pc for pc in existing_qs}
    stale = [pc.pk for key, pc in existing.items() if key not in desired]
    PostalCode.objects.filter(pk__in=stale).delete()
    changed = []
    for key, place in desired.items():
        pc = existing.get(key)
        if pc is not None and pc.place_name != place:
            pc.place_name = place
            changed.append(pc)
    PostalCode.objects.bulk_update(changed, ["place_name"], batch_size=500)
    PostalCode.objects.bulk_create(
        [
            PostalCode(code=code, gemeinde_id=gid, place_name=place)
            for (code, gid), place in desired.items()
            if (code, gid) not in existing
        ],
        batch_size=1000,
    )
