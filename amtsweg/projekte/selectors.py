"""Reads of the Projektlandkarte and the Beteiligung: the phase table (also for the rollout's Kurzstatus),
the map of municipal Leistungen, the ranking with its formula, and "who else uses X and wants Y"."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from amtsweg.catalog.models import ExecutionLevel, Leistung
from amtsweg.directory import permissions
from amtsweg.directory.models import Authority
from amtsweg.projekte.models import (
    Bewertung,
    Einladung,
    Ergebnisdokument,
    Fussnote,
    Kommentar,
    LandkarteEintrag,
    Mitwirkung,
    PhasenEreignis,
    PhasenStatus,
    ProduktNutzung,
    ProduktplanEintrag,
    Projekt,
)
from amtsweg.projekte.phases import (
    OPTION_SYMBOLS,
    PHASE_ORDER,
    PHASE_TITLES,
    STARTED_STATUSES,
    STATUS_SYMBOLS,
    Option,
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


# --- the phase table -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhaseCell:
    phase: str  # "la", "p1" … "p4", "produkt"
    label: str  # "LA", "1" … "4", "Produkt" (the column heading, printed in the cell too)
    status: str  # a phases.Status value
    status_label: str  # "in Bearbeitung", "Plan 2023", …
    symbol: str  # ○ ◐ ● ◇ – (so the cell does not rely on colour)
    since: dt.date | None  # date of the status


@dataclass(frozen=True)
class PhaseRow:
    projekt_id: int
    key: str
    lp: str
    lp_name: str
    lb: str  # "" = a further row of the bundle above
    title: str
    note: str  # the italic addition ("Ausbaustufe II: …")
    footnotes: tuple[int, ...]
    options: tuple[str, ...]  # phases.Option values
    cells: tuple[PhaseCell, ...]  # always the six phases in order
    leistungen: tuple[str, ...]  # names of the covered catalogue Leistungen


@dataclass(frozen=True)
class PhaseGroup:
    lp: str
    name: str
    rows: tuple[PhaseRow, ...]


@dataclass(frozen=True)
class PhaseTable:
    stichtag: dt.date
    columns: tuple[tuple[str, str, str], ...]  # (phase, label, legend title)
    groups: tuple[PhaseGroup, ...]
    status_legend: tuple[tuple[str, str, str], ...]  # (status, label, symbol); Plan with the Stichtag's year
    option_legend: tuple[tuple[str, str, str], ...]  # (option, text, symbol)
    footnotes: tuple[tuple[int, str], ...] = field(default=())

    @property
    def rows(self) -> list[PhaseRow]:
        return [row for group in self.groups for row in group.rows]


def phase_table(*, stichtag: dt.date) -> PhaseTable:
    """The "Stand der einzelnen OZG-Projekte" table as it was on ``stichtag``.

    Stable shape for other apps (the rollout's Kurzstatus renders it): a ``PhaseTable`` with
    - ``columns``: the six phases ``(key, label, title)``: ("la", "LA", "Leistungsanalyse") … ("produkt", "Produkt", …);
    - ``groups``: one ``PhaseGroup(lp, name, rows)`` per Leistungspaket, in LP order; ``rows`` (property) flattens them;
    - each ``PhaseRow``: ``lp``, ``lb`` ("" for a further row of the same bundle), ``title``, ``note`` (italic
      addition), ``footnotes`` (numbers), ``options`` (``Option`` values, see ``option_legend``), ``cells`` (six
      ``PhaseCell(phase, label, status, status_label, symbol, since)``), ``leistungen`` (names), ``projekt_id``,
      ``key``;
    - ``status_legend``: ``(status, label, symbol)`` for the five statuses ("Plan <year of stichtag>");
    - ``footnotes``: ``(number, text)`` of the footnotes the rows refer to.
    The status of a cell is the last history entry (``PhasenEreignis``) dated on or before ``stichtag``; projects
    without any entry by then are left out. Render the symbol or the status label in every cell (not colour alone).
    """
    latest: dict[tuple[int, str], PhasenEreignis] = {}
    for entry in PhasenEreignis.objects.filter(date__lte=stichtag).order_by("date", "id"):
        latest[(entry.projekt_id, entry.phase)] = entry
    projekt_ids = {pid for pid, _ in latest}
    projekte = (
        Projekt.objects.filter(pk__in=projekt_ids)
        .select_related("paket")
        .prefetch_related("fussnoten", "leistungen")
        .order_by("paket__number", "position", "id")
    )
    groups: dict[str, list[PhaseRow]] = {}
    names: dict[str, str] = {}
    used_footnotes: set[int] = set()
    for projekt in projekte:
        cells = []
        for phase in PHASE_ORDER:
            event = latest.get((projekt.pk, phase.value))
            status = event.status if event else Status.NICHT_BEGONNEN
            year = event.plan_year if event else None
            cells.append(
                PhaseCell(
                    phase=phase.value,
                    label=phase.label,
                    status=status,
                    status_label=status_label(status, year),
                    symbol=STATUS_SYMBOLS[Status(status)],
                    since=event.date if event else None,
                )
            )
        footnotes = tuple(sorted(f.number for f in projekt.fussnoten.all()))
        used_footnotes.update(footnotes)
        names[projekt.paket.number] = projekt.paket.name
        groups.setdefault(projekt.paket.number, []).append(
            PhaseRow(
                projekt_id=projekt.pk,
                key=projekt.key,
                lp=projekt.paket.number,
                lp_name=projekt.paket.name,
                lb=projekt.lb,
                title=projekt.title,
                note=projekt.note,
                footnotes=footnotes,
                options=tuple(projekt.options),
                cells=tuple(cells),
                leistungen=tuple(sorted(leistung.name for leistung in projekt.leistungen.all())),
            )
        )
    return PhaseTable(
        stichtag=stichtag,
        columns=tuple((p.value, p.label, PHASE_TITLES[p]) for p in PHASE_ORDER),
        groups=tuple(PhaseGroup(lp=lp, name=names[lp], rows=tuple(rows)) for lp, rows in groups.items()),
        status_legend=tuple((s.value, status_label(s.value, stichtag.year), STATUS_SYMBOLS[s]) for s in Status),
        option_legend=tuple((o.value, o.label, OPTION_SYMBOLS[o]) for o in Option),
        footnotes=tuple(Fussnote.objects.filter(number__in=used_footnotes).values_list("number", "text")),
    )


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


def kurzstatus_section(*, stichtag: dt.date) -> dict | None:
    """The phase table as a plain section of the roll-out monitor's Kurzstatus (its hook
    ``AMTSWEG_KURZSTATUS_SECTIONS``): text in every cell, legend and footnotes in the note."""
    table = phase_table(stichtag=stichtag)
    if not table.rows:
        return None
    rows = []
    for row in table.rows:
        marks = "".join(f" {number})" for number in row.footnotes)
        title = f"{row.title} – {row.note}" if row.note else row.title
        cells = [f"{cell.symbol} {cell.status_label}" for cell in row.cells]
        rows.append([row.lp, row.lb, title + marks, *cells])
    legend = "; ".join(f"{symbol} {label}" for _status, label, symbol in table.status_legend)
    notes = " ".join(f"{number}) {text}" for number, text in table.footnotes)
    return {
        "title": "Stand der einzelnen OZG-Projekte",
        "columns": ["LP", "LB", "Leistungsbündel", *[label for _key, label, _title in table.columns]],
        "rows": rows,
        "note": f"Legende: {legend}. {notes}".strip(),
    }
