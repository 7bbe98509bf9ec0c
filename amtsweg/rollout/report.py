"""The "Kurzstatus der kommunalen OZG-Umsetzung" for any as-of date, in the SAKD newsletter's structure:
productive services by execution level with "verfügbar seit", services close to completion with planned
dates, the roll-out table (count, % authorities, % population, footnotes) and further sections such as the
Projektlandkarte's phase table. HTML (in the portal and standalone for the PDF), PDF (WeasyPrint), CSV.

Further sections are a hook, not an import: ``settings.AMTSWEG_KURZSTATUS_SECTIONS`` lists dotted paths of
callables ``f(*, stichtag) -> {"title": str, "columns": [str], "rows": [[str]], "note": str} | None``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.module_loading import import_string

from . import coverage, opendata, selectors

STYLESHEET = Path(__file__).with_name("kurzstatus.css")


@dataclass(frozen=True)
class Section:
    title: str
    columns: list[str]
    rows: list[list[str]]
    note: str = ""


def percent(value) -> str:
    """A share as the newsletter prints it: whole percent, half up, German style ("92 %")."""
    exact = Decimal(str(value)) * 100
    whole = exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if whole == 0 and exact > 0:
        return "< 1 %"  # offered somewhere: never print a share that reads as "nowhere"
    return f"{whole} %"


def extra_sections(*, stichtag: date) -> list[Section]:
    sections = []
    for path in getattr(settings, "AMTSWEG_KURZSTATUS_SECTIONS", []):
        found = import_string(path)(stichtag=stichtag)
        if found:
            sections.append(
                Section(
                    title=str(found["title"]),
                    columns=[str(c) for c in found["columns"]],
                    rows=[[str(cell) for cell in row] for row in found["rows"]],
                    note=str(found.get("note", "")),
                )
            )
    return sections


def kurzstatus_context(*, stichtag: date) -> dict:
    rows = selectors.rollout_table(stichtag=stichtag)
    index = coverage.current()
    produktiv = []
    planned = selectors.planned_services(stichtag=stichtag)
    geplant = []
    for key, label in selectors.GROUPS:
        items = sorted((r for r in rows if r.group == key), key=lambda r: (r.verfuegbar_seit or stichtag, r.title))
        if items:
            produktiv.append({"label": label, "items": items})
        plans = [p for p in planned if selectors.leistung_group(p.leistung_id, index) == key]
        if plans:
            geplant.append({"label": label, "items": plans})
    return {
        "stichtag": stichtag,
        "rows": rows,
        "table": [
            {
                "row": r,
                "anteil_behoerden": percent(r.coverage.anteil_behoerden),
                "anteil_einwohner": percent(r.coverage.anteil_einwohner),
            }
            for r in rows
        ],
        "footnotes": [r for r in rows if r.footnote_no],
        "produktiv": produktiv,
        "geplant": geplant,
        "sections": extra_sections(stichtag=stichtag),
        "licence": opendata.LICENCE,
        "source": opendata.SOURCE,
    }


def kurzstatus_html(*, stichtag: date, standalone: bool = True) -> str:
    """The report as a document of its own (for the PDF and the published copy)."""
    context = kurzstatus_context(stichtag=stichtag)
    context["stylesheet"] = STYLESHEET.read_text(encoding="utf-8") if standalone else ""
    return render_to_string("rollout/kurzstatus_document.html", context)


def kurzstatus_pdf(*, stichtag: date) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # Self-contained: WeasyPrint must not fetch anything (no file://, no network).
    fetcher = URLFetcher(allowed_protocols={"data"})
    return HTML(string=kurzstatus_html(stichtag=stichtag), url_fetcher=fetcher).write_pdf()


def kurzstatus_csv(*, stichtag: date) -> str:
    """The roll-out table of the report (one computation: the same rows as the monitor and the API)."""
    rows = selectors.rollout_table(stichtag=stichtag)
    out = io.StringIO()
    out.write(f"# Kurzstatus der kommunalen OZG-Umsetzung, Stand {stichtag:%d.%m.%Y}\r\n")
    out.write(f"# Quelle: {opendata.SOURCE}\r\n# Lizenz: {opendata.LICENCE}, {opendata.LICENCE_URL}\r\n")
    writer = csv.writer(out)
    writer.writerow(
        [
            "online_leistung",
            "leika",
            "vollzug",
            "verfuegbar_seit",
            "anzahl",
            "behoerden_zustaendig",
            "anteil_behoerden",
            "einwohner_gesamt",
            "einwohner_mit_angebot",
            "anteil_einwohner",
            "fussnote",
        ]
    )
    groups = dict(selectors.GROUPS)
    for r in rows:
        c = r.coverage
        writer.writerow(
            [
                r.title,
                r.leika_key,
                groups[r.group],
                r.verfuegbar_seit.isoformat() if r.verfuegbar_seit else "",
                c.behoerden_mit_angebot,
                c.behoerden_zustaendig,
                f"{c.anteil_behoerden:.4f}",
                c.einwohner_gesamt,
                c.einwohner_mit_angebot,
                f"{c.anteil_einwohner:.4f}",
                r.footnote,
            ]
        )
    return out.getvalue()
