"""Writes of the roll-out monitor: importing adoption records (CSV) and publishing the Kurzstatus."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from django.db import transaction

from amtsweg.catalog.models import Leistung
from amtsweg.directory.models import Authority, Territory
from amtsweg.jurisdiction.snapshot import snapshot

from . import coverage
from .models import AdoptionRecord, KurzstatusPublication

COLUMNS = ("leika", "ars", "seit", "bis", "loesung")
_KINDS = {Territory.Kind.GEMEINDE, Territory.Kind.GEMEINDEVERBAND, Territory.Kind.KREIS}


class AdoptionImportError(Exception):
    """The file was not imported; ``problems`` lists every bad row (German, with line numbers)."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ImportResult:
    created: int
    replaced: int


def _date(value: str) -> date:
    return date.fromisoformat(value.strip())


def _territory(ars: str) -> Territory | None:
    """Today's unit for an ARS; a dissolved Gemeinde's ARS leads to its successor."""
    snap = snapshot()
    rows = [t for t in snap.territories.values() if t.ars == ars and t.kind in _KINDS]
    if not rows:
        return None
    current = [t for t in rows if t.valid_until is None]
    # Without a current row every row has an end date.
    row = current[0] if current else max(rows, key=lambda t: t.valid_until or date.min)
    return snap.current_of(row.pk)


def _responsible(leistung: Leistung, territory: Territory) -> tuple[Authority | None, str]:
    """The authority responsible for ``leistung`` in ``territory`` (one), or a German reason why not."""
    index = coverage.current()
    resp = coverage.responsible_map(index, leistung.pk)
    members = [g for g in index.gemeinden if g.ars.startswith(territory.ars)]
    found = {authority_id for g in members if (authority_id := resp.get(g.pk)) is not None}
    snap = index.snap
    if not found:
        return None, (
            f"Für „{leistung.name}“ ist in {territory.name} keine kommunale Behörde zuständig "
            f"(Vollzugsebene: {leistung.get_execution_level_display()})."
        )
    if len(found) == 1:
        return snap.authorities[found.pop()], ""
    own = [pk for pk in found if snap.authorities[pk].territory_id == territory.pk]
    if len(own) == 1:
        # E.g. a Kreis whose Große Kreisstädte do the task themselves: the Kreis names the Landratsamt.
        return snap.authorities[own[0]], ""
    return None, (
        f"In {territory.name} sind {len(found)} Behörden für „{leistung.name}“ zuständig; "
        "bitte geben Sie den Regionalschlüssel der Gemeinde oder des Gemeindeverbands an."
    )


def _csv_reader(data: str) -> csv.DictReader:
    """A reader over the CSV text with lower-case column names; a header without the needed columns is refused."""
    text = data.lstrip("\ufeff")
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else "", delimiters=",;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header and c != "bis"]
    if missing:
        raise AdoptionImportError(
            [f"Zeile 1: Spalte(n) fehlen: {', '.join(missing)} (erwartet: {', '.join(COLUMNS)})."]
        )
    reader.fieldnames = header
    return reader


def _row_leistung(key: str, known: dict[str, Leistung]) -> Leistung | None:
    """The Leistung of a LeiKa key (each key looked up once per import)."""
    if key not in known:
        leistung = Leistung.objects.filter(leika_key=key).first() if key else None
        if leistung is None:
            return None
        known[key] = leistung
    return known[key]


def _row_dates(values: dict[str, str], problems: list[str]) -> tuple[date | None, date | None]:
    """``seit`` and ``bis`` (optional) of a row; what is wrong with them goes to ``problems``."""
    since = until = None
    try:
        since = _date(values.get("seit", ""))
    except ValueError:
        problems.append(f"„seit“ ist kein Datum (JJJJ-MM-TT): „{values.get('seit', '')}“")
    if values.get("bis"):
        try:
            until = _date(values["bis"])
        except ValueError:
            problems.append(f"„bis“ ist kein Datum (JJJJ-MM-TT): „{values['bis']}“")
    if since and until and until < since:
        problems.append("„bis“ liegt vor „seit“")
    return since, until


def _row_record(
    values: dict[str, str], *, source: str, leistungen: dict[str, Leistung]
) -> tuple[AdoptionRecord | None, list[str]]:
    """One CSV row as an unsaved record, or None and what is wrong with the row (German)."""
    problems: list[str] = []
    key = values.get("leika", "")
    leistung = _row_leistung(key, leistungen)
    if leistung is None:
        problems.append(f"LeiKa-Schlüssel „{key}“ ist nicht im Leistungskatalog")
    territory = _territory(values.get("ars", ""))
    if territory is None:
        problems.append(f"Regionalschlüssel „{values.get('ars', '')}“ ist keine Gemeinde, kein Verband, kein Kreis")
    since, until = _row_dates(values, problems)
    authority = None
    if leistung is not None and territory is not None:
        authority, reason = _responsible(leistung, territory)
        if authority is None:
            problems.append(reason)
    if problems or leistung is None or territory is None or authority is None or since is None:
        return None, problems
    record = AdoptionRecord(
        leistung=leistung,
        authority=authority,
        territory=territory,
        since=since,
        until=until,
        solution=values.get("loesung", "")[:255],
        source=source[:255],
    )
    return record, []


def adoption_import(*, data: str, source: str, replace: bool = False) -> ImportResult:
    """Import adoption records from CSV text (columns ``leika, ars, seit, bis, loesung``; comma or semicolon).

    All or nothing: any bad row raises ``AdoptionImportError`` with every problem and its line number.
    ``replace`` first removes the records an earlier import of the same ``source`` created.
    """
    reader = _csv_reader(data)
    leistungen: dict[str, Leistung] = {}
    records: list[AdoptionRecord] = []
    problems: list[str] = []
    for row in reader:
        values = {k: (v or "").strip() for k, v in row.items() if k}
        if not any(values.values()):
            continue
        record, row_problems = _row_record(values, source=source, leistungen=leistungen)
        if record is None:
            problems.append(f"Zeile {reader.line_num}: " + "; ".join(row_problems) + ".")
        else:
            records.append(record)
    if problems:
        raise AdoptionImportError(problems)
    with transaction.atomic():
        replaced = AdoptionRecord.objects.filter(source=source[:255]).delete()[0] if replace else 0
        AdoptionRecord.objects.bulk_create(records)
    return ImportResult(created=len(records), replaced=replaced)


def kurzstatus_publish(*, stichtag: date, user=None) -> KurzstatusPublication:
    """Generate the Kurzstatus for ``stichtag`` in all three formats and store it as published."""
    from .report import kurzstatus_csv, kurzstatus_html, kurzstatus_pdf

    return KurzstatusPublication.objects.create(
        stichtag=stichtag,
        published_by=user if user is not None and user.is_authenticated else None,
        html=kurzstatus_html(stichtag=stichtag),
        csv=kurzstatus_csv(stichtag=stichtag),
        pdf=kurzstatus_pdf(stichtag=stichtag),
    )
