"""Import PLZ → Gemeinde (© OpenStreetMap contributors, ODbL 1.0)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from amtsweg.directory.services import postal_codes_import

DEFAULT_FILE = "plz/zuordnung_plz_ort_landkreis.csv"


class Command(BaseCommand):
    help = "Importiert die Zuordnung Postleitzahl → Gemeinde (© OpenStreetMap contributors, ODbL 1.0)."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, help=f"CSV-Datei (Standard: {DEFAULT_FILE} im Datenordner).")
        parser.add_argument("--land", default="14", help="Länderschlüssel, z. B. 14 für Sachsen (Standard).")
        parser.add_argument("--all", action="store_true", help="Ganz Deutschland importieren.")

    def handle(self, *args, file=None, land="14", all=False, **options):  # noqa: A002
        try:
            count = postal_codes_import(
                path=file or settings.SHARED_DATA_DIR / DEFAULT_FILE, land=None if all else land
            )
        except (ValueError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{count} Zuordnungen PLZ → Gemeinde im Bestand.")
