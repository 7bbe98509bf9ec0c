"""Reads of the roll-out monitor: the table, a service's detail and history. Every figure comes from
``coverage.py`` (one computation), so the page, the Kurzstatus, the CSV and the API cannot differ."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from amtsweg.catalog.models import Leistung
from amtsweg.directory.models import Authority

from . import coverage
from .coverage import SACHSEN, Coverage, LeistungCoverage
from .models import AdoptionRecord, PlannedService, ReportLabel

# Groups of the Kurzstatus ("im Vollzug der …"), by who is responsible across Saxony.
GROUP_KREISE = "kreise"
GROUP_BEIDE = "beide"
GROUP_GEMEINDEN = "gemeinden"
GROUPS = (
    (GROUP_KREISE, "im Vollzug der Landkreise"),
    (GROUP_BEIDE, "im Vollzug der Landkreise & Gemeinden"),
    (GROUP_GEMEINDEN, "im Vollzug der Gemeinden"),
)
SORTS = {
    "name": "Online-Leistung",
    "anzahl": "Anzahl",
    "anteil_behoerden": "nach Anzahl der zuständigen Behörden",
    "anteil_einwohner": "nach Einwohnerzahl",
}
DEFAULT_SORT = "anteil_einwohner"


@dataclass(frozen=True)
class Row:
    leistung_id: int
    leika_key: str
    title: str
    footnote: str
    group: str
    verfuegbar_seit: date | None
    coverage: Coverage  # for the requested area
    footnote_no: int | None = None


def areas() -> list[tuple[str, str]]:
    """Saxony and its Kreise (ARS, name) — the areas the monitor can show (from the reference snapshot)."""
    kreise = sorted(coverage.current().kreise, key=lambda k: k.name)
    return [(SACHSEN, "Sachsen")] + [(k.ars, k.name) for k in kreise if k.ars.startswith(SACHSEN)]


def area_known(ars: str) -> bool:
    return ars == SACHSEN or any(a == ars for a, _ in areas())


def leistung_group(leistung_id: int, index=None) -> str:
    """The Kurzstatus group: who is responsible across Saxony (Landratsämter, Gemeinden or both)."""
    index = index or coverage.current()
    found = index._groups.get(leistung_id)
    if found is not None:
        return found
    kinds = {
        index.snap.authorities[pk].kind
        for pk in set(coverage.responsible_map(index, leistung_id).values())
        if pk is not None and pk in index.snap.authorities
    }
    municipal = kinds - {Authority.Kind.LANDRATSAMT, Authority.Kind.KREISFREIE_STADT}
    found = GROUP_GEMEINDEN
    if Authority.Kind.LANDRATSAMT in kinds:
        found = GROUP_BEIDE if municipal else GROUP_KREISE
    index._groups[leistung_id] = found
    return found


def _rows(results: list[LeistungCoverage], gebiet: str, index) -> list[Row]:
    ids = [r.land.leistung_id for r in results]
    leistungen = {row[0]: row for row in Leistung.objects.filter(pk__in=ids).values_list("pk", "leika_key", "name")}
    labels = {lab.leistung_id: lab for lab in ReportLabel.objects.filter(leistung_id__in=ids)}
    rows = []
    for result in results:
        lid = result.land.leistung_id
        area = result.area(gebiet)
        if area is None:
            continue
        _, key, name = leistungen[lid]
        label = labels.get(lid)
        rows.append(
            Row(
                leistung_id=lid,
                leika_key=key,
                title=label.title if label else name,
                footnote=label.footnote if label else "",
                group=leistung_group(lid, index),
                verfuegbar_seit=coverage.first_offered(leistung_id=lid, index=index),
                coverage=area,
            )
        )
    return rows


def _sort_key(sort: str):
    if sort == "name":
        return lambda r: (r.title.lower(),)
    if sort == "anzahl":
        return lambda r: (r.coverage.behoerden_mit_angebot, r.coverage.anteil_einwohner, r.title.lower())
    if sort == "anteil_behoerden":
        return lambda r: (r.coverage.anteil_behoerden, r.coverage.anteil_einwohner, r.title.lower())
    return lambda r: (r.coverage.anteil_einwohner, r.coverage.anteil_behoerden, r.title.lower())


def rollout_table(
    *, stichtag: date | None = None, gebiet: str = SACHSEN, sort: str = DEFAULT_SORT, descending: bool = True
) -> list[Row]:
    """Every Leistung offered somewhere by ``stichtag``, with its coverage of ``gebiet``; sorted like the
    SAKD table by default (population share, highest first). Footnotes are numbered in table order."""
    stichtag = stichtag or timezone.localdate()
    index = coverage.current()
    rows = _rows(coverage.coverage_all(stichtag=stichtag, index=index), gebiet, index)
    sort = sort if sort in SORTS else DEFAULT_SORT
    if sort == "name":
        rows.sort(key=_sort_key(sort), reverse=descending)
    else:
        # Ties stay alphabetical whichever way the figures are sorted.
        rows.sort(key=lambda r: r.title.lower())
        rows.sort(key=lambda r: _sort_key(sort)(r)[:-1], reverse=descending)
    numbered, n = [], 0
    for row in rows:
        if row.footnote:
            n += 1
            row = Row(**{**row.__dict__, "footnote_no": n})
        numbered.append(row)
    return numbered


def leistung_by_leika(*, leika: str) -> Leistung | None:
    return Leistung.objects.filter(leika_key=leika).first() if leika else None


def leistung_title(leistung: Leistung) -> str:
    label = ReportLabel.objects.filter(leistung=leistung).first()
    return label.title if label else leistung.name


def history_dates(*, leistung_id: int, stichtag: date, max_points: int = 24, index=None) -> list[date]:
    """First of each month (or quarter, for long histories) from the first offer up to ``stichtag``."""
    first = coverage.first_offered(leistung_id=leistung_id, index=index)
    if first is None or first > stichtag:
        return [stichtag]
    months = (stichtag.year - first.year) * 12 + stichtag.month - first.month
    step = max(1, -(-months // max_points))
    points = []
    year, month = first.year, first.month
    while (year, month) <= (stichtag.year, stichtag.month):
        day = date(year, month, 1)
        if first <= day <= stichtag:
            points.append(day)
        month += step
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    if not points or points[-1] != stichtag:
        points.append(stichtag)
    return points


def history(*, leistung_id: int, stichtag: date, gebiet: str = SACHSEN) -> list[Coverage]:
    index = coverage.current()
    return [
        coverage.coverage_for(leistung=leistung_id, stichtag=d, index=index).area_of(gebiet)
        for d in history_dates(leistung_id=leistung_id, stichtag=stichtag, index=index)
    ]


def overview_by_kreis(*, stichtag: date) -> dict[str, float]:
    results = coverage.coverage_all(stichtag=stichtag, index=coverage.current())
    means: dict[str, list[float]] = {}
    for result in results:
        for area in result.kreise:
            if area.behoerden_zustaendig:
                means.setdefault(area.gebiet, []).append(float(area.anteil_einwohner))
    return {ars: sum(v) / len(v) for ars, v in means.items()}


def planned_services(*, stichtag: date) -> list[PlannedService]:
    """Services "kurz vor der Fertigstellung": planned, not done, and not yet offered anywhere on the date."""
    offered = set(coverage.adopted_leistungen(stichtag=stichtag))
    return [
        p for p in PlannedService.objects.select_related("leistung").filter(done=False) if p.leistung_id not in offered
    ]


def adoption_rows(*, stichtag: date | None = None) -> list[dict]:
    """Who offers what (open data): platform go-lives and imported records, live on ``stichtag`` (or all)."""
    from amtsweg.assistant.selectors import activation_periods

    out = []
    for p in activation_periods():
        if p.activation.definition.leistung_id is None:
            continue
        since = timezone.localdate(p.since)
        until = timezone.localdate(p.until) if p.until else None
        if stichtag and not (since <= stichtag and (until is None or until > stichtag)):
            continue
        out.append(
            {
                "leika": p.activation.definition.leistung.leika_key,
                "leistung": p.activation.definition.leistung.name,
                "behoerde": p.activation.authority.name,
                "ars": p.activation.authority.territory.ars,
                "seit": since.isoformat(),
                "bis": until.isoformat() if until else "",
                "loesung": "Amtsweg",
                "quelle": "Plattform",
            }
        )
    records = AdoptionRecord.objects.select_related("leistung", "authority", "territory")
    for r in records:
        if stichtag and not (r.since <= stichtag and (r.until is None or r.until >= stichtag)):
            continue
        out.append(
            {
                "leika": r.leistung.leika_key,
                "leistung": r.leistung.name,
                "behoerde": r.authority.name,
                "ars": r.territory.ars,
                "seit": r.since.isoformat(),
                "bis": r.until.isoformat() if r.until else "",
                "loesung": r.solution,
                "quelle": r.source,
            }
        )
    out.sort(key=lambda d: (d["leika"], d["ars"], d["seit"]))
    return out
