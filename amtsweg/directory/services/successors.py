"""Successors of dissolved units: the area-balance heuristic, the curated table, redirecting references."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.db import transaction

from ..models import Authority, PostalCode, Territory
from ..selectors import territory_current
from .base import Kind, in_scope, validate_land
from .version import reference_version_bump

SUCCESSORS_FILE = Path(__file__).resolve().parent.parent / "data" / "successors.csv"


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
    for exact_only in (True, False):
        for gone in sorted(dissolved, key=lambda d: (-(d.area_ha or 0), d.ags)):
            if gone.ags in result:
                continue
            best = _best_candidate(gone, by_kreis.get(gone.ags[:5], []), remaining, exact_only=exact_only)
            if best is not None:
                remaining[best.ags] -= gone.area_ha or 0
                result[gone.ags] = best.ags
    return result


def _tolerance(area: int) -> float:
    return max(5, 0.02 * area)


def _best_candidate(
    gone: Dissolved, in_kreis: list[Candidate], remaining: dict[str, int], *, exact_only: bool
) -> Candidate | None:
    """The candidate of the Kreis that most likely took over ``gone`` (rules 1 and 2 of ``successors_guess``)."""
    area = gone.area_ha or 0
    pool = [
        c
        for c in in_kreis
        if remaining[c.ags] > 0
        and remaining[c.ags] >= 0.5 * area
        and (not exact_only or abs(remaining[c.ags] - area) <= _tolerance(area))
    ]
    if not pool:
        return None

    def rank(c: Candidate):
        diff = abs(remaining[c.ags] - area)
        return (
            diff > _tolerance(area),
            not (gone.postal_code and c.postal_code == gone.postal_code),
            not (gone.verband_ars and c.verband_ars == gone.verband_ars),
            not c.new,
            diff,
            c.ags,
        )

    return min(pool, key=rank)


def curated_successors(path: Path | None) -> dict[str, str]:
    if path is None or not Path(path).exists():
        return {}
    with open(path, encoding="utf-8") as handle:
        lines = [line for line in handle if line.strip() and not line.startswith("#")]
    return {row["old_ags"].strip(): row["new_ags"].strip() for row in csv.DictReader(lines)}


def successors_determine(*, dissolved, before, current_by_ars, created_pks, fixed) -> dict[int, Territory]:
    """Primary key of each dissolved unit → its successor among the current units (where one is found)."""
    current = list(current_by_ars.values())
    result = _gemeinde_successors(
        dissolved=dissolved, before=before, current=current, created_pks=created_pks, fixed=fixed
    )
    result.update(_unit_successors(dissolved=dissolved, before=before, current=current, gemeinde_successors=result))
    return result


def _gemeinde_successors(*, dissolved, before, current, created_pks, fixed) -> dict[int, Territory]:
    gemeinden_now = {o.ags: o for o in current if o.kind == Kind.GEMEINDE}
    gone_gemeinden = [o for o in dissolved if o.kind == Kind.GEMEINDE]
    if not gone_gemeinden:
        return {}
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
    result: dict[int, Territory] = {}
    for obj in gone_gemeinden:
        target = gemeinden_now.get(guess.get(obj.ags, ""))
        if target is not None:
            result[obj.pk] = target
    return result


def _unit_successors(*, dissolved, before, current, gemeinde_successors) -> dict[int, Territory]:
    """Verbände and Kreise: where most of their former Gemeinden are now."""
    by_pk = {o.pk: o for o in current}
    dissolved_by_pk = {o.pk: o for o in dissolved}
    gone_units = {o.pk: o for o in dissolved if o.kind in (Kind.GEMEINDEVERBAND, Kind.KREIS)}
    if not gone_units:
        return {}
    votes: dict[int, Counter] = defaultdict(Counter)
    for pk, old in before.items():
        obj = by_pk.get(pk) or dissolved_by_pk.get(pk)
        if obj is None or obj.kind != Kind.GEMEINDE:
            continue
        now = gemeinde_successors.get(pk, obj) if obj.valid_until else obj
        if now.valid_until:
            continue
        if old["parent_id"] in gone_units and now.parent_id:
            votes[old["parent_id"]][now.parent_id] += 1
        if old["kreis_id"] in gone_units and now.kreis_id:
            votes[old["kreis_id"]][now.kreis_id] += 1
    result: dict[int, Territory] = {}
    for pk, counter in votes.items():
        target = by_pk.get(counter.most_common(1)[0][0])
        if target is not None and target.kind == gone_units[pk].kind:
            result[pk] = target
    return result


@transaction.atomic
def references_redirect(*, land: str | None = None) -> dict:
    """Move references from dissolved Gemeinden onto their current successors.

    PostalCode rows and Authority.serves entries are redirected; jurisdiction overrides too,
    unless the successor already has its own override for that Leistung (then the old one
    stays and still resolves through the successor link).
    """
    reference_version_bump()
    validate_land(land)
    old = list(
        in_scope(Territory.objects.filter(valid_until__isnull=False, successor__isnull=False), land).select_related(
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
