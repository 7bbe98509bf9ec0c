"""Print the register's facts (counts, population, import reports) without writing anything."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from amtsweg.directory.selectors import register_facts


def _de_int(number: int) -> str:
    return f"{number:,}".replace(",", ".")


class Command(BaseCommand):
    help = "Zeigt Kennzahlen des Gemeindeverzeichnisses (Gemeinden, Bevölkerung, Importberichte); schreibt nichts."

    def add_arguments(self, parser):
        parser.add_argument("--land", help="Länderschlüssel, z. B. 14 (Standard: alle importierten Länder).")
        parser.add_argument("--json", action="store_true", help="Ausgabe als JSON (wie die API).")

    def handle(self, *args, land=None, json=False, **options):  # noqa: A002
        if land is not None and (len(land) != 2 or not land.isdigit()):
            raise CommandError("Der Länderschlüssel muss zweistellig sein, z. B. 14.")
        facts = register_facts(land=land)
        if json:
            self.stdout.write(_json_dumps(facts))
            return
        totals = facts["totals"]
        date = facts["register_date"]
        self.stdout.write(
            (f"Gebietsstand {date:%d.%m.%Y}: " if date else "Noch kein Verzeichnis importiert. ")
            + f"{totals['laender']} Länder, {totals['kreise']} Kreise, {totals['gemeindeverbaende']} Gemeindeverbände, "
            f"{totals['gemeinden']} Gemeinden ({totals['historical_gemeinden']} aufgelöste mit Nachfolger-Verweis), "
            f"Bevölkerung {_de_int(totals['population'])}"
        )
        self.stdout.write("\nKreise:")
        for unit in facts["kreise"]:
            self.stdout.write(
                f"  {unit['ags']} {unit['name']}: {unit['gemeinden']} Gemeinden, {_de_int(unit['population'])} Einw."
            )
        self.stdout.write("\nImporte:")
        for run in facts["imports"]:
            self.stdout.write(f"  {run['source']} (Gebietsstand {run['register_date']:%d.%m.%Y}, {run['scope']})")
            for change in run["changes"]:
                self.stdout.write(f"    {change['kind']}: {change['old'] or change['name']} → {change['new']}")


def _json_dumps(data) -> str:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
