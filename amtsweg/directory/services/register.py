"""Register import: a GV100AD file (one Land or all of Germany) into Territory rows, with the history of changes."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from .. import gv100ad
from ..models import RegisterImport, Territory, TerritoryChange
from .base import LEVELS, Kind, in_scope, rows_update, validate_land
from .names import seat_gemeinde
from .register_report import changes_collect, report_build
from .successors import SUCCESSORS_FILE, curated_successors, successors_determine
from .version import reference_version_bump

_DEFAULT = object()

# Fields the register owns; everything else on Territory (valid_until, successor) is managed by the importer.
_SYNC_FIELDS = [
    "ars",
    "ags",
    "name",
    "type_code",
    "seat",
    "area_ha",
    "population",
    "postal_code",
    "register_date",
    "parent_id",
    "kreis_id",
]

Identity = tuple[str, str]


@dataclass
class _Matching:
    """How the units of the new file relate to the current rows."""

    before: dict[int, dict]  # primary key → register values before the import
    matched: dict[Identity, Territory]  # identity in the new file → existing row
    dissolved: list[Territory]  # current rows missing from the new file
    same_name_successor: dict[str, str]  # old AGS → new AGS of a Gemeinde that only changed its AGS


@dataclass
class _Synced:
    """The rows after the update, level by level."""

    current_by_ars: dict[str, Territory]
    created: list[Territory]
    updated: list[Territory]
    data_changed: int  # updated rows whose data changed beyond the register date


@transaction.atomic
def register_import(
    *, path: Path, land: str | None = "14", successors_file: Path | None | object = _DEFAULT
) -> RegisterImport:
    """Import a GV100AD file (one Land or, with ``land=None``, all of Germany) and record what changed.

    Units are matched across register versions by AGS (Gemeinden) or ARS (all others). A
    unit missing from the new file is never deleted: it gets ``valid_until`` (the Gebietsstand
    of the first register without it, an upper bound of the real date) and, where one can be
    determined, a ``successor``: for Gemeinden from the curated table ``data/successors.csv``
    or else by area balance (see ``successors_guess``); for Gemeindeverbände and Kreise the
    unit that now holds most of their former Gemeinden. A Verband or Kreis that reappears under
    a new ARS with the same name (unique within the import) keeps its row ("moved"); a Gemeinde
    with a new AGS gets a new row and the old one becomes its predecessor.
    References (PostalCode, Authority.serves, jurisdiction overrides) therefore keep working;
    ``selectors.territory_current`` follows the successor links and
    ``references_redirect`` moves them onto the current units.
    """
    reference_version_bump()
    validate_land(land)
    path = Path(path)
    records, register_date = _records_read(path, land)
    scope = land or "DE"
    _older_refuse(scope=scope, register_date=register_date)
    successors_path = SUCCESSORS_FILE if successors_file is _DEFAULT else successors_file

    existing = list(in_scope(Territory.objects.filter(valid_until__isnull=True), land))
    # Länder imported for the first time are not listed unit by unit (16,000 "neu" lines help nobody).
    first_time_laender = sorted({r.land for r in records} - {o.ars[:2] for o in existing})
    matching = _match(existing, records)
    # 1. End the dissolved units first, which frees their ARS for the unique constraint.
    for obj in matching.dissolved:
        obj.valid_until = register_date
    rows_update(matching.dissolved, ["valid_until"])
    # 2. Park rows whose ARS changes on a temporary key, so swaps and shifts cannot collide.
    _moving_park(records, matching.matched)
    # 3. Level by level, so every parent has a primary key before its children need it.
    synced = _levels_sync(records, matching)
    # 4. Successors for what was dissolved.
    _successors_assign(matching, synced, successors_path)

    return _run_record(
        path=path,
        scope=scope,
        register_date=register_date,
        records=records,
        initial=not existing,
        first_time_laender=first_time_laender,
        matching=matching,
        synced=synced,
    )


def _run_record(
    *,
    path: Path,
    scope: str,
    register_date: dt.date,
    records,
    initial: bool,
    first_time_laender,
    matching: _Matching,
    synced: _Synced,
) -> RegisterImport:
    """The RegisterImport row with its TerritoryChange rows and the report."""
    run = RegisterImport.objects.create(source=path.name, register_date=register_date, scope=scope)
    changes = changes_collect(
        run=run,
        first_time_laender=set(first_time_laender),
        created=synced.created,
        updated=synced.updated,
        dissolved=matching.dissolved,
        before=matching.before,
    )
    TerritoryChange.objects.bulk_create(changes, batch_size=1000)
    run.report = report_build(
        records=records,
        scope=scope,
        source=path.name,
        register_date=register_date,
        initial=initial,
        first_time_laender=first_time_laender,
        created_total=len(synced.created),
        changes=changes,
        data_changed=synced.data_changed,
    )
    run.save(update_fields=["report"])
    return run


def _records_read(path: Path, land: str | None) -> tuple[list[gv100ad.Record], dt.date]:
    """The file's records of the Land and their one Gebietsstand."""
    if not path.exists():
        raise ValueError(f"Datei nicht gefunden: {path}")
    records = gv100ad.parse_file(path, land=land)
    if not records:
        raise ValueError(f"Die Datei {path.name} enthält keine Sätze für den Länderschlüssel „{land}“.")
    dates = {r.register_date for r in records}
    if len(dates) != 1:
        raise ValueError(f"Die Datei {path.name} mischt mehrere Gebietsstände.")
    return records, dates.pop()


def _older_refuse(*, scope: str, register_date: dt.date) -> None:
    newer = RegisterImport.objects.filter(scope=scope, register_date__gt=register_date).first()
    if newer is not None:
        raise ValueError(
            f"Der Gebietsstand {register_date:%d.%m.%Y} ist älter als der bereits importierte "
            f"({newer.register_date:%d.%m.%Y}); ältere Verzeichnisse können nicht nachträglich eingespielt werden."
        )


def _identity(kind: str, ars: str, ags: str) -> Identity:
    # Gemeinden are matched by AGS: their ARS changes when they change their Gemeindeverband.
    return (kind, ags if kind == Kind.GEMEINDE else ars)


def _values(obj: Territory) -> dict:
    return {f: getattr(obj, f) for f in _SYNC_FIELDS}


def _match(existing: list[Territory], records: list[gv100ad.Record]) -> _Matching:
    """Match the new records to the current rows.

    A unit that vanished under one key and appeared under another with the same name (unique on
    both sides) changed its key. Verbände and Kreise keep their row (the ARS is their only key);
    a Gemeinde with a new AGS gets a new row with the old one as predecessor, so look-ups by the
    old AGS keep working (Uder 16061097 → 16061119).
    """
    by_identity = {_identity(o.kind, o.ars, o.ags): o for o in existing}
    seen_identities = {_identity(r.kind, r.ars, r.ags) for r in records}
    gone = [o for key, o in by_identity.items() if key not in seen_identities]
    arrived = [r for r in records if _identity(r.kind, r.ars, r.ags) not in by_identity]
    gone_names = Counter((o.kind, o.name) for o in gone)
    arrived_by_name = {(r.kind, r.name): r for r in arrived}
    arrived_names = Counter((r.kind, r.name) for r in arrived)
    rekeyed: dict[Identity, Territory] = {}
    same_name_successor: dict[str, str] = {}
    for obj in gone:
        name_key = (obj.kind, obj.name)
        if gone_names[name_key] != 1 or arrived_names[name_key] != 1:
            continue
        record = arrived_by_name[name_key]
        if obj.kind == Kind.GEMEINDE:
            same_name_successor[obj.ags] = record.ags
        else:
            rekeyed[_identity(record.kind, record.ars, record.ags)] = obj
    rekeyed_pks = {o.pk for o in rekeyed.values()}
    return _Matching(
        before={obj.pk: _values(obj) for obj in existing},
        matched={**by_identity, **rekeyed},
        dissolved=[o for o in gone if o.pk not in rekeyed_pks],
        same_name_successor=same_name_successor,
    )


def _moving_park(records: list[gv100ad.Record], matched: dict[Identity, Territory]) -> None:
    moving = [
        obj for r in records if (obj := matched.get(_identity(r.kind, r.ars, r.ags))) is not None and obj.ars != r.ars
    ]
    for obj in moving:
        obj.ars = f"~{obj.pk}"[:12]
    rows_update(moving, ["ars"])


def _levels_sync(records: list[gv100ad.Record], matching: _Matching) -> _Synced:
    """Create and update the rows level by level (Land first), so parents exist before their children."""
    aggregates = _aggregate(records)
    synced = _Synced(current_by_ars={}, created=[], updated=[], data_changed=0)
    for level in LEVELS:
        new_rows = []
        for r in (r for r in records if r.kind == level):
            values = _record_values(r, aggregates.get(r.ars, {}), synced.current_by_ars)
            obj = matching.matched.get(_identity(r.kind, r.ars, r.ags))
            if obj is None:
                obj = Territory(kind=r.kind, **values)
                new_rows.append(obj)
            elif matching.before[obj.pk] != values:
                if any(matching.before[obj.pk][f] != v for f, v in values.items() if f != "register_date"):
                    synced.data_changed += 1
                for field, value in values.items():
                    setattr(obj, field, value)
                synced.updated.append(obj)
            synced.current_by_ars[r.ars] = obj
        Territory.objects.bulk_create(new_rows, batch_size=1000)
        synced.created.extend(new_rows)
    rows_update(synced.updated, _SYNC_FIELDS)
    return synced


def _record_values(r: gv100ad.Record, agg: dict, current_by_ars: dict[str, Territory]) -> dict:
    """The register's values for a record's row; parents are looked up among the rows already synced."""
    parent_ars = _parent_ars(r.kind, r.ars, current_by_ars)
    parent = current_by_ars.get(parent_ars) if parent_ars else None
    kreis = current_by_ars.get(r.ars[:5]) if r.kind in (Kind.GEMEINDEVERBAND, Kind.GEMEINDE) else None
    return {
        "ars": r.ars,
        "ags": r.ags,
        "name": r.name,
        "type_code": r.type_code,
        "seat": r.seat,
        "area_ha": r.area_ha if r.kind == Kind.GEMEINDE else agg.get("area_ha"),
        "population": r.population if r.kind == Kind.GEMEINDE else agg.get("population"),
        "postal_code": r.postal_code if r.kind == Kind.GEMEINDE else agg.get("postal_code", ""),
        "register_date": r.register_date,
        "parent_id": parent.pk if parent else None,
        "kreis_id": kreis.pk if kreis else None,
    }


def _parent_ars(kind: str, ars: str, known: dict[str, Territory]) -> str | None:
    if kind == Kind.LAND:
        return None
    if kind == Kind.REGIERUNGSBEZIRK:
        return ars[:2]
    if kind == Kind.REGION:
        return ars[:3]
    if kind == Kind.KREIS:
        # Region (Baden-Württemberg) if there is one, else the Regierungsbezirk, else the Land.
        return next((prefix for prefix in (ars[:4], ars[:3]) if prefix in known), ars[:2])
    if kind == Kind.GEMEINDEVERBAND:
        return ars[:5]
    return ars[:9]


def _aggregate(records: list[gv100ad.Record]) -> dict[str, dict]:
    """Area, population and seat PLZ for the units above the Gemeinden (the register gives them only per Gemeinde)."""
    gemeinden = [r for r in records if r.kind == Kind.GEMEINDE]
    by_prefix: dict[int, dict[str, list]] = {n: defaultdict(list) for n in (2, 3, 4, 5, 9)}
    for g in gemeinden:
        for n, groups in by_prefix.items():
            groups[g.ars[:n]].append(g)
    result = {}
    for record in records:
        if record.kind == Kind.GEMEINDE:
            continue
        members = by_prefix[len(record.ars)].get(record.ars, [])
        seat = seat_gemeinde(record.seat, members) if record.seat else None
        if seat is None and not record.seat and len(members) == 1:
            seat = members[0]  # verbandsfreie Gemeinde: the Verband is the Gemeinde
        if seat is None and record.seat:
            # The seat may lie outside the unit (Verwaltungsverband Eilenburg-West sits in Eilenburg).
            for n in (5, 2):
                if len(record.ars) > n:
                    seat = seat_gemeinde(record.seat, by_prefix[n].get(record.ars[:n], []))
                    if seat is not None:
                        break
        result[record.ars] = {
            "area_ha": sum(m.area_ha or 0 for m in members) if members else None,
            "population": sum(m.population or 0 for m in members) if members else None,
            "postal_code": seat.postal_code if seat is not None else "",
        }
    return result


def _successors_assign(matching: _Matching, synced: _Synced, successors_path) -> None:
    successor_of = successors_determine(
        dissolved=matching.dissolved,
        before=matching.before,
        current_by_ars=synced.current_by_ars,
        created_pks={o.pk for o in synced.created},
        fixed={**matching.same_name_successor, **curated_successors(successors_path)},
    )
    for obj in matching.dissolved:
        obj.successor = successor_of.get(obj.pk)
    rows_update([o for o in matching.dissolved if o.successor_id], ["successor"])
