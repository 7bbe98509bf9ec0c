"""Import or update the service catalogue (OZG-Umsetzungskatalog + curated levels, Stammtexte, keywords)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from amtsweg.catalog.selectors import execution_level_counts
from amtsweg.catalog.services import CatalogImportError, catalog_import

DEFAULT_FILE = "ozg-katalog/ozg_katalog_kdn_nrw_2019.csv"


class Command(BaseCommand):
    help = "Importiert den OZG-Leistungskatalog (idempotent; redaktionelle Änderungen bleiben erhalten)."

    def add_arguments(self, parser):
        parser.add_argument("--path", type=Path, default=None, help="CSV-Datei (Standard: Referenzdaten).")

    def handle(self, *args, path: Path | None = None, **options):
        path = path or settings.SHARED_DATA_DIR / DEFAULT_FILE
        try:
            report = catalog_import(path=path)
        except CatalogImportError as exc:
            raise CommandError(str(exc)) from exc
        for key, value in report.items():
            if isinstance(value, list):
                if value:
                    self.stdout.write(self.style.WARNING(f"{key}: {', '.join(value)}"))
            else:
                self.stdout.write(f"{key}: {value}")
        levels = ", ".join(f"{level or 'nicht festgelegt'}={n}" for level, n in execution_level_counts().items())
        self.stdout.write(f"Vollzugsebenen: {levels}")
