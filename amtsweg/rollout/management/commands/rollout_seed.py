"""The SAKD newsletter's roll-out table as adoption data (amtsweg/rollout/seed.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand

from amtsweg.rollout import seed


class Command(BaseCommand):
    help = (
        "Lädt den Roll-out-Stand des SAKD-Newsletters (05.10.2022) als Angebote außerhalb der Plattform; "
        "mit --write wird die CSV-Datei aus dem Newsletter neu abgeleitet."
    )

    def add_arguments(self, parser):
        parser.add_argument("--write", metavar="DATEI", help="Abgeleitete CSV schreiben statt laden")

    def handle(self, *args, write=None, **options):
        if write:
            Path(write).write_text(seed.derive_csv(), encoding="utf-8")
            self.stdout.write(f"{write} geschrieben.")
            return
        created = seed.seed_load()
        self.stdout.write(f"{created} Angebote aus dem SAKD-Newsletter geladen (Stand {seed.STICHTAG:%d.%m.%Y}).")
