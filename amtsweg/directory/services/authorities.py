"""Authorities: default authorities generated from the current register, and their served Gemeinden."""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction

from ..models import Authority, Territory
from .base import Kind, in_scope, validate_land
from .names import seat_gemeinde, short_name
from .version import reference_version_bump

KREISFREI_TYPES = {"41", "42"}  # kreisfreie Stadt, Stadtkreis
GEMEINDEFREI_TYPES = {"65", "66"}
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
_UPDATE_FIELDS = ["name", "kind", "territory_id", "acts_for_gemeinde", "acts_for_kreis", "active"]


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
    reference_version_bump()
    validate_land(land)
    plan = _authority_plan(land)
    existing = {a.key: a for a in Authority.objects.filter(key__in=plan)}
    stats = {"created": 0, "updated": 0, "unchanged": 0, "kept_manual": 0, "deactivated": 0}
    new_rows, changed, serves = _plan_apply(plan, existing, stats)
    Authority.objects.bulk_create([a for a, _ in new_rows], batch_size=500)
    for authority, served in new_rows:
        serves[authority.pk] = served
    stats["created"] = len(new_rows)
    Authority.objects.bulk_update(changed, [*_UPDATE_FIELDS, "postal_code", "city"], batch_size=500)
    serves_sync(serves)

    orphaned = Authority.objects.filter(generated=True, active=True).exclude(key__in=plan)
    if land is not None:
        orphaned = orphaned.filter(territory__ars__startswith=land)
    stats["deactivated"] = orphaned.update(active=False)
    stats["total"] = len(plan)
    return stats


def _plan_apply(plan: dict[str, dict], existing: dict[str, Authority], stats: dict):
    """Unsaved new rows (with what they serve), changed rows and the served Gemeinden of existing rows."""
    new_rows: list[tuple[Authority, set[int]]] = []
    changed: list[Authority] = []
    serves: dict[int, set[int]] = {}
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
        serves[authority.pk] = item["serves"]
        if _authority_refresh(authority, item["fields"]):
            changed.append(authority)
            stats["updated"] += 1
        else:
            stats["unchanged"] += 1
    return new_rows, changed, serves


def _authority_refresh(authority: Authority, fields: dict) -> bool:
    """Set the planned values on a generated row; whether anything changed."""
    wanted = {**fields, "active": True}
    # Address fields only while nobody has filled them in (they start as register defaults).
    if not authority.needs_review:
        wanted.pop("postal_code")
        wanted.pop("city")
    dirty = any(getattr(authority, f) != v for f, v in wanted.items())
    for f, v in wanted.items():
        setattr(authority, f, v)
    return dirty


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
        seat_gemeinde(verband.seat, members)
        or seat_gemeinde(short_name(verband.name), members)
        or max(members, key=lambda m: (m.population or 0, m.ags))
    )


def _authority_plan(land: str | None) -> dict[str, dict]:
    """key → field values and the Gemeinden served, for the current register."""
    units = list(in_scope(Territory.objects.filter(valid_until__isnull=True), land))
    kreise = [u for u in units if u.kind == Kind.KREIS]
    verbaende = {u.pk: u for u in units if u.kind == Kind.GEMEINDEVERBAND}
    gemeinden = [u for u in units if u.kind == Kind.GEMEINDE]
    by_kreis: dict[int, list[Territory]] = defaultdict(list)
    by_verband: dict[int, list[Territory]] = defaultdict(list)
    for g in gemeinden:
        by_kreis[g.kreis_id].append(g)
        by_verband[g.parent_id].append(g)

    plan: dict[str, dict] = {}
    kreisfrei_pks = _kreise_plan(plan, kreise, by_kreis)
    for verband in verbaende.values():
        members = [g for g in by_verband.get(verband.pk, []) if g.type_code not in GEMEINDEFREI_TYPES]
        if not members or verband.kreis_id in kreisfrei_pks:
            continue
        _verband_plan(plan, verband, members)
    return plan


def _plan_item(*, name, kind, territory, serves, gemeinde_level, kreis_level, postal_code, city) -> dict:
    return {
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


def _gemeinde_item(gemeinde: Territory, *, kind: str, serves: list[Territory], kreis_level: bool) -> dict:
    """A Gemeinde's own administration (for itself or, as erfüllende Gemeinde, for its Verband)."""
    return _plan_item(
        name=_administration_name(gemeinde),
        kind=kind,
        territory=gemeinde,
        serves=serves,
        gemeinde_level=True,
        kreis_level=kreis_level,
        postal_code=gemeinde.postal_code,
        city=short_name(gemeinde.name),
    )


def _kreise_plan(plan: dict[str, dict], kreise: list[Territory], by_kreis: dict[int, list[Territory]]) -> set[int]:
    """Add the Landratsämter and the kreisfreie Städte; returns the primary keys of the kreisfreie Städte."""
    kreisfrei_pks = set()
    for kreis in kreise:
        members = by_kreis.get(kreis.pk, [])
        if kreis.type_code in KREISFREI_TYPES:
            kreisfrei_pks.add(kreis.pk)
            for city in (g for g in members if g.type_code not in GEMEINDEFREI_TYPES):
                plan[f"gem-{city.ags}"] = _gemeinde_item(
                    city, kind=Authority.Kind.KREISFREIE_STADT, serves=[city], kreis_level=True
                )
            continue
        office = "Landratsamt" if kreis.ars[:2] in _LANDRATSAMT_LAENDER else "Kreisverwaltung"
        plan[f"lra-{kreis.ars}"] = _plan_item(
            name=f"{office} {kreis.name}",
            kind=Authority.Kind.LANDRATSAMT,
            territory=kreis,
            serves=members,
            gemeinde_level=False,
            kreis_level=True,
            postal_code=kreis.postal_code,
            city=kreis.seat,
        )
    return kreisfrei_pks


def _verband_plan(plan: dict[str, dict], verband: Territory, members: list[Territory]) -> None:
    """Add the authorities of one Gemeindeverband's members (Textkennzeichen 50: verbandsfreie Gemeinden)."""
    if verband.type_code == "50":
        for g in members:
            plan[f"gem-{g.ags}"] = _gemeinde_item(
                g, kind=Authority.Kind.GEMEINDEVERWALTUNG, serves=[g], kreis_level=False
            )
    elif verband.type_code == "58" or (
        verband.type_code == "54" and verband.ars[:2] in _VG_BY_ERFUELLENDE_GEMEINDE_LAENDER
    ):
        lead = _erfuellende_gemeinde(verband, members)
        plan[f"gem-{lead.ags}"] = _gemeinde_item(
            lead, kind=Authority.Kind.VERWALTUNGSGEMEINSCHAFT, serves=members, kreis_level=False
        )
    else:
        plan[f"vb-{verband.ars}"] = _plan_item(
            name=_verband_authority_name(verband),
            kind=Authority.Kind.VERWALTUNGSVERBAND,
            territory=verband,
            serves=members,
            gemeinde_level=True,
            kreis_level=False,
            postal_code=verband.postal_code,
            city=verband.seat or short_name(verband.name),
        )


def serves_sync(serves_by_authority: dict[int, set[int]]) -> None:
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
