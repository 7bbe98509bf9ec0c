"""The phase table "Stand der einzelnen OZG-Projekte" on a Stichtag (Projektlandkarte, its exports and the
rollout's Kurzstatus). Reads only; also importable from ``amtsweg.projekte.selectors``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from amtsweg.projekte.models import Fussnote, PhasenEreignis, Projekt
from amtsweg.projekte.phases import (
    OPTION_SYMBOLS,
    PHASE_ORDER,
    PHASE_TITLES,
    STATUS_SYMBOLS,
    Option,
    Phase,
    Status,
    status_label,
)

# --- the table -----------------------------------------------------------------------------------------------


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


def _latest_events(stichtag: dt.date) -> dict[tuple[int, str], PhasenEreignis]:
    """Per (project, phase) the last history entry dated on or before ``stichtag``."""
    latest: dict[tuple[int, str], PhasenEreignis] = {}
    for entry in PhasenEreignis.objects.filter(date__lte=stichtag).order_by("date", "id"):
        latest[(entry.projekt_id, entry.phase)] = entry
    return latest


def _cell(phase: Phase, event: PhasenEreignis | None) -> PhaseCell:
    status = event.status if event else Status.NICHT_BEGONNEN
    return PhaseCell(
        phase=phase.value,
        label=phase.label,
        status=status,
        status_label=status_label(status, event.plan_year if event else None),
        symbol=STATUS_SYMBOLS[Status(status)],
        since=event.date if event else None,
    )


def _row(projekt: Projekt, latest: dict[tuple[int, str], PhasenEreignis]) -> PhaseRow:
    return PhaseRow(
        projekt_id=projekt.pk,
        key=projekt.key,
        lp=projekt.paket.number,
        lp_name=projekt.paket.name,
        lb=projekt.lb,
        title=projekt.title,
        note=projekt.note,
        footnotes=tuple(sorted(f.number for f in projekt.fussnoten.all())),
        options=tuple(projekt.options),
        cells=tuple(_cell(phase, latest.get((projekt.pk, phase.value))) for phase in PHASE_ORDER),
        leistungen=tuple(sorted(leistung.name for leistung in projekt.leistungen.all())),
    )


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
    latest = _latest_events(stichtag)
    projekte = (
        Projekt.objects.filter(pk__in={pid for pid, _ in latest})
        .select_related("paket")
        .prefetch_related("fussnoten", "leistungen")
        .order_by("paket__number", "position", "id")
    )
    groups: dict[str, list[PhaseRow]] = {}
    names: dict[str, str] = {}
    used_footnotes: set[int] = set()
    for projekt in projekte:
        row = _row(projekt, latest)
        used_footnotes.update(row.footnotes)
        names[row.lp] = row.lp_name
        groups.setdefault(row.lp, []).append(row)
    return PhaseTable(
        stichtag=stichtag,
        columns=tuple((p.value, p.label, PHASE_TITLES[p]) for p in PHASE_ORDER),
        groups=tuple(PhaseGroup(lp=lp, name=names[lp], rows=tuple(rows)) for lp, rows in groups.items()),
        status_legend=tuple((s.value, status_label(s.value, stichtag.year), STATUS_SYMBOLS[s]) for s in Status),
        option_legend=tuple((o.value, o.label, OPTION_SYMBOLS[o]) for o in Option),
        footnotes=tuple(Fussnote.objects.filter(number__in=used_footnotes).values_list("number", "text")),
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
