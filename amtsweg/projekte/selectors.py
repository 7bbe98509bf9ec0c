"""Reads of the Projektlandkarte and the Beteiligung: one project's phases, the map of municipal Leistungen,
and "who else uses X and wants Y". The phase table (also for the rollout's Kurzstatus) is in
``amtsweg.projekte.phasentabelle``."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q, QuerySet

from amtsweg.catalog.models import ExecutionLevel, Leistung
from amtsweg.directory import permissions
from amtsweg.directory.models import Authority
from amtsweg.projekte.models import (
    Bewertung,
    Einladung,
    Ergebnisdokument,
    Kommentar,
    LandkarteEintrag,
    Mitwirkung,
    PhasenEreignis,
    PhasenStatus,
    ProduktNutzung,
    ProduktplanEintrag,
    Projekt,
)

# The phase table lives in its own module; importable from here as before (the Kurzstatus hook names
# ``amtsweg.projekte.selectors.kurzstatus_section``).
from amtsweg.projekte.phasentabelle import PhaseCell as PhaseCell
from amtsweg.projekte.phasentabelle import PhaseGroup as PhaseGroup
from amtsweg.projekte.phasentabelle import PhaseRow as PhaseRow
from amtsweg.projekte.phasentabelle import PhaseTable as PhaseTable
from amtsweg.projekte.phasentabelle import kurzstatus_section as kurzstatus_section
from amtsweg.projekte.phasentabelle import phase_table as phase_table
from amtsweg.projekte.phases import (
    PHASE_ORDER,
    PHASE_TITLES,
    STARTED_STATUSES,
    STATUS_SYMBOLS,
    Phase,
    Status,
    status_label,
)

KOMMUNE_KINDS = [
    Authority.Kind.GEMEINDEVERWALTUNG,
    Authority.Kind.KREISFREIE_STADT,
    Authority.Kind.LANDRATSAMT,
    Authority.Kind.VERWALTUNGSGEMEINSCHAFT,
    Authority.Kind.VERWALTUNGSVERBAND,
]
MUNICIPAL_LEVELS = [ExecutionLevel.GEMEINDE, ExecutionLevel.KREIS]


# --- who may do what -----------------------------------------------------------------------------------------------


def member_authority_ids(user) -> set[int]:
    """The Kommunen the user may act for in the Beteiligung: staff with a membership there (either role),
    read from ``directory.permissions``. Koordination acts as moderator, not for a Kommune: no ids."""
    ids = set(permissions.authority_roles(user))
    if not ids:
        return set()
    return set(Authority.objects.filter(pk__in=ids, kind__in=KOMMUNE_KINDS).values_list("pk", flat=True))


def member_authorities(user) -> QuerySet[Authority]:
    return Authority.objects.filter(pk__in=member_authority_ids(user)).order_by("name")


#: Zentrale Koordination as ``directory.permissions`` defines it (superuser or the Koordination group).
is_koordination = permissions.is_koordination


# --- one project ---------------------------------------------------------------------------------------------------


def projekt_stand(projekt: Projekt) -> str:
    """Short text of where a project stands now: the furthest phase that started, e.g. "Phase 2: in Bearbeitung"."""
    current = {row.phase: row for row in PhasenStatus.objects.filter(projekt=projekt)}
    for phase in reversed(PHASE_ORDER):
        row = current.get(phase.value)
        if row is not None and row.status in STARTED_STATUSES:
            name = (
                "Produkt"
                if phase == Phase.PRODUKT
                else ("Leistungsanalyse" if phase == Phase.LA else f"Phase {phase.label}")
            )
            return f"{name}: {status_label(row.status)}"
    return "nicht begonnen"


def projekt_detail(*, pk: int) -> Projekt | None:
    return (
        Projekt.objects.select_related("paket")
        .prefetch_related("leistungen", "fussnoten", "rollen__authority", "werkstaetten__einladungen__authority")
        .filter(pk=pk)
        .first()
    )


def projekt_phasen(projekt: Projekt) -> list[dict]:
    current = {row.phase: row for row in PhasenStatus.objects.filter(projekt=projekt)}
    out = []
    for phase in PHASE_ORDER:
        row = current.get(phase.value)
        status = row.status if row else Status.NICHT_BEGONNEN
        out.append(
            {
                "phase": phase.value,
                "label": phase.label,
                "title": PHASE_TITLES[phase],
                "status": status,
                "status_label": status_label(status, row.plan_year if row else None),
                "symbol": STATUS_SYMBOLS[Status(status)],
                "since": row.since if row else None,
            }
        )
    return out


def projekt_verlauf(projekt: Projekt) -> QuerySet[PhasenEreignis]:
    return PhasenEreignis.objects.filter(projekt=projekt).select_related("user").order_by("-date", "-id")


# --- the map -------------------------------------------------------------------------------------------------------


def relevant_leistungen() -> QuerySet[Leistung]:
    """Municipally relevant Leistungen: by the catalogue's execution level (Gemeinde/Kreis) unless the map's
    editable flag says otherwise."""
    return Leistung.objects.filter(
        Q(landkarte__relevant=True) | Q(landkarte__isnull=True, execution_level__in=MUNICIPAL_LEVELS),
        published=True,
    )


def landkarte(*, themenfeld: str = "", query: str = "") -> QuerySet[Leistung]:
    leistungen = relevant_leistungen().select_related("ozg__lebenslage__themenfeld", "landkarte__produkt")
    if themenfeld:
        leistungen = leistungen.filter(ozg__lebenslage__themenfeld__slug=themenfeld)
    if query:
        leistungen = leistungen.filter(name__icontains=query)
    return leistungen.order_by("ozg__lebenslage__themenfeld__name", "ozg__lebenslage__name", "name")


def landkarte_themenfelder() -> list[dict]:
    counts: dict[str, int] = defaultdict(int)
    names: dict[str, str] = {}
    for slug, name in relevant_leistungen().values_list(
        "ozg__lebenslage__themenfeld__slug", "ozg__lebenslage__themenfeld__name"
    ):
        counts[slug] += 1
        names[slug] = name
    return [
        {"slug": slug, "name": names[slug], "count": counts[slug]} for slug in sorted(names, key=lambda s: names[s])
    ]


def leistung_projekte(leistung: Leistung) -> list[dict]:
    return [
        {"projekt": projekt, "stand": projekt_stand(projekt)}
        for projekt in Projekt.objects.filter(leistungen=leistung).select_related("paket")
    ]


def landkarte_eintrag(leistung: Leistung) -> LandkarteEintrag | None:
    return LandkarteEintrag.objects.filter(leistung=leistung).select_related("produkt").first()


def leistungen_stand(leistungen) -> dict[int, list[dict]]:
    """For the map: per Leistung id the projects covering it with their current stand."""
    ids = [leistung.pk for leistung in leistungen]
    out: dict[int, list[dict]] = {}
    through = Projekt.leistungen.through.objects.filter(leistung_id__in=ids).select_related("projekt")
    for link in through:
        out.setdefault(link.leistung_id, []).append({"projekt": link.projekt, "stand": projekt_stand(link.projekt)})
    return out


def mitwirkende(leistung: Leistung) -> dict[str, list[Authority]]:
    offers: dict[str, list[Authority]] = {}
    for m in Mitwirkung.objects.filter(leistung=leistung).select_related("authority").order_by("authority__name"):
        offers.setdefault(m.get_art_display(), []).append(m.authority)
    return offers


def kommune_state(*, authority: Authority, leistung: Leistung) -> dict:
    """What one Kommune said about one Leistung: rating, offers, products."""
    rating = Bewertung.objects.filter(authority=authority, leistung=leistung).first()
    return {
        "stufe": rating.stufe if rating else None,
        "mitwirkung": set(
            Mitwirkung.objects.filter(authority=authority, leistung=leistung).values_list("art", flat=True)
        ),
        "produkte": [
            n.product
            for n in ProduktNutzung.objects.filter(authority=authority, leistung=leistung).select_related("product")
        ],
    }


def kommentare(*, leistung: Leistung | None = None, projekt: Projekt | None = None, user=None):
    """Released comments, plus the user's own Kommune's comments still waiting (so they see them)."""
    own = member_authority_ids(user) if user is not None else set()
    comments = Kommentar.objects.filter(
        Q(status=Kommentar.Status.FREIGEGEBEN) | Q(authority_id__in=own, status=Kommentar.Status.EINGEREICHT)
    )
    comments = comments.filter(leistung=leistung) if leistung is not None else comments.filter(projekt=projekt)
    return comments.select_related("authority")


def kommentare_offen():
    return Kommentar.objects.filter(status=Kommentar.Status.EINGEREICHT).select_related(
        "authority", "leistung", "projekt"
    )


def dokument_for(*, user, pk: int) -> Ergebnisdokument | None:
    """A Werkstatt's result document for the Koordination or a Kommune invited to that Werkstatt; None for
    anyone else (the view: 404) — a Protokoll is for the Werkstatt's participants, not every Kommune."""
    documents = Ergebnisdokument.objects.filter(pk=pk)
    if not is_koordination(user):
        documents = documents.filter(werkstatt__einladungen__authority_id__in=member_authority_ids(user))
    return documents.first()


def einladungen_fuer(user):
    return (
        Einladung.objects.filter(authority_id__in=member_authority_ids(user))
        .select_related("werkstatt__projekt", "authority")
        .order_by("werkstatt__date")
    )


def _produktplan_descendants(entries, root) -> set[int]:
    children = defaultdict(list)
    for entry in entries:
        children[entry.parent_id].append(entry.pk)
    found, todo = set(), [root.pk]
    while todo:
        pk = todo.pop()
        found.add(pk)
        todo.extend(children[pk])
    return found


def produktplan_baum() -> list[dict]:
    """The product plan in number order with depth and the number of map Leistungen filed under each node
    (including its children, by the parent links: "124" is below "12"), for the map's second grouping."""
    entries = list(ProduktplanEintrag.objects.order_by("number"))
    direct: dict[int, int] = defaultdict(int)
    for produkt_id in LandkarteEintrag.objects.filter(produkt__isnull=False).values_list("produkt_id", flat=True):
        direct[produkt_id] += 1
    order = list(ProduktplanEintrag.Ebene.values)
    return [
        {
            "entry": entry,
            "depth": order.index(entry.ebene),
            "count": sum(direct[pk] for pk in _produktplan_descendants(entries, entry)),
        }
        for entry in entries
    ]


def landkarte_nach_produkt(number: str) -> QuerySet[Leistung]:
    root = ProduktplanEintrag.objects.filter(number=number).first()
    ids = _produktplan_descendants(list(ProduktplanEintrag.objects.all()), root) if root else set()
    return (
        relevant_leistungen()
        .filter(landkarte__produkt_id__in=ids)
        .select_related("ozg__lebenslage__themenfeld", "landkarte__produkt")
        .order_by("name")
    )
