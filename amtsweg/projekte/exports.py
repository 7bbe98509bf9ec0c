"""The phase table as CSV, JSON, standalone HTML and PDF (views and ``manage.py phasentabelle`` share these)."""

from __future__ import annotations

import csv
import io

from django.template.loader import render_to_string

from amtsweg.projekte.selectors import PhaseTable

# Colours of the printed table (the symbols and labels carry the meaning; colours only repeat it).
PRINT_STYLESHEET = """
@page { size: A4 landscape; margin: 12mm; }
body { font-family: sans-serif; font-size: 8pt; color: #111; }
h1 { font-size: 13pt; margin: 0 0 2mm; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 0.4pt solid #777; padding: 1mm 1.4mm; vertical-align: top; }
th { background: #e8e8e8; text-align: left; }
td.phase { text-align: center; white-space: nowrap; width: 13mm; }
tr.lp td { background: #d9e2ef; font-weight: bold; }
.st-nicht_begonnen { background: #ffffff; }
.st-in_bearbeitung { background: #ffe08a; }
.st-abgeschlossen { background: #9fd5a5; }
.st-plan { background: #bcd3f2; }
.st-nicht_erforderlich { background: #d0d0d0; }
.note { font-style: italic; }
.legend { margin-top: 3mm; }
.legend td { border: none; }
"""


def table_records(table: PhaseTable) -> list[dict]:
    """One flat record per row: the CSV columns and the JSON items."""
    records = []
    for row in table.rows:
        record = {
            "lp": row.lp,
            "leistungspaket": row.lp_name,
            "lb": row.lb,
            "bezeichnung": row.title,
            "zusatz": row.note,
            "fussnoten": list(row.footnotes),
            "optionen": list(row.options),
            "leistungen": list(row.leistungen),
        }
        record["phasen"] = [
            {
                "phase": cell.label,
                "status": cell.status,
                "status_text": cell.status_label,
                "seit": cell.since.isoformat() if cell.since else None,
            }
            for cell in row.cells
        ]
        records.append(record)
    return records


def table_json(table: PhaseTable) -> dict:
    return {
        "stichtag": table.stichtag.isoformat(),
        "phasen": [{"phase": label, "bezeichnung": title} for _, label, title in table.columns],
        "legende": [{"status": key, "text": label, "symbol": symbol} for key, label, symbol in table.status_legend],
        "optionen": [{"option": key, "text": text, "symbol": symbol} for key, text, symbol in table.option_legend],
        "fussnoten": [{"nummer": number, "text": text} for number, text in table.footnotes],
        "projekte": table_records(table),
    }


def table_csv(table: PhaseTable) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        ["LP", "Leistungspaket", "LB", "Bezeichnung", "Zusatz", "Fußnoten", "Optionen"]
        + [label for _, label, _ in table.columns]
    )
    for row in table.rows:
        writer.writerow(
            [row.lp, row.lp_name, row.lb, row.title, row.note, ",".join(map(str, row.footnotes)), ",".join(row.options)]
            + [cell.status_label for cell in row.cells]
        )
    return "\ufeff" + out.getvalue()  # BOM: spreadsheet programs then read UTF-8


def table_html(table: PhaseTable) -> str:
    """A standalone page (print stylesheet inline: it is a file, not served under the site's CSP)."""
    return render_to_string("projekte/phasentabelle_druck.html", {"table": table, "stylesheet": PRINT_STYLESHEET})


def table_pdf(table: PhaseTable) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    return HTML(string=table_html(table), url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()
