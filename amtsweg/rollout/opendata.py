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


def reifegrad_records(*, leika: str, summary) -> list[dict]:
    from .reifegrad import CRITERIA

    out = []
    for a in summary.assessments:
        record = {
            "leika": leika,
            "stichtag": summary.stichtag.isoformat(),
            "behoerde": a.authority_name,
            "quelle": "Plattform" if a.platform else "außerhalb der Plattform",
            "reifegrad_1_1": a.level_11,
            "reifegrad_2_0": a.level_20,
            "online_verfuegbar": a.online,
            "ozg_konform": a.ozg_konform,
            "ende_zu_ende_digital": a.ende_zu_ende,
        }
        for key in CRITERIA:
            value = a.facts.get(key)
            record[key] = (
                "" if value is None else ("ja" if value else "nein") + (" (abgeleitet)" if key in a.derived else "")
            )
        out.append(record)
    return out


def reifegrad_csv(*, leika: str, summary) -> str:
    from .reifegrad import CRITERIA

    header = ["leika", "stichtag", "behoerde", "quelle", "reifegrad_1_1", "reifegrad_2_0", "online_verfuegbar"]
    header += ["ozg_konform", "ende_zu_ende_digital", *CRITERIA]
    records = reifegrad_records(leika=leika, summary=summary)
    for r in records:
        for k in ("online_verfuegbar", "ozg_konform", "ende_zu_ende_digital"):
            r[k] = "ja" if r[k] else "nein"
    return _csv(header, records)
