"""Coverage: the one computation behind the monitor, the Kurzstatus, the CSV downloads and the API.

Per LeiKa Leistung, as-of date (``stichtag``) and area (Saxony, each Kreis):

- ``behoerden_zustaendig``: the distinct authorities responsible for the Leistung over the area's current
  Gemeinden, from the Zuständigkeit (execution level, Verwaltungsgemeinschaften/-verbände, overrides such
  as Große Kreisstädte and shared services) — exactly what ``jurisdiction.selectors.responsible_authority``
  answers for each Gemeinde (a test compares them);
- ``behoerden_mit_angebot``: those of them that offer it on the date — a live ``assistant.ActivationPeriod``
  (go-lives on the platform) or an imported ``AdoptionRecord`` (outside the platform);
- ``einwohner_gesamt`` / ``einwohner_mit_angebot``: population of the area's Gemeinden / of those whose
  responsible authority offers it; ``anteil_*`` the shares (0–1).

An authority that no longer exists (the administration of a dissolved Gemeinde) counts through the
successor: its offer is credited to today's responsible authority of the successor Gemeinde.
Worked examples: docs/standards/rollout.md.

Speed: the events (periods and records) are loaded once per *adoption stamp* and the per-Gemeinde
Zuständigkeit once per Leistung and reference snapshot; results per date are kept in memory. The stamp is
one SQL statement (counts, highest ids and change times of the tables involved), checked on every use,
together with the reference snapshot's own stamp (ADR 0018): every answer is exact after any change.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from amtsweg.catalog.models import ExecutionLevel, Leistung
from amtsweg.directory.models import Territory

from .coverage_index import (  # noqa: F401 (re-exported: the module's public face)
    SACHSEN,
    _Event,
    _holder,
    _Index,
    _static_for,
    current,
    index_builds,
    responsible_map,
)

_SHARE = Decimal("0.0001")
_DATES_KEPT = 64  # as-of dates kept per stamp (the monitor's history asks for a few dozen)


def share(part: int, whole: int) -> Decimal:
    """A share as a decimal 0–1 with four places (the API's and the CSV's value; the UI shows percent)."""
    if not whole:
        return Decimal("0.0000")
    return (Decimal(part) / Decimal(whole)).quantize(_SHARE, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Coverage:
    leistung_id: int
    gebiet: str  # ARS of the area
    gebiet_name: str
    stichtag: date
    behoerden_zustaendig: int
    behoerden_mit_angebot: int
    einwohner_gesamt: int
    einwohner_mit_angebot: int

    @property
    def anteil_behoerden(self) -> Decimal:
        return share(self.behoerden_mit_angebot, self.behoerden_zustaendig)

    @property
    def anteil_einwohner(self) -> Decimal:
        return share(self.einwohner_mit_angebot, self.einwohner_gesamt)


@dataclass
class LeistungCoverage:
    """One Leistung on one date: the Land, each Kreis, and which Gemeinden are covered (for the map)."""

    land: Coverage
    kreise: list[Coverage]
    covered_gemeinden: frozenset[int]  # Territory pks
    offering: frozenset[int]  # authority pks that offer it (after mapping dissolved ones)

    def area(self, ars: str) -> Coverage | None:
        if ars == self.land.gebiet:
            return self.land
        return next((k for k in self.kreise if k.gebiet == ars), None)

    def area_of(self, ars: str) -> Coverage:
        """The area's coverage where the caller knows the area exists (Sachsen, or a Kreis checked with
        ``selectors.area_known``); an unknown one is a programming error."""
        found = self.area(ars)
        if found is None:
            raise KeyError(f"Gebiet {ars} ist nicht erfasst")
        return found


# --- offers on a date ----------------------------------------------------------------------------------


def _offering(index: _Index, leistung_id: int, stichtag: date, resp: dict[int, int | None]) -> frozenset[int]:
    live = {
        e.authority_id
        for e in index.events.get(leistung_id, ())
        if e.since <= stichtag and (e.end is None or e.end > stichtag)
    }
    mapped = set()
    snap = index.snap
    for authority_id in live:
        authority = snap.authorities.get(authority_id)
        if authority is not None and not authority.active:
            # A dissolved Gemeinde's administration: its offer counts through the successor Gemeinde.
            successor = snap.current_of(authority.territory_id)
            authority_id = resp.get(successor.pk) or authority_id
        mapped.add(authority_id)
    return frozenset(mapped)


def _compute(index: _Index, leistung_id: int, stichtag: date) -> LeistungCoverage:
    """Per date only the offering authorities are visited: the rest is the map's static aggregate."""
    resp = responsible_map(index, leistung_id)
    static = _static_for(index, resp)
    offering = _offering(index, leistung_id, stichtag, resp)
    counted = offering & static.land_auth  # an offer by an authority responsible nowhere here covers nobody
    count: dict[int, int] = defaultdict(int)
    pop: dict[int, int] = defaultdict(int)
    covered: list[int] = []
    for authority_id in counted:
        for kreis_id, population in static.served[authority_id].items():
            count[kreis_id] += 1
            pop[kreis_id] += population
        covered.extend(static.gemeinden_of[authority_id])

    def make(territory: Territory | None, ars: str, zustaendig: int, mit: int, gesamt: int, erreicht: int):
        return Coverage(
            leistung_id=leistung_id,
            gebiet=ars,
            gebiet_name=territory.name if territory else "Sachsen",
            stichtag=stichtag,
            behoerden_zustaendig=zustaendig,
            behoerden_mit_angebot=mit,
            einwohner_gesamt=gesamt,
            einwohner_mit_angebot=erreicht,
        )

    kreise = [
        make(k, k.ars, len(static.kreis_auth.get(k.pk, ())), count[k.pk], static.kreis_pop.get(k.pk, 0), pop[k.pk])
        for k in index.kreise
    ]
    return LeistungCoverage(
        land=make(index.land, SACHSEN, len(static.land_auth), len(counted), static.land_pop, sum(pop.values())),
        kreise=kreise,
        covered_gemeinden=frozenset(covered),
        offering=offering,
    )


def _for_date(index: _Index, stichtag: date) -> dict[int, LeistungCoverage]:
    with index.lock:
        per_date = index._dates.get(stichtag)
        if per_date is None:
            per_date = {}
            index._dates[stichtag] = per_date
            while len(index._dates) > _DATES_KEPT:
                index._dates.popitem(last=False)
        else:
            index._dates.move_to_end(stichtag)
        return per_date


def coverage_for(
    *, leistung: Leistung | int, stichtag: date | None = None, index: _Index | None = None
) -> LeistungCoverage:
    """Coverage of one Leistung on ``stichtag`` (default today) for Saxony and every Kreis."""
    index = index or _holder.get()
    leistung_id = leistung if isinstance(leistung, int) else leistung.pk
    stichtag = stichtag or timezone.localdate()
    per_date = _for_date(index, stichtag)
    found = per_date.get(leistung_id)
    if found is None:
        found = _compute(index, leistung_id, stichtag)
        per_date[leistung_id] = found
    return found


def adopted_leistungen(*, stichtag: date | None = None, index: _Index | None = None) -> list[int]:
    """Leistungen with at least one adoption (on the platform or imported) that began by ``stichtag``."""
    index = index or _holder.get()
    stichtag = stichtag or timezone.localdate()
    return sorted(lid for lid, since in index.first_since.items() if since <= stichtag)


def first_offered(*, leistung_id: int, index: _Index | None = None) -> date | None:
    """The first day any authority offered the Leistung ("verfügbar seit")."""
    return (index or _holder.get()).first_since.get(leistung_id)


def live_events(*, leistung_id: int, stichtag: date, index: _Index | None = None) -> list[_Event]:
    """The adoption events of a Leistung live on ``stichtag`` (for the Reifegrad: platform or imported)."""
    index = index or _holder.get()
    return [e for e in index.events.get(leistung_id, ()) if e.since <= stichtag and (e.end is None or e.end > stichtag)]


def coverage_all(
    *, stichtag: date | None = None, leistung_ids: Iterable[int] | None = None, index: _Index | None = None
) -> list[LeistungCoverage]:
    """Coverage of many Leistungen (default: those with adoption by the date) on one date."""
    index = index or _holder.get()
    stichtag = stichtag or timezone.localdate()
    ids = adopted_leistungen(stichtag=stichtag, index=index) if leistung_ids is None else list(leistung_ids)
    return [coverage_for(leistung=lid, stichtag=stichtag, index=index) for lid in ids]


def municipal_leistungen(*, index: _Index | None = None) -> list[int]:
    """Every Leistung executed by Gemeinden or Kreise (the benchmark's "all Leistungen")."""
    index = index or _holder.get()
    return sorted(
        lid for lid, level in index.levels.items() if level in (ExecutionLevel.GEMEINDE, ExecutionLevel.KREIS)
    )
