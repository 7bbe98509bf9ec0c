"""Set a Leistung's execution level: leistung_execution_level_set <LeiKa> <gemeinde|kreis|land|bund|-> --note …"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from amtsweg.catalog.models import Leistung
from amtsweg.catalog.services import leistung_execution_level_set


class Command(BaseCommand):
    help = "Setzt die Vollzugsebene einer Leistung (bleibt bei späteren Katalogimporten erhalten)."

    def add_arguments(self, parser):
        parser.add_argument("leika_key", help="LeiKa-Schlüssel (14 Ziffern)")
        parser.add_argument("level", help="gemeinde, kreis, land, bund oder '-' (nicht festgelegt)")
        parser.add_argument("--note", default="", help="Begründung mit Quelle (Pflicht, außer bei '-')")

    def handle(self, *args, leika_key: str, level: str, note: str, **options):
        leistungen = list(Leistung.objects.filter(leika_key=leika_key))
        if not leistungen:
            raise CommandError(f"Keine Leistung mit dem LeiKa-Schlüssel {leika_key}.")
        try:
            for leistung in leistungen:
                leistung_execution_level_set(leistung=leistung, level="" if level == "-" else level, note=note)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        shown = leistungen[0].get_execution_level_display()
        self.stdout.write(self.style.SUCCESS(f"{leistungen[0].name} ({leika_key}): Vollzugsebene „{shown}“."))
