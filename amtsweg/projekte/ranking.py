"""Aggregates of the Beteiligung (reads only): vote distribution, the ranked backlog, and "who else uses
Fachverfahren X and wants Leistung Y".

The ranking formula (shown on the page, see ``FORMULA``):

    Punkte = Ø Bedeutung + 2 × Nachfrage + Priorität
    Ø Bedeutung = Σ(w·s) / Σ w        s = 1 niedrig, 2 mittel, 3 hoch, 4 dringend; w = 1 je Kommune
                                       (bevölkerungsgewichtet: w = Einwohnerzahl der Kommune)
    Nachfrage   = Σ w der Kommunen, die die Leistung bewertet haben / Σ w aller Kommunen, die irgendeine
                  Leistung bewertet haben (0 … 1)
    Priorität   = 0,5 × Top-100 + 0,25 × 115 + 0,25 × SDG (OZG-Prioritäten der Landkarte)

A Leistung only one Kommune finds "dringend" so ranks below one that many find "hoch".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q

from amtsweg.catalog.models import Leistung
from amtsweg.directory.models import Authority
from amtsweg.hub.models import Product, TargetSystem
from amtsweg.projekte.models import Bewertung, LandkarteEintrag, Mitwirkung, ProduktNutzung, Projekt

FORMULA = (
    "Punkte = Ø Bedeutung + 2 × Nachfrage + Priorität. "
    "Ø Bedeutung: Mittel der Bewertungen (niedrig = 1, mittel = 2, hoch = 3, dringend = 4), je Kommune gleich "
    "gewichtet oder – bei Gewichtung nach Einwohnern – mit der Einwohnerzahl der Kommune. "
    "Nachfrage: Anteil der bewertenden Kommunen (bzw. ihrer Einwohner) an allen Kommunen, die sich an der "
    "Bewertung beteiligt haben (0 bis 1). "
    "Priorität: 0,5 für eine Top-100-Leistung, 0,25 für eine 115-Leistung, 0,25 für eine SDG-Leistung."
)
DEMAND_FACTOR = 2.0
PRIORITY_WEIGHTS = {"top100": 0.5, "nr115": 0.25, "sdg": 0.25}


@dataclass
class RankRow:
    leistung_id: int
    name: str
    slug: str
    votes: dict[int, int] = field(default_factory=dict)  # stufe -> number of Kommunen
    kommunen: int = 0
    mean: float = 0.0
    demand: float = 0.0
    priority: float = 0.0
    flags: tuple[str, ...] = ()
    score: float = 0.0
    projekte: tuple[str, ...] = ()


def _weight(authority: Authority, weighted: bool) -> float:
    if not weighted:
        return 1.0
    population = authority.territory.population if authority.territory_id else None
    return float(population or 1)


def vote_distribution(leistung: Leistung) -> dict[int, int]:
    counts = dict.fromkeys(Bewertung.Stufe.values, 0)
    for stufe in Bewertung.objects.filter(leistung=leistung).values_list("stufe", flat=True):
        counts[stufe] += 1
    return counts


def ranking(*, weighted: bool = False, limit: int | None = None) -> list[RankRow]:
    """Rated Leistungen, best first (ties by name); see the module docstring for the formula."""
    ratings = list(Bewertung.objects.select_related("authority__territory", "leistung"))
    weights: dict[int, float] = {}
    for rating in ratings:
        weights.setdefault(rating.authority_id, _weight(rating.authority, weighted))
    total_weight = sum(weights.values()) or 1.0
    rows: dict[int, RankRow] = {}
    sums: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for rating in ratings:
        row = rows.setdefault(
            rating.leistung_id,
            RankRow(
                rating.leistung_id, rating.leistung.name, rating.leistung.slug, dict.fromkeys(Bewertung.Stufe.values, 0)
            ),
        )
        row.votes[rating.stufe] += 1
        row.kommunen += 1
        weight = weights[rating.authority_id]
        sums[rating.leistung_id][0] += weight * rating.stufe
        sums[rating.leistung_id][1] += weight
    entries = {e.leistung_id: e for e in LandkarteEintrag.objects.filter(leistung_id__in=rows)}
    projekte = defaultdict(list)
    for leistung_id, key in Projekt.leistungen.through.objects.filter(leistung_id__in=rows).values_list(
        "leistung_id", "projekt__key"
    ):
        projekte[leistung_id].append(key)
    for leistung_id, row in rows.items():
        weighted_sum, weight_sum = sums[leistung_id]
        row.mean = weighted_sum / weight_sum
        row.demand = weight_sum / total_weight
        entry = entries.get(leistung_id)
        row.flags = tuple(flag for flag in PRIORITY_WEIGHTS if entry is not None and getattr(entry, flag))
        row.priority = sum(PRIORITY_WEIGHTS[flag] for flag in row.flags)
        row.score = round(row.mean + DEMAND_FACTOR * row.demand + row.priority, 4)
        row.mean, row.demand = round(row.mean, 4), round(row.demand, 4)
        row.projekte = tuple(projekte[leistung_id])
    ordered = sorted(rows.values(), key=lambda r: (-r.score, r.name))
    return ordered[:limit] if limit else ordered


@dataclass
class Match:
    authority: Authority
    via: tuple[str, ...]  # "gemeldet" (Beteiligung) and/or "Zielsystem" (Konfigurationsportal)
    stufe: str  # their rating of the Leistung ("" = none)
    mitwirkung: tuple[str, ...]


def kommunen_matching(*, product: Product, leistung: Leistung) -> list[Match]:
    """Kommunen that use ``product`` (reported here or configured as a target system) and want ``leistung``
    (rated it hoch/dringend or offered to help with it) — so they can team up."""
    reported = set(ProduktNutzung.objects.filter(product=product).values_list("authority_id", flat=True))
    configured = set(TargetSystem.objects.filter(product=product, active=True).values_list("authority_id", flat=True))
    ratings = dict(Bewertung.objects.filter(leistung=leistung).values_list("authority_id", "stufe"))
    offers = defaultdict(list)
    for authority_id, art in Mitwirkung.objects.filter(leistung=leistung).values_list("authority_id", "art"):
        offers[authority_id].append(Mitwirkung.Art(art).label)
    wanting = {a for a, stufe in ratings.items() if stufe >= Bewertung.Stufe.HOCH} | set(offers)
    ids = (reported | configured) & wanting
    matches = []
    for authority in Authority.objects.filter(pk__in=ids).order_by("name"):
        via = tuple(
            label
            for label, found in (("gemeldet", authority.pk in reported), ("Zielsystem", authority.pk in configured))
            if found
        )
        stufe = Bewertung.Stufe(ratings[authority.pk]).label if authority.pk in ratings else ""
        matches.append(Match(authority, via, stufe, tuple(sorted(offers.get(authority.pk, [])))))
    return matches


def products_in_use(leistung: Leistung | None = None):
    """Products of the shared inventory with the number of Kommunen reporting them (optionally for one Leistung)."""
    usages = ProduktNutzung.objects.all()
    if leistung is not None:
        usages = usages.filter(leistung=leistung)
    counts = defaultdict(set)
    for product_id, authority_id in usages.values_list("product_id", "authority_id"):
        counts[product_id].add(authority_id)
    return [(p, len(counts[p.pk])) for p in Product.objects.filter(Q(pk__in=counts)).order_by("name")]
