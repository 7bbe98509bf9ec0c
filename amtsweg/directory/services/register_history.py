"""The register's history: every GV100AD version the data folder has, so old keys resolve to today's units.

A fresh database imports the versions in order (``register_import`` records mergers and renames between
them). A database that already holds a newer version cannot replay an older one; for it,
``register_backfill`` adds the Gemeinden of the older file that no longer exist as dissolved rows with
their successor, so their AGS (and through them names and postal codes) keep resolving.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.db import transaction

from .. import gv100ad
from ..models import RegisterImport, Territory, TerritoryChange
from .base import Kind, validate_land
from .register import register_import
from .successors import SUCCESSORS_FILE, Candidate, Dissolved, curated_successors, successors_guess
from .version import reference_version_bump

# Oldest first. Both are Destatis GV100AD files in the shared data folder (see its README).
REGISTER_FILES = ("destatis/GV100AD_31122022.txt", "destatis/GV100AD_30112025.txt")
BACKFILL_SUFFIX = " (Historie nachgetragen)"


def _file_date(path: Path) -> dt.date:
    """The Gebietsstand of a GV100AD file, from its first record (cheap: one line)."""
    with open(path, encoding="latin-1") as handle:
        first = handle.readline()
    return dt.date(int(first[2:6]), int(first[6:8]), int(first[8:10]))


def register_history_ensure(*, data_dir: Path, land: str | None = "14") -> str:
    """Bring the register to the newest file, with the older ones as history. Idempotent; returns a summary."""
    validate_land(land)
    scope = land or "DE"
    paths = sorted((Path(data_dir) / name for name in REGISTER_FILES), key=_file_date)
    done = {run.source.removesuffix(BACKFILL_SUFFIX) for run in RegisterImport.objects.filter(scope=scope)}
    parts = []
    for path in paths:
        if path.name in done:
            continue
        newest = RegisterImport.objects.filter(scope=scope).order_by("-register_date").first()
        if newest is not None and newest.register_date > _file_date(path):
            run = register_backfill(path=path, land=land)
            parts.append(f"Historie {run.register_date:%d.%m.%Y}: {len(run.report.get('merged', []))} aufgelöst")
        else:
            run = register_import(path=path, land=land)
            report = run.report
            parts.append(
                f"Gebietsstand {run.register_date:%d.%m.%Y}: "
                + ", ".join(f"{k}={v}" for k, v in report.items() if not isinstance(v, list | dict))
            )
    if not parts:
        newest = RegisterImport.objects.filter(scope=scope).order_by("-register_date").first()
        return f"bereits aktuell (Gebietsstand {newest.register_date:%d.%m.%Y}, mit Historie)"
    return "; ".join(parts)


@transaction.atomic
def register_backfill(*, path: Path, land: str | None = "14") -> RegisterImport:
    """Add the Gemeinden of an older register that are gone today, as dissolved rows with a successor.

    Only fills gaps: a Gemeinde whose AGS the database knows (current or historical) is left alone.
    ``valid_until`` is the Gebietsstand of the oldest newer import (the first register known to be
    without it). Successors: the curated table, else the area balance (``successors_guess``) against
    today's Gemeinden of the same Kreis.
    """
    reference_version_bump()
    validate_land(land)
    scope = land or "DE"
    path = Path(path)
    records = gv100ad.parse_file(path, land=land)
    if not records:
        raise ValueError(f"Die Datei {path.name} enthält keine Sätze für den Länderschlüssel „{land}“.")
    register_date = records[0].register_date
    later = RegisterImport.objects.filter(scope=scope, register_date__gt=register_date).order_by("register_date")
    first_later = later.first()
    if first_later is None:
        raise ValueError(f"{path.name} ist nicht älter als der importierte Gebietsstand; bitte normal importieren.")
    old_gemeinden = {r.ags: r for r in records if r.kind == Kind.GEMEINDE}
    known = set(Territory.objects.filter(kind=Kind.GEMEINDE, ags__in=old_gemeinden).values_list("ags", flat=True))
    gone = [r for ags, r in sorted(old_gemeinden.items()) if ags not in known]
    current = {t.ags: t for t in Territory.objects.filter(kind=Kind.GEMEINDE, valid_until__isnull=True)}
    units = {t.ars: t for t in Territory.objects.filter(valid_until__isnull=True).exclude(kind=Kind.GEMEINDE)}

    guessed = successors_guess(
        dissolved=[Dissolved(ags=r.ags, area_ha=r.area_ha or 0, postal_code=r.postal_code) for r in gone],
        candidates=[
            Candidate(
                ags=t.ags,
                area_gain_ha=(t.area_ha or 0) - ((old_gemeinden[t.ags].area_ha or 0) if t.ags in old_gemeinden else 0),
                postal_code=t.postal_code,
                new=t.ags not in old_gemeinden,
            )
            for t in current.values()
            if not gone or t.ags[:5] in {r.ags[:5] for r in gone}
        ],
        fixed={o: n for o, n in curated_successors(SUCCESSORS_FILE).items() if n in current},
    )
    run = RegisterImport.objects.create(source=path.name + BACKFILL_SUFFIX, register_date=register_date, scope=scope)
    changes, merged, without = [], [], []
    for record in gone:
        successor = current.get(guessed.get(record.ags, ""))
        row = Territory.objects.create(
            kind=Kind.GEMEINDE,
            ars=record.ars,
            ags=record.ags,
            name=record.name,
            type_code=record.type_code,
            seat=record.seat,
            area_ha=record.area_ha,
            population=record.population,
            postal_code=record.postal_code,
            register_date=register_date,
            parent=units.get(record.ars[:9]) or units.get(record.ars[:5]),
            kreis=units.get(record.ars[:5]),
            valid_until=first_later.register_date,
            successor=successor,
        )
        label = f"{row.name} ({row.ags})"
        if successor is not None:
            merged.append(f"{label} → {successor.name} ({successor.ags})")
        else:
            without.append(label)
        changes.append(
            TerritoryChange(
                register_import=run,
                territory=row,
                kind=TerritoryChange.Kind.MERGED if successor else TerritoryChange.Kind.DISSOLVED,
                old_value=label,
                new_value=f"{successor.name} ({successor.ags})" if successor else "",
                related=successor,
            )
        )
    TerritoryChange.objects.bulk_create(changes)
    run.report = {
        "kind": "history",
        "source": path.name,
        "register_date": register_date.isoformat(),
        "scope": scope,
        "records": len(records),
        "gemeinden_added": len(gone),
        "merged": merged,
        "successor_unknown": without,
    }
    run.save(update_fields=["report"])
    return run
