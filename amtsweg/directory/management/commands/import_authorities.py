"""Import authorities from CSV or JSON (the export format)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from amtsweg.directory.services import authorities_import


class Command(BaseCommand):
    help = "Importiert Behörden aus einer CSV- oder JSON-Datei (Format wie beim Export)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="CSV- oder JSON-Datei.")
        parser.add_argument("--format", dest="fmt", choices=["csv", "json"], help="Format (Standard: nach Endung).")

    def handle(self, *args, file: Path, fmt=None, **options):
        fmt = fmt or ("json" if file.suffix.lower() == ".json" else "csv")
        try:
            data = file.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise CommandError(f"Datei {file} kann nicht gelesen werden: {exc.strerror}.") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"Datei {file} ist nicht UTF-8-kodiert.") from exc
        result = authorities_import(data=data, fmt=fmt)
        if result["errors"]:
            for error in result["errors"]:
                self.stderr.write(error)
            raise CommandError(f"{len(result['errors'])} Fehler – es wurde nichts importiert.")
        self.stdout.write(
            f"Behörden: {result['created']} neu, {result['updated']} aktualisiert, {result['unchanged']} unverändert."
        )
