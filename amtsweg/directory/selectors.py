"""Reads for the municipality register and authorities."""

from __future__ import annotations

from django.db.models import Case, QuerySet, Value, When

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
