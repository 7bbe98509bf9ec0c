"""Open data of the roll-out monitor: one row layout for the API, the JSON and the CSV downloads."""

from __future__ import annotations

import csv
import io
from datetime import date

from .coverage import Coverage
from .selectors import Row

LICENCE = "Datenlizenz Deutschland – Namensnennung – 2.0 (dl-de/by-2-0)"
LICENCE_URL = "https://www.govdata.de/dl-de/by-2-0"
SOURCE = (
    "Amtsweg Roll-out-Monitor; Gebietsstand und Einwohnerzahlen: © Statistisches Bundesamt (Destatis); "
    "Leistungen: OZG-Umsetzungskatalog/LeiKa"
)
FIELDS = (
    "leika",
    "leistung",
    "stichtag",
    "gebiet",
    "gebiet_name",
    "behoerden_zustaendig",
    "behoerden_mit_angebot",
    "anteil_behoerden",
    "einwohner_gesamt",
    "einwohner_mit_angebot",
    "anteil_einwohner",
)


def coverage_record(*, leika: str, title: str, cov: Coverage) -> dict:
    """The API's and the downloads' record; shares as decimals 0–1 with four places."""
    return {
        "leika": leika,
        "leistung": title,
        "stichtag": cov.stichtag.isoformat(),
        "gebiet": cov.gebiet,
        "gebiet_name": cov.gebiet_name,
        "behoerden_zustaendig": cov.behoerden_zustaendig,
        "behoerden_mit_angebot": cov.behoerden_mit_angebot,
        "anteil_behoerden": float(cov.anteil_behoerden),
        "einwohner_gesamt": cov.einwohner_gesamt,
        "einwohner_mit_angebot": cov.einwohner_mit_angebot,
        "anteil_einwohner": float(cov.anteil_einwohner),
    }


def table_records(rows: list[Row]) -> list[dict]:
    return [coverage_record(leika=r.leika_key, title=r.title, cov=r.coverage) for r in rows]


def table_json(*, rows: list[Row], stichtag: date, gebiet: str) -> dict:
    return {
        "stichtag": stichtag.isoformat(),
        "gebiet": gebiet,
        "lizenz": LICENCE,
        "lizenz_url": LICENCE_URL,
        "quelle": SOURCE,
        "leistungen": table_records(rows),
    }


def _csv(header: list[str], records: list[dict]) -> str:
    out = io.StringIO()
    # The licence and source go first, as comment lines (read with e.g. pandas' comment="#").
    out.write(f"# Quelle: {SOURCE}\r\n# Lizenz: {LICENCE}, {LICENCE_URL}\r\n")
    writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore")
    writer.writeheader()
    for record in records:
        writer.writerow({k: (f"{v:.4f}" if isinstance(v, float) else v) for k, v in record.items()})
    return out.getvalue()


def table_csv(rows: list[Row]) -> str:
    return _csv(list(FIELDS), table_records(rows))


ADOPTION_FIELDS = ["leika", "leistung", "behoerde", "ars", "seit", "bis", "loesung", "quelle"]


def adoption_csv(records: list[dict]) -> str:
    return _csv(ADOPTION_FIELDS, records)
