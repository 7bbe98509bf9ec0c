"""``manage.py retention_apply [--dry-run]``: delete applications past their retention period
(amtsweg/ops/retention.py)."""

from django.core.management.base import BaseCommand

from amtsweg.ops.retention import retention_apply


class Command(BaseCommand):
    help = "Löscht Antragsdaten und Dateien, deren Aufbewahrungsfrist abgelaufen ist."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Nur anzeigen, was gelöscht würde.")

    def handle(self, *args, dry_run: bool = False, **options):
        result = retention_apply(dry_run=dry_run, actor="command:retention_apply")
        for number in result.numbers:
            self.stdout.write(f"  {number}")
        verb = "würden gelöscht" if dry_run else "gelöscht"
        self.stdout.write(f"{result.vorgaenge} Vorgang/Vorgänge {verb} ({result.files} Dateien).")
