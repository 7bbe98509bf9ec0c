"""Writes for the municipality register, postal codes and authorities.

All importers are idempotent and use bulk operations: importing all of Germany
(about 16,000 register records) costs a handful of queries, not one per row.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import connection, transaction
from django.db.models import QuerySet

from . import gv100ad
from .models import Authority, PostalCode, RegisterImport, Territory, TerritoryChange

logger = logging.getLogger(__name__)

Kind = Territory.Kind
LEVELS = [Kind.LAND, Kind.REGIERUNGSBEZIRK, Kind.REGION, Kind.KREIS, Kind.GEMEINDEVERBAND, Kind.GEMEINDE]
SUCCESSORS_FILE = Path(__file__).resolve().parent / "data" / "successors.csv"
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
# Changes worth a TerritoryChange row of kind UPDATED (population and area change every year and are only counted).
_NOTABLE_FIELDS = {"type_code": "Textkennzeichen", "seat": "Verwaltungssitz"}
KREISFREI_TYPES = {"41", "42"}  # kreisfreie Stadt, Stadtkreis
GEMEINDEFREI_TYPES = {"65", "66"}


def _rows_update(objs: list, fields: list[str]) -> None:
    """Write the given fields of many rows with one prepared UPDATE (executemany).

    Django's bulk_update builds a CASE expression per row and field, which costs seconds
    for the ~16,000 rows of a nationwide register update; executemany costs milliseconds.
    """
    if not objs:
        return
    model = type(objs[0])
    model_fields = [model._meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in model_fields)
    # Only quoted column names from the model are interpolated; all values are parameters.
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s"  # noqa: S608
    params = [
        [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in model_fields] + [obj.pk] for obj in objs
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _validate_land(land: str | None) -> None:
    if land is not None and not (len(land) == 2 and land.isdigit()):
        raise ValueError(f"Ungültiger Länderschlüssel „{land}“: erwartet werden zwei Ziffern, z. B. „14“ für Sachsen.")


def _in_scope(qs: QuerySet, land: str | None) -> QuerySet:
    return qs if land is None else qs.filter(ars__startswith=land)


# --------------------------------------------------------------------------------------------------------------
# Names and seats
# --------------------------------------------------------------------------------------------------------------

_TOKENS = re.compile(r"[\s,/]+")


def short_name(name: str) -> str:
    """The name without the register's qualifiers: "Leipzig, Stadt" → "Leipzig"."""
    return name.split(",")[0].strip()


def _seat_rank(seat: str, name: str) -> int | None:
    """How well a Gemeinde name matches a seat (0 = exactly; None = not at all).

    The register writes seats and names differently: seat "Kurort Seiffen/Erzgeb." for the
    Gemeinde "Seiffen/Erzgeb., Kurort", seat "Lugau" for "Lugau/Erzgeb., Stadt", seat
    "Bautzen" for "Bautzen / Budyšin, Stadt, …". So compare the name without qualifiers and
    without the Sorbian part first, then whether all words of the seat occur in the name.
    """
    if not seat:
        return None
    base = short_name(name)
    if seat in (base, base.split(" / ")[0].strip()):
        return 0
    seat_tokens = {t for t in _TOKENS.split(seat) if t}
    name_tokens = [t for t in _TOKENS.split(name) if t]
    if seat_tokens and seat_tokens <= set(name_tokens):
        return 1 + len(name_tokens) - len(seat_tokens)
    return None


def _seat_gemeinde(seat: str, candidates: Iterable):
    """The candidate (record or Territory with .name/.population) that is the seat, or None."""
    best, best_key = None, None
    for candidate in candidates:
        rank = _seat_rank(seat, candidate.name)
        if rank is None:
            continue
        key = (rank, -(candidate.population or 0))
        if best_key is None or key < best_key:
            best, best_key = candidate, key
    return best


# --------------------------------------------------------------------------------------------------------------
# Successor heuristic
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dissolved:
    ags: str
    area_ha: int
    postal_code: str = ""
    verband_ars: str = ""


@dataclass(frozen=True)
class Candidate:
    ags: str
    area_gain_ha: int  # area now minus area before (the whole area for a new Gemeinde)
    postal_code: str = ""
    verband_ars: str = ""  # its Gemeindeverband before the update ("" for a new Gemeinde)
    new: bool = False


def successors_guess(
    *, dissolved: list[Dissolved], candidates: list[Candidate], fixed: dict[str, str] | None = None
) -> dict[str, str]:
    """Guess which current Gemeinde took over the area of each dissolved Gemeinde (old AGS → new AGS).

    The register has no successor field, but area is conserved: a Gemeinde formed by a
    merger (Jahnatal) or one that incorporated a neighbour (Bad Köstritz) grows by about
    the area of the Gemeinden it absorbed. So, within the same Kreis:

    0. ``fixed`` assignments (the curated table, a Gemeinde reappearing under a new AGS with
       the same name) are taken as given and consume their share of the area gain;
    1. a dissolved Gemeinde whose area matches a candidate's remaining gain (±2 %) goes there;
    2. the others, largest first, go to a candidate whose remaining gain is at least half
       their area (surveying corrections shift areas a little every year), preferring the same
       seat PLZ (the new Gemeinde usually sits in an old administrative seat: Ostrau's 04749
       is Jahnatal's now), then the same former Gemeindeverband, then a newly created
       Gemeinde, then the closest remaining gain.

    Checked against all 45 Gemeinden dissolved in Germany between 31.12.2022 and 30.11.2025.
    Gemeinden without a candidate stay without successor and are reported, so they can be
    added to the curated table ``data/successors.csv``.
    """
    fixed = fixed or {}
    by_kreis: dict[str, list[Candidate]] = defaultdict(list)
    for candidate in candidates:
        if candidate.area_gain_ha > 0:
            by_kreis[candidate.ags[:5]].append(candidate)
    remaining = {c.ags: c.area_gain_ha for c in candidates}
    result: dict[str, str] = {}
    for gone in dissolved:
        target = fixed.get(gone.ags)
        if target in remaining:
            result[gone.ags] = target
            remaining[target] -= gone.area_ha or 0

    def tolerance(area: int) -> float:
        return max(5, 0.02 * area)

    def rank(c: Candidate, gone: Dissolved):
        area = gone.area_ha or 0
        diff = abs(remaining[c.ags] - area)
        return (
            diff > tolerance(area),
            not (gone.postal_code and c.postal_code == gone.postal_code),
            not (gone.verband_ars and c.verband_ars == gone.verband_ars),
            not c.new,
            diff,
            c.ags,
        )

    for exact_only in (True, False):
        for gone in sorted(dissolved, key=lambda d: (-(d.area_ha or 0), d.ags)):
            if gone.ags in result:
                continue
            area = gone.area_ha or 0
            pool = [
                c
                for c in by_kreis.get(gone.ags[:5], [])
                if remaining[c.ags] > 0
                and remaining[c.ags] >= 0.5 * area
                and (not exact_only or abs(remaining[c.ags] - area) <= tolerance(area))
            ]
            if pool:
                best = min(pool, key=lambda c, gone=gone: rank(c, gone))
                remaining[best.ags] -= area
                result[gone.ags] = best.ags
    return result


def _curated_successors(path: Path | None) -> dict[str, str]:
    if path is None or not Path(path).exists():
        return {}
    with open(path, encoding="utf-8") as handle:
        lines = [line for line in handle if line.strip() and not line.startswith("#")]
    return {row["old_ags"].strip(): row["new_ags"].strip() for row in csv.DictReader(lines)}


# --------------------------------------------------------------------------------------------------------------
# Register import
# --------------------------------------------------------------------------------------------------------------


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
        seat = _seat_gemeinde(record.seat, members) if record.seat else None
        if seat is None and not record.seat and len(members) == 1:
            seat = members[0]  # verbandsfreie Gemeinde: the Verband is the Gemeinde
        if seat is None and record.seat:
            # The seat may lie outside the unit (Verwaltungsverband Eilenburg-West sits in Eilenburg).
            for n in (5, 2):
                if len(record.ars) > n:
                    seat = _seat_gemeinde(record.seat, by_prefix[n].get(record.ars[:n], []))
                    if seat is not None:
                        break
        result[record.ars] = {
            "area_ha": sum(m.area_ha or 0 for m in members) if members else None,
            "population": sum(m.population or 0 for m in members) if members else None,
            "postal_code": seat.postal_code if seat is not None else "",
        }
    return result


def _identity(kind: str, ars: str, ags: str) -> tuple[str, str]:
    # Gemeinden are matched by AGS: their ARS changes when they change their Gemeindeverband.
    return (kind, ags if kind == Kind.GEMEINDE else ars)


def _values(obj: Territory) -> dict:
    return {f: getattr(obj, f) for f in _SYNC_FIELDS}


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
    _validate_land(land)
    path = Path(path)
    if not path.exists():
        raise ValueError(f"Datei nicht gefunden: {path}")
    records = gv100ad.parse_file(path, land=land)
    if not records:
        raise ValueError(f"Die Datei {path.name} enthält keine Sätze für den Länderschlüssel „{land}“.")
    dates = {r.register_date for r in records}
    if len(dates) != 1:
        raise ValueError(f"Die Datei {path.name} mischt mehrere Gebietsstände.")
    register_date = dates.pop()
    scope = land or "DE"
    newer = RegisterImport.objects.filter(scope=scope, register_date__gt=register_date).first()
    if newer is not None:
        raise ValueError(
            f"Der Gebietsstand {register_date:%d.%m.%Y} ist älter als der bereits importierte "
            f"({newer.register_date:%d.%m.%Y}); ältere Verzeichnisse können nicht nachträglich eingespielt werden."
        )
    successors_path = SUCCESSORS_FILE if successors_file is _DEFAULT else successors_file

    existing = list(_in_scope(Territory.objects.filter(valid_until__isnull=True), land))
    initial = not existing
    # Länder imported for the first time are not listed unit by unit (16,000 "neu" lines help nobody).
    first_time_laender = sorted({r.land for r in records} - {o.ars[:2] for o in existing})
    before = {obj.pk: _values(obj) for obj in existing}
    by_identity = {_identity(o.kind, o.ars, o.ags): o for o in existing}
    aggregates = _aggregate(records)
    seen_identities = {_identity(r.kind, r.ars, r.ags) for r in records}

    # A unit that vanished under one key and appeared under another with the same name (unique on
    # both sides) changed its key. Verbände and Kreise keep their row (the ARS is their only key);
    # a Gemeinde with a new AGS gets a new row with the old one as predecessor, so look-ups by the
    # old AGS keep working (Uder 16061097 → 16061119).
    gone = [o for key, o in by_identity.items() if key not in seen_identities]
    arrived = [r for r in records if _identity(r.kind, r.ars, r.ags) not in by_identity]
    gone_names = Counter((o.kind, o.name) for o in gone)
    arrived_by_name = {(r.kind, r.name): r for r in arrived}
    arrived_names = Counter((r.kind, r.name) for r in arrived)
    rekeyed: dict[tuple[str, str], Territory] = {}
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
    dissolved = [o for o in gone if o.pk not in rekeyed_pks]

    # 1. End the dissolved units first, which frees their ARS for the unique constraint.
    for obj in dissolved:
        obj.valid_until = register_date
    _rows_update(dissolved, ["valid_until"])

    # 2. Park rows whose ARS changes on a temporary key, so swaps and shifts cannot collide.
    matched: dict[tuple[str, str], Territory] = {**by_identity, **rekeyed}
    moving = [
        obj for r in records if (obj := matched.get(_identity(r.kind, r.ars, r.ags))) is not None and obj.ars != r.ars
    ]
    for obj in moving:
        obj.ars = f"~{obj.pk}"[:12]
    _rows_update(moving, ["ars"])

    # 3. Level by level, so every parent has a primary key before its children need it.
    current_by_ars: dict[str, Territory] = {}
    to_update: list[Territory] = []
    created: list[Territory] = []
    data_changed = 0
    for level in LEVELS:
        new_rows = []
        for r in (r for r in records if r.kind == level):
            agg = aggregates.get(r.ars, {})
            parent_ars = _parent_ars(r.kind, r.ars, current_by_ars)
            parent = current_by_ars.get(parent_ars) if parent_ars else None
            kreis = current_by_ars.get(r.ars[:5]) if r.kind in (Kind.GEMEINDEVERBAND, Kind.GEMEINDE) else None
            values = {
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
            obj = matched.get(_identity(r.kind, r.ars, r.ags))
            if obj is None:
                obj = Territory(kind=r.kind, **values)
                new_rows.append(obj)
            elif before[obj.pk] != values:
                if any(before[obj.pk][f] != v for f, v in values.items() if f != "register_date"):
                    data_changed += 1
                for field, value in values.items():
                    setattr(obj, field, value)
                to_update.append(obj)
            current_by_ars[r.ars] = obj
        Territory.objects.bulk_create(new_rows, batch_size=1000)
        created.extend(new_rows)
    _rows_update(to_update, _SYNC_FIELDS)

    # 4. Successors for what was dissolved.
    successor_of = _successors_determine(
        dissolved=dissolved,
        before=before,
        current_by_ars=current_by_ars,
        created_pks={o.pk for o in created},
        fixed={**same_name_successor, **_curated_successors(successors_path)},
    )
    for obj in dissolved:
        obj.successor = successor_of.get(obj.pk)
    _rows_update([o for o in dissolved if o.successor_id], ["successor"])

    run = RegisterImport.objects.create(source=path.name, register_date=register_date, scope=scope)
    changes = _changes_collect(
        run=run,
        first_time_laender=set(first_time_laender),
        created=created,
        updated=to_update,
        dissolved=dissolved,
        before=before,
    )
    TerritoryChange.objects.bulk_create(changes, batch_size=1000)
    run.report = _report_build(
        records=records,
        scope=scope,
        source=path.name,
        register_date=register_date,
        initial=initial,
        first_time_laender=first_time_laender,
        created_total=len(created),
        changes=changes,
        data_changed=data_changed,
    )
    run.save(update_fields=["report"])
    return run


def _successors_determine(*, dissolved, before, current_by_ars, created_pks, fixed) -> dict[int, Territory]:
    current = list(current_by_ars.values())
    gemeinden_now = {o.ags: o for o in current if o.kind == Kind.GEMEINDE}
    result: dict[int, Territory] = {}

    gone_gemeinden = [o for o in dissolved if o.kind == Kind.GEMEINDE]
    if gone_gemeinden:
        guess = successors_guess(
            dissolved=[
                Dissolved(
                    ags=o.ags,
                    area_ha=before[o.pk]["area_ha"] or 0,
                    postal_code=before[o.pk]["postal_code"],
                    verband_ars=before[o.pk]["ars"][:9],
                )
                for o in gone_gemeinden
            ],
            candidates=[
                Candidate(
                    ags=o.ags,
                    area_gain_ha=(o.area_ha or 0) - ((before.get(o.pk) or {}).get("area_ha") or 0),
                    postal_code=o.postal_code,
                    verband_ars=(before.get(o.pk) or {}).get("ars", "")[:9],
                    new=o.pk in created_pks,
                )
                for o in gemeinden_now.values()
            ],
            fixed=fixed,
        )
        for obj in gone_gemeinden:
            target = gemeinden_now.get(guess.get(obj.ags, ""))
            if target is not None:
                result[obj.pk] = target

    # Verbände and Kreise: where most of their former Gemeinden are now.
    by_pk = {o.pk: o for o in current}
    dissolved_by_pk = {o.pk: o for o in dissolved}
    gone_units = {o.pk: o for o in dissolved if o.kind in (Kind.GEMEINDEVERBAND, Kind.KREIS)}
    if gone_units:
        votes: dict[int, Counter] = defaultdict(Counter)
        for pk, old in before.items():
            obj = by_pk.get(pk) or dissolved_by_pk.get(pk)
            if obj is None or obj.kind != Kind.GEMEINDE:
                continue
            now = result.get(pk, obj) if obj.valid_until else obj
            if now.valid_until:
                continue
            if old["parent_id"] in gone_units and now.parent_id:
                votes[old["parent_id"]][now.parent_id] += 1
            if old["kreis_id"] in gone_units and now.kreis_id:
                votes[old["kreis_id"]][now.kreis_id] += 1
        for pk, counter in votes.items():
            target = by_pk.get(counter.most_common(1)[0][0])
            if target is not None and target.kind == gone_units[pk].kind:
                result[pk] = target
    return result


def _label(obj: Territory) -> str:
    return f"{obj.name} ({obj.ags or obj.ars})"


def _changes_collect(*, run, first_time_laender, created, updated, dissolved, before) -> list[TerritoryChange]:
    created_kind = TerritoryChange.Kind.CREATED
    changes: list[TerritoryChange] = [
        TerritoryChange(register_import=run, territory=o, kind=created_kind)
        for o in created
        if o.ars[:2] not in first_time_laender
    ]
    for obj in updated:
        old = before[obj.pk]
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


def _report_build(
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
            ident = entry["ags"] or entry["ars"]
            if key == "renamed":
                lines.append(f"  {label}: {entry['old']} → {entry['new']} ({ident})")
            elif key == "merged":
                lines.append(f"  {label}: {entry['old']} → {entry['new']}")
            elif key in ("moved", "updated"):
                lines.append(f"  {label}: {entry['name']}: {entry['old']} → {entry['new']}")
            else:
                lines.append(f"  {label}: {entry['name']} ({ident}, {Territory.Kind(entry['kind']).label})")
    lines.append(f"  Daten (Fläche, Bevölkerung, PLZ …) aktualisiert: {report['updated']} Gebiete.")
    return "\n".join(lines)


@transaction.atomic
def references_redirect(*, land: str | None = None) -> dict:
    """Move references from dissolved Gemeinden onto their current successors.

    PostalCode rows and Authority.serves entries are redirected; jurisdiction overrides too,
    unless the successor already has its own override for that Leistung (then the old one
    stays and still resolves through the successor link).
    """
    from .selectors import territory_current

    _validate_land(land)
    old = list(
        _in_scope(Territory.objects.filter(valid_until__isnull=False, successor__isnull=False), land).select_related(
            "successor"
        )
    )
    target = {o.pk: territory_current(territory=o).pk for o in old}
    result = {"postal_codes": 0, "serves": 0, "overrides": 0}
    if not target:
        return result
    for row in PostalCode.objects.filter(gemeinde_id__in=target):
        new_id = target[row.gemeinde_id]
        if PostalCode.objects.filter(code=row.code, gemeinde_id=new_id).exists():
            row.delete()
        else:
            row.gemeinde_id = new_id
            row.save(update_fields=["gemeinde"])
        result["postal_codes"] += 1
    through = Authority.serves.through
    for row in through.objects.filter(territory_id__in=target):
        through.objects.get_or_create(authority_id=row.authority_id, territory_id=target[row.territory_id])
        row.delete()
        result["serves"] += 1
    if apps.is_installed("amtsweg.jurisdiction"):
        override_model = apps.get_model("jurisdiction", "Override")
        for row in override_model.objects.filter(territory_id__in=target):
            new_id = target[row.territory_id]
            if not override_model.objects.filter(leistung_id=row.leistung_id, territory_id=new_id).exists():
                row.territory_id = new_id
                row.save(update_fields=["territory"])
                result["overrides"] += 1
    return result


# --------------------------------------------------------------------------------------------------------------
# Postal codes
# --------------------------------------------------------------------------------------------------------------


def _gemeinden_by_ags_current() -> dict[str, int]:
    """AGS → primary key of today's Gemeinde, following successor links of dissolved ones."""
    rows = list(Territory.objects.filter(kind=Kind.GEMEINDE).values_list("pk", "ags", "valid_until", "successor_id"))
    successor = {pk: succ for pk, _, _, succ in rows}
    result: dict[str, int] = {}
    for pk, ags, valid_until, _ in rows:
        if valid_until is None:
            result[ags] = pk
    for pk, ags, valid_until, _ in rows:
        if valid_until is None or ags in result:
            continue
        seen, cur = set(), pk
        while successor.get(cur) and cur not in seen:
            seen.add(cur)
            cur = successor[cur]
        result[ags] = cur
    return result


@transaction.atomic
def postal_codes_import(*, path: Path, land: str | None = "14") -> int:
    """Import PLZ → Gemeinde (CSV osm_id,ags,ort,plz,landkreis,bundesland; © OpenStreetMap contributors, ODbL).

    The file reflects 2021; AGS of Gemeinden dissolved since are mapped to today's successor
    (Ostrau → Jahnatal), from the successor links of an earlier register import or, when the
    register was imported fresh, from the curated table ``data/successors.csv``. Rows of the
    Land are replaced by the file's content; returns their number.
    """
    _validate_land(land)
    path = Path(path)
    if not path.exists():
        raise ValueError(f"Datei nicht gefunden: {path}")
    current = _gemeinden_by_ags_current()
    # Gemeinden dissolved before the register we hold (the CSV is older) are only known from the curated table.
    curated = _curated_successors(SUCCESSORS_FILE)
    for old_ags in curated:
        if old_ags not in current:
            target, hops = curated[old_ags], 0
            while target not in current and target in curated and hops < 10:
                target, hops = curated[target], hops + 1
            if target in current:
                current[old_ags] = current[target]
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
    return len(desired)


# --------------------------------------------------------------------------------------------------------------
# Authorities
# --------------------------------------------------------------------------------------------------------------

DEFAULT_OPENING_HOURS = "Mo–Fr nach Vereinbarung"
# In Baden-Württemberg and Saxony a Verwaltungsgemeinschaft is an agreement: one member, the
# erfüllende Gemeinde, administers the others. Elsewhere (e.g. Bavaria, Thuringia) it is a body
# with its own administration, like a Verwaltungsverband. Textkennzeichen 58 is always the former.
_VG_BY_ERFUELLENDE_GEMEINDE_LAENDER = {"08", "14"}
_VERBAND_PREFIX = {
    "51": "Amt",
    "52": "Samtgemeinde",
    "53": "Verbandsgemeinde",
    "54": "Verwaltungsgemeinschaft",
    "55": "Kirchspielslandgemeinde",
    "56": "Verwaltungsverband",
    "57": "Verwaltungsgemeinschaft",
}
_LANDRATSAMT_LAENDER = {"08", "09", "14", "16"}  # elsewhere the office is called Kreisverwaltung
_STADT_TYPES = {"61", "62", "63", "67"}


def _administration_name(gemeinde: Territory) -> str:
    kind = "Stadtverwaltung" if gemeinde.type_code in _STADT_TYPES else "Gemeindeverwaltung"
    return f"{kind} {short_name(gemeinde.name)}"


def _verband_authority_name(verband: Territory) -> str:
    prefix = _VERBAND_PREFIX.get(verband.type_code, "Verwaltung")
    return verband.name if verband.name.startswith(prefix) else f"{prefix} {verband.name}"


def _erfuellende_gemeinde(verband: Territory, members: list[Territory]) -> Territory:
    """The member that administers a Verwaltungsgemeinschaft: the one at the Verband's seat.

    Saxon seats match a member in 63 of 64 cases once qualifiers and Sorbian names are
    ignored; otherwise the member named like the Verband, else the most populous member.
    """
    return (
        _seat_gemeinde(verband.seat, members)
        or _seat_gemeinde(short_name(verband.name), members)
        or max(members, key=lambda m: (m.population or 0, m.ags))
    )


def _authority_plan(land: str | None) -> dict[str, dict]:
    """key → field values and the Gemeinden served, for the current register."""
    units = list(_in_scope(Territory.objects.filter(valid_until__isnull=True), land))
    kreise = [u for u in units if u.kind == Kind.KREIS]
    verbaende = {u.pk: u for u in units if u.kind == Kind.GEMEINDEVERBAND}
    gemeinden = [u for u in units if u.kind == Kind.GEMEINDE]
    by_kreis: dict[int, list[Territory]] = defaultdict(list)
    by_verband: dict[int, list[Territory]] = defaultdict(list)
    for g in gemeinden:
        by_kreis[g.kreis_id].append(g)
        by_verband[g.parent_id].append(g)

    plan: dict[str, dict] = {}

    def add(key, *, name, kind, territory, serves, gemeinde_level, kreis_level, postal_code, city):
        plan[key] = {
            "fields": {
                "name": name[:255],
                "kind": kind,
                "territory_id": territory.pk,
                "acts_for_gemeinde": gemeinde_level,
                "acts_for_kreis": kreis_level,
                "postal_code": postal_code,
                "city": city,
            },
            "serves": {g.pk for g in serves},
        }

    kreisfrei_pks = set()
    for kreis in kreise:
        members = by_kreis.get(kreis.pk, [])
        if kreis.type_code in KREISFREI_TYPES:
            kreisfrei_pks.add(kreis.pk)
            for city in (g for g in members if g.type_code not in GEMEINDEFREI_TYPES):
                add(
                    f"gem-{city.ags}",
                    name=_administration_name(city),
                    kind=Authority.Kind.KREISFREIE_STADT,
                    territory=city,
                    serves=[city],
                    gemeinde_level=True,
                    kreis_level=True,
                    postal_code=city.postal_code,
                    city=short_name(city.name),
                )
            continue
        office = "Landratsamt" if kreis.ars[:2] in _LANDRATSAMT_LAENDER else "Kreisverwaltung"
        add(
            f"lra-{kreis.ars}",
            name=f"{office} {kreis.name}",
            kind=Authority.Kind.LANDRATSAMT,
            territory=kreis,
            serves=members,
            gemeinde_level=False,
            kreis_level=True,
            postal_code=kreis.postal_code,
            city=kreis.seat,
        )

    for verband in verbaende.values():
        members = [g for g in by_verband.get(verband.pk, []) if g.type_code not in GEMEINDEFREI_TYPES]
        if not members or verband.kreis_id in kreisfrei_pks:
            continue
        if verband.type_code == "50":
            for g in members:
                add(
                    f"gem-{g.ags}",
                    name=_administration_name(g),
                    kind=Authority.Kind.GEMEINDEVERWALTUNG,
                    territory=g,
                    serves=[g],
                    gemeinde_level=True,
                    kreis_level=False,
                    postal_code=g.postal_code,
                    city=short_name(g.name),
                )
        elif verband.type_code == "58" or (
            verband.type_code == "54" and verband.ars[:2] in _VG_BY_ERFUELLENDE_GEMEINDE_LAENDER
        ):
            lead = _erfuellende_gemeinde(verband, members)
            add(
                f"gem-{lead.ags}",
                name=_administration_name(lead),
                kind=Authority.Kind.VERWALTUNGSGEMEINSCHAFT,
                territory=lead,
                serves=members,
                gemeinde_level=True,
                kreis_level=False,
                postal_code=lead.postal_code,
                city=short_name(lead.name),
            )
        else:
            add(
                f"vb-{verband.ars}",
                name=_verband_authority_name(verband),
                kind=Authority.Kind.VERWALTUNGSVERBAND,
                territory=verband,
                serves=members,
                gemeinde_level=True,
                kreis_level=False,
                postal_code=verband.postal_code,
                city=verband.seat or short_name(verband.name),
            )
    return plan


def _serves_sync(serves_by_authority: dict[int, set[int]]) -> None:
    """Make Authority.serves equal the given sets, with one read and two bulk writes."""
    through = Authority.serves.through
    current: dict[int, set[int]] = defaultdict(set)
    for authority_id, territory_id in through.objects.filter(authority_id__in=serves_by_authority).values_list(
        "authority_id", "territory_id"
    ):
        current[authority_id].add(territory_id)
    remove, add = [], []
    for authority_id, wanted in serves_by_authority.items():
        have = current.get(authority_id, set())
        remove += [(authority_id, t) for t in have - wanted]
        add += [through(authority_id=authority_id, territory_id=t) for t in wanted - have]
    if remove:
        by_authority: dict[int, list[int]] = defaultdict(list)
        for authority_id, t in remove:
            by_authority[authority_id].append(t)
        for authority_id, territory_ids in by_authority.items():
            through.objects.filter(authority_id=authority_id, territory_id__in=territory_ids).delete()
    through.objects.bulk_create(add, batch_size=1000)


@transaction.atomic
def authorities_generate(*, land: str | None = "14") -> dict:
    """Create or refresh default authorities from the current register (idempotent, keyed by ``key``).

    - a Landratsamt per Landkreis (Kreis tasks for all its Gemeinden, seat from the register);
    - each kreisfreie Stadt's administration, acting for Gemeinde and Kreis tasks;
    - an administration per verbandsfreie Gemeinde;
    - a Verwaltungsgemeinschaft: the erfüllende Gemeinde's administration serving all members;
    - a Verwaltungsverband (and Amt, Samtgemeinde, Verbandsgemeinde …): the Verband itself.

    Rows edited by hand (``generated=False``) are never overwritten. Generated rows whose
    unit no longer exists (after a merger) are deactivated, not deleted, because overrides
    may reference them.
    """
    _validate_land(land)
    plan = _authority_plan(land)
    existing = {a.key: a for a in Authority.objects.filter(key__in=plan)}
    stats = {"created": 0, "updated": 0, "unchanged": 0, "kept_manual": 0, "deactivated": 0}
    new_rows, changed, serves = [], [], {}
    update_fields = ["name", "kind", "territory_id", "acts_for_gemeinde", "acts_for_kreis", "active"]
    for key, item in plan.items():
        authority = existing.get(key)
        if authority is None:
            authority = Authority(
                key=key,
                generated=True,
                needs_review=True,
                opening_hours=DEFAULT_OPENING_HOURS,
                **item["fields"],
            )
            new_rows.append((authority, item["serves"]))
            continue
        if not authority.generated:
            stats["kept_manual"] += 1
            continue
        wanted = {**item["fields"], "active": True}
        # Address fields only while nobody has filled them in (they start as register defaults).
        if not authority.needs_review:
            wanted.pop("postal_code")
            wanted.pop("city")
        dirty = any(getattr(authority, f) != v for f, v in wanted.items())
        for f, v in wanted.items():
            setattr(authority, f, v)
        serves[authority.pk] = item["serves"]
        if dirty:
            changed.append(authority)
            stats["updated"] += 1
        else:
            stats["unchanged"] += 1
    Authority.objects.bulk_create([a for a, _ in new_rows], batch_size=500)
    for authority, served in new_rows:
        serves[authority.pk] = served
    stats["created"] = len(new_rows)
    Authority.objects.bulk_update(changed, [*update_fields, "postal_code", "city"], batch_size=500)
    _serves_sync(serves)

    orphaned = Authority.objects.filter(generated=True, active=True).exclude(key__in=plan)
    if land is not None:
        orphaned = orphaned.filter(territory__ars__startswith=land)
    stats["deactivated"] = orphaned.update(active=False)
    stats["total"] = len(plan)
    return stats


# --------------------------------------------------------------------------------------------------------------
# Authority import / export
# --------------------------------------------------------------------------------------------------------------

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
    if fmt not in ("csv", "json"):
        raise ValueError(f"Unbekanntes Format „{fmt}“: erlaubt sind „csv“ und „json“.")
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


def _rows_read(data: str, fmt: str) -> tuple[list[tuple[str, dict]], list[str]]:
    """(label, row) pairs and file-level errors."""
    if fmt == "json":
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
    serves = row.get("serves") or []
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
    clean["serves"] = serve_ids
    for field in _TEXT_FIELDS:
        value = row.get(field)
        clean[field] = "" if value is None else str(value).strip()
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
    defaults = {"acts_for_gemeinde": False, "acts_for_kreis": False, "active": True, "generated": False}
    for field in _BOOL_FIELDS:
        if field in row and row[field] is not None:
            value = _bool(row[field], field, errors, label)
            if value is not None:
                clean[field] = value
        elif field in defaults:
            clean[field] = defaults[field]
    return clean, errors


@transaction.atomic
def authorities_import(*, data: str, fmt: str) -> dict:
    """Create or update authorities from CSV or JSON (the format of ``authorities_export``).

    All rows are validated first; if any row is invalid nothing is written and ``errors``
    lists every problem in German with its row. Rows are matched by ``key``. An existing row
    whose content differs is marked ``generated=False``, so the next register update keeps
    the edit; unchanged rows are left as they are (an export/import round trip changes nothing).
    """
    if fmt not in ("csv", "json"):
        raise ValueError(f"Unbekanntes Format „{fmt}“: erlaubt sind „csv“ und „json“.")
    rows, errors = _rows_read(data, fmt)
    result = {"created": 0, "updated": 0, "unchanged": 0, "errors": errors}
    if errors:
        return result
    territories: dict[str, int] = {}
    for pk, ars, valid_until in Territory.objects.order_by("valid_until").values_list("pk", "ars", "valid_until"):
        # A current unit wins over a historical one with the same ARS.
        if ars not in territories or valid_until is None:
            territories[ars] = pk
    gemeinden = _gemeinden_by_ags_current()
    cleaned, seen = [], {}
    for label, row in rows:
        clean, row_errors = _row_clean(label, row, territories, gemeinden)
        if clean["key"] in seen:
            first = seen[clean["key"]]
            row_errors.append(f"{label}: Schlüssel „{clean['key']}“ kommt doppelt vor (zuerst in {first}).")
        seen.setdefault(clean["key"], label)
        errors += row_errors
        cleaned.append(clean)
    if errors:
        return result
    existing = {a.key: a for a in Authority.objects.filter(key__in=[c["key"] for c in cleaned])}
    current_serves: dict[int, set[int]] = defaultdict(set)
    through = Authority.serves.through
    for authority_id, territory_id in through.objects.filter(
        authority_id__in=[a.pk for a in existing.values()]
    ).values_list("authority_id", "territory_id"):
        current_serves[authority_id].add(territory_id)
    serves_sync: dict[int, set[int]] = {}
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
        serves_sync[authority.pk] = serves
    _serves_sync(serves_sync)
    return result
