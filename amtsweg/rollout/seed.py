"""The SAKD newsletter's roll-out table (seed 004, "Stand des Roll-Outs", 05.10.2022) as adoption data.

The newsletter names, per online service, how many authorities offer it and the two shares — not *which*
authorities. ``derive_rows`` picks, per service, that many of the authorities responsible for it in our
Zuständigkeit: of the candidates "the k most populous plus the smallest others" and "neighbours in the
ranking by population", the one whose population share comes closest to the published share
(deterministic). The result is ``data/sakd-2022-10.csv`` (regenerate with ``manage.py rollout_seed
--write``). Counts are reproduced exactly; shares differ where our reference data lack a Zuständigkeit the
newsletter counts (e.g. Wohngeld and the Baulastenverzeichnis at Große Kreisstädte, Standesamtsbezirke).
Rows whose service has no LeiKa entry with a municipal execution level in the catalogue are left out and
listed in ``SKIPPED``. Worked through in docs/standards/rollout.md.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.db import transaction

from amtsweg.catalog.models import Leistung

from . import coverage
from .models import PlannedService, ReportLabel
from .services import adoption_import

CSV_PATH = Path(__file__).with_name("data") / "sakd-2022-10.csv"
SOURCE = "SAKD-Newsletter, Kurzstatus Stand 05.10.2022"
STICHTAG = date(2022, 10, 5)


@dataclass(frozen=True)
class SeedRow:
    title: str
    leika: str
    count: int
    share_authorities: int  # percent as published
    share_population: int
    since: date  # "verfügbar seit" (month) of the newsletter's list
    footnote: str = ""


ROWS = (
    SeedRow("Kfz-Wunschkennzeichen", "99036009069007", 13, 100, 100, date(2020, 4, 1)),
    SeedRow("i-Kfz Stufe 3 (Paket Kfz-An-/Ab-/Ummeldung)", "99036008007000", 12, 92, 94, date(2020, 4, 1)),
    SeedRow("Feinstaubplakette", "99108007040000", 12, 92, 94, date(2020, 4, 1)),
    SeedRow(
        "Wahlschein für Briefwahl",
        "99128009012000",
        48,
        16,
        59,
        date(2020, 9, 1),
        "Bisher wurden ausschließlich die Kreisfreien Städte und Großen Kreisstädte berücksichtigt und analysiert.",
    ),
    SeedRow("Paket „Personenstandsunterlagen“", "99027002012000", 56, 21, 49, date(2020, 12, 1)),
    SeedRow("Baumfällgenehmigung", "99093003001000", 22, 6, 41, date(2021, 11, 1)),
    SeedRow(
        "Kita-Betreuungsplatz",
        "99041004034000",
        25,
        8,
        38,
        date(2022, 4, 1),
        "Die Analyse des tatsächlichen Standes wurde erst initialisiert.",
    ),
    SeedRow("Auskunft aus dem Baulastenverzeichnis", "99012004023000", 11, 26, 35, date(2021, 12, 1)),
    SeedRow("Gewerbeanzeige", "99050012104000", 64, 16, 34, date(2020, 3, 1)),
    SeedRow("Wohngeld (Erstantrag & Weiterleistung Mietzuschuss)", "99107023000000", 11, 32, 32, date(2021, 12, 1)),
    SeedRow("Mängelmelder", "99089014014000", 21, 7, 31, date(2022, 6, 1)),
    SeedRow("Niederlassungsanzeige selbstständige Heilberufe", "99050063000000", 2, 15, 28, date(2022, 4, 1)),
    SeedRow("Hundesteuer-Anmeldung", "99102013000000", 84, 21, 24, date(2020, 10, 1)),
    SeedRow("Beantragung Bewohnerparkausweis", "99108001001000", 6, 2, 23, date(2021, 3, 1)),
    SeedRow("Halteverbot für Umzug", "99108011153000", 5, 2, 23, date(2022, 6, 1)),
    SeedRow("Unterhaltsvorschuss", "99107021017000", 2, 15, 21, date(2022, 4, 1)),
    SeedRow("Paket „Gesundheitsamt“ (u. a. Leichenpass)", "99101003012000", 1, 8, 15, date(2022, 3, 1)),
    SeedRow("Sächsischer Familienpass", "99107046000000", 1, 1, 15, date(2022, 3, 1)),
    SeedRow("Bibliotheksanmeldung", "99077020040000", 2, 1, 6, date(2022, 6, 1)),
    SeedRow("Feuerwerk", "99089045007000", 4, 1, 2, date(2022, 6, 1)),
    SeedRow("Brauchtums-, Traditions- und Lagerfeuer", "99063010006000", 4, 1, 2, date(2022, 8, 1)),
    SeedRow("Sondernutzung für Veranstaltungen", "99108012005000", 3, 1, 1, date(2022, 4, 1)),
)
# Newsletter rows without a LeiKa entry with a municipal execution level in the catalogue (2019 snapshot).
SKIPPED = (
    "Kommunale Corona-Soforthilfe",
    "Erstattung Feuerwehrverdienstausfall",
    "Sterbefallanzeige",
    "Sächsische Ehrenamtskarte",
    "Nutzungszeiten Sportstätten",
    "SEPA-Lastschriftmandat",
    "Hausnummernvergabe",
    "Bescheinigung in Steuersachen des Gemeindesteueramtes",
)
# "Kurz vor der Fertigstellung" of the same newsletter.
PLANNED = (
    ("Vorkaufsrecht bei Grundstücken", "99012038234000", date(2022, 10, 1)),
    ("Flurstückverschmelzung", "99047002092000", date(2022, 10, 1)),
    ("Jägerprüfung & Jagdschein", "99067004001000", date(2022, 11, 1)),
)


def _pick(candidates: list[tuple[int, int, str]], count: int, target: float) -> list[tuple[int, int, str]]:
    """``count`` of (population, authority pk, ARS) whose population sum is closest to ``target``."""
    ordered = sorted(candidates, key=lambda c: (-c[0], c[1]))
    options = []
    for k in range(count + 1):  # the k most populous and the count - k smallest
        rest = ordered[k:]
        options.append(ordered[:k] + (rest[len(rest) - (count - k) :] if count - k else []))
    for i in range(len(ordered) - count + 1):  # or count neighbours in the middle of the ranking
        options.append(ordered[i : i + count])
    options = [o for o in options if len(o) == count]
    return min(options, key=lambda o: abs(sum(c[0] for c in o) - target)) if options else ordered[:count]


def derive_rows() -> list[dict]:
    """The CSV rows (leika, ars, seit, bis, loesung) reproducing the newsletter's counts."""
    index = coverage.current()
    snap = index.snap
    out = []
    for row in ROWS:
        leistung = Leistung.objects.get(leika_key=row.leika)
        resp = coverage.responsible_map(index, leistung.pk)
        served: dict[int, int] = {}
        for g in index.gemeinden:
            authority_id = resp[g.pk]
            if authority_id is not None:
                served[authority_id] = served.get(authority_id, 0) + (g.population or 0)
        total = sum(served.values())
        candidates = [(pop, pk, snap.authorities[pk].territory.ars) for pk, pop in served.items()]
        for _pop, _pk, ars in sorted(
            _pick(candidates, row.count, total * row.share_population / 100), key=lambda c: c[2]
        ):
            out.append({"leika": row.leika, "ars": ars, "seit": row.since.isoformat(), "bis": "", "loesung": row.title})
    return out


def derive_csv() -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["leika", "ars", "seit", "bis", "loesung"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(derive_rows())
    return buffer.getvalue()


def seed_load(*, path: Path = CSV_PATH) -> int:
    """Import the derived CSV (replacing an earlier load) with the newsletter's titles, footnotes and plans."""
    with transaction.atomic():
        result = adoption_import(data=path.read_text(encoding="utf-8"), source=SOURCE, replace=True)
        for row in ROWS:
            leistung = Leistung.objects.get(leika_key=row.leika)
            ReportLabel.objects.update_or_create(
                leistung=leistung, defaults={"title": row.title, "footnote": row.footnote}
            )
        for title, key, planned in PLANNED:
            PlannedService.objects.update_or_create(
                leistung=Leistung.objects.get(leika_key=key), defaults={"title": title, "planned_for": planned}
            )
    return result.created
