"""Reads for the municipality register and authorities."""

from __future__ import annotations

from django.db.models import Case, QuerySet, Value, When

from . import permissions
from .models import Authority, Territory

_MAX_HOPS = 20  # successor chains are short; the bound only guards against a cycle entered by hand


def territory_current(*, territory: Territory) -> Territory:
    """The unit that stands for ``territory`` today: itself, or the end of its successor chain.

    A dissolved unit without a successor is returned as it is (callers check ``is_current``).
    """
    seen = {territory.pk}
    for _ in range(_MAX_HOPS):
        if territory.valid_until is None or territory.successor_id is None:
            return territory
        nxt = territory.successor
        if nxt.pk in seen:
            return territory
        seen.add(nxt.pk)
        territory = nxt
    return territory


def gemeinde_by_ags(*, ags: str) -> Territory | None:
    """Today's Gemeinde for an AGS, following successor links (14522450 Ostrau → Jahnatal)."""
    ags = (ags or "").strip()
    if len(ags) != 8 or not ags.isdigit():
        return None
    # Current row first; of historical ones the most recently ended.
    gemeinde = (
        Territory.objects.filter(kind=Territory.Kind.GEMEINDE, ags=ags)
        .select_related("successor")
        .order_by(Case(When(valid_until__isnull=True, then=Value(0)), default=Value(1)), "-valid_until")
        .first()
    )
    if gemeinde is None:
        return None
    return territory_current(territory=gemeinde)


def gemeinden_current(*, land: str | None = None) -> QuerySet[Territory]:
    """Current Gemeinden (including gemeindefreie Gebiete, Textkennzeichen 65/66), optionally of one Land."""
    qs = Territory.objects.filter(kind=Territory.Kind.GEMEINDE, valid_until__isnull=True)
    if land:
        qs = qs.filter(ars__startswith=land)
    return qs


LEVELS = ("gemeinde", "kreis")


def authority_for_gemeinde(*, gemeinde: Territory, level: str) -> Authority | None:
    """The default authority for a Gemeinde's tasks of one level ("gemeinde" or "kreis").

    Gemeinde level: the active authority with ``acts_for_gemeinde`` serving the Gemeinde: its
    own administration, the erfüllende Gemeinde of its Verwaltungsgemeinschaft or its
    Verwaltungsverband. Kreis level: the one with ``acts_for_kreis``: the Landratsamt, or the
    kreisfreie Stadt's administration. One query (two for a merged Gemeinde). Authorities serving the Gemeinde directly
    win over ones still serving a Gemeinde merged into it; hand-edited entries over generated.
    """
    if level not in LEVELS:
        raise ValueError(f"Unbekannte Ebene „{level}“: erwartet „gemeinde“ oder „kreis“.")
    gemeinde = territory_current(territory=gemeinde)
    flag = "acts_for_gemeinde" if level == "gemeinde" else "acts_for_kreis"
    # Start from the (indexed) serves table rather than scanning all authorities: this runs on
    # every finder page and every submission.
    candidates = Authority.objects.filter(active=True, **{flag: True}).select_related("territory")
    direct = candidates.filter(serves=gemeinde).order_by("generated", "pk").first()
    if direct is not None:
        return direct
    return candidates.filter(serves__successor=gemeinde).order_by("generated", "pk").first()


# --- register facts (read-only overview for the API and the ``register_facts`` command) ------------------------

_FACTS_IMPORTS = 20  # newest register imports listed with their changes


def _unit_ref(t: Territory, stats: dict[int, tuple[int, int]]) -> dict:
    gemeinden, population = stats.get(t.pk, (0, 0))
    return {
        "ars": t.ars,
        "ags": t.ags,
        "name": t.name,
        "type_code": t.type_code,
        "gemeinden": gemeinden,
        "population": population,
    }


def register_facts(*, land: str | None = None) -> dict:
    """Counts and population per Land, Kreis and Gemeindeverband (current units), and the import reports
    (mergers, renames) of the newest register imports. Reads only; a handful of queries."""
    from collections import defaultdict

    from .models import RegisterImport

    current = Territory.objects.filter(valid_until__isnull=True)
    if land:
        current = current.filter(ars__startswith=land)
    units = list(current.exclude(kind=Territory.Kind.GEMEINDE).order_by("ars"))
    gemeinden = list(
        current.filter(kind=Territory.Kind.GEMEINDE).values_list("ars", "kreis_id", "parent_id", "population")
    )
    land_pk = {u.ars: u.pk for u in units if u.kind == Territory.Kind.LAND}
    stats: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for ars, kreis_id, parent_id, population in gemeinden:
        for pk in {kreis_id, parent_id, land_pk.get(ars[:2])} - {None}:
            stats[pk][0] += 1
            stats[pk][1] += population or 0
    frozen = {pk: (n, p) for pk, (n, p) in stats.items()}
    latest = RegisterImport.objects.order_by("-register_date", "-started_at").first()
    return {
        "register_date": latest.register_date if latest else None,
        "totals": {
            "laender": sum(1 for u in units if u.kind == Territory.Kind.LAND),
            "kreise": sum(1 for u in units if u.kind == Territory.Kind.KREIS),
            "gemeindeverbaende": sum(1 for u in units if u.kind == Territory.Kind.GEMEINDEVERBAND),
            "gemeinden": len(gemeinden),
            "population": sum(p or 0 for *_, p in gemeinden),
            "historical_gemeinden": Territory.objects.filter(
                kind=Territory.Kind.GEMEINDE, valid_until__isnull=False, ars__startswith=land or ""
            ).count(),
        },
        "laender": [_unit_ref(u, frozen) for u in units if u.kind == Territory.Kind.LAND],
        "kreise": [_unit_ref(u, frozen) for u in units if u.kind == Territory.Kind.KREIS],
        "verbaende": [_unit_ref(u, frozen) for u in units if u.kind == Territory.Kind.GEMEINDEVERBAND],
        "imports": _import_reports(land=land),
    }


def _import_reports(*, land: str | None) -> list[dict]:
    from .models import RegisterImport, TerritoryChange

    runs = list(RegisterImport.objects.order_by("-register_date", "-started_at")[:_FACTS_IMPORTS])
    if land:
        runs = [r for r in runs if r.scope in (land, "DE")]
    listed = {TerritoryChange.Kind.MERGED, TerritoryChange.Kind.RENAMED, TerritoryChange.Kind.DISSOLVED}
    changes = (
        TerritoryChange.objects.filter(register_import__in=runs, kind__in=listed)
        .select_related("territory", "related")
        .order_by("territory__ars")
    )
    by_run: dict[int, list] = {r.pk: [] for r in runs}
    for change in changes:
        t = change.territory
        if land and not t.ars.startswith(land):
            continue
        by_run[change.register_import_id].append(
            {
                "kind": change.kind,
                "territory_kind": t.kind,
                "name": t.name,
                "ags": t.ags,
                "ars": t.ars,
                "old": change.old_value,
                "new": change.new_value,
                "successor_ags": change.related.ags if change.related_id else "",
            }
        )
    return [
        {
            "source": r.source,
            "register_date": r.register_date,
            "scope": r.scope,
            "imported_at": r.started_at,
            "counts": {k: v for k, v in (r.report or {}).items() if isinstance(v, int) and not isinstance(v, bool)},
            "changes": by_run[r.pk],
        }
        for r in runs
    ]


# Staff and their authorities (AuthorityMembership): the roles are decided in ``directory.permissions``
# (ADR 0024); these names stay for the callers that read scopes. Koordination (superuser or the group
# "Zentrale Koordination") sees all authorities without a membership.


def authorities_of(user) -> QuerySet[Authority]:
    """The authorities a staff user works for (Koordination: all; anyone else: none)."""
    return permissions.authorities_worked(user)


def authority_ids_of(user) -> set[int] | None:
    """Ids of the user's authorities, or None for "all" (Koordination). Cached on the user for the request."""
    return permissions.authority_ids_worked(user)


def user_may_work_for(user, authority_id: int | None) -> bool:
    """True if the user is staff of this authority (or Koordination)."""
    return permissions.is_sachbearbeiter(user, authority_id)


def administered_authority_ids(user) -> set[int]:
    """Ids of the authorities where the user holds the role Kommunal-Admin (Koordination is asked for separately)."""
    return {pk for pk, role in permissions.authority_roles(user).items() if role == permissions.ROLE_KOMMUNAL_ADMIN}


def user_role_at(user, authority_id: int) -> str | None:
    """The user's role at the authority (``"kommunal_admin"`` for Koordination), or None."""
    return permissions.role_at(user, authority_id)


def colleagues_of_user(user):
    """Active staff of the user's authorities (superuser: staff with any membership), in one query."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(is_active=True, is_staff=True, authority_memberships__isnull=False)
    ids = authority_ids_of(user)
    if ids is not None:
        users = users.filter(authority_memberships__authority_id__in=ids)
    return users.distinct().order_by("username")


def colleagues_of(*, authority: Authority):
    """Active staff users of an authority (for assigning cases), by username."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True, authority_memberships__authority=authority)
        .distinct()
        .order_by("username")
    )
