from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from amtsweg.hub.rules import RULES_DIR, RuleInvalid, rules_load


class Command(BaseCommand):
    help = "Lädt die Integrationsregeln aus dem Regeldepot (amtsweg/hub/rules/) als neue Versionen."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=str(RULES_DIR), help="Regeldepot-Ordner")

    def handle(self, *args, **options):
        try:
            report = rules_load(directory=Path(options["dir"]))
        except RuleInvalid as error:
            raise CommandError(str(error)) from None
        for key, outcome in report.items():
            self.stdout.write(f"{key}: {outcome}")
