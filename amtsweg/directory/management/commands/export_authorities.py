"""Export all authorities as CSV or JSON."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from amtsweg.directory.services import authorities_export


class Command(BaseCommand):
    help = "Exportiert alle Behörden als CSV (Semikolon-getrennt) oder JSON."

    def add_arguments(self, parser):
        parser.add_argument(
            "--format", dest="fmt", choices=["csv", "json"], default="csv", help="Format (Standard: csv)."
        )
        parser.add_argument("--output", type=Path, help="Zieldatei (Standard: Ausgabe auf dem Bildschirm).")

    def handle(self, *args, fmt="csv", output=None, **options):
        data = authorities_export(fmt=fmt)
        if output is None:
            self.stdout.write(data, ending="")
            return
        try:
            output.write_text(data, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Datei {output} kann nicht geschrieben werden: {exc.strerror}.") from exc
        self.stderr.write(f"Behörden nach {output} exportiert.")
