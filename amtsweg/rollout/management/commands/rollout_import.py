"""Import adoption records for services running outside the platform (CSV: leika, ars, seit, bis, loesung)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from amtsweg.rollout.services import AdoptionImportError, adoption_import


class Command(BaseCommand):
    help = "Importiert Angebote außerhalb der Plattform (CSV mit leika, ars, seit, bis, loesung); alles oder nichts."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV-Datei (UTF-8, Komma oder Semikolon)")
        parser.add_argument("--quelle", default="", help="Quelle (Standard: Dateiname)")
        parser.add_argument(
            "--ersetzen", action="store_true", help="Zuvor aus derselben Quelle importierte Einträge ersetzen"
        )

    def handle(self, *args, file, quelle, ersetzen, **options):
        path = Path(file)
        try:
            data = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Die Datei {path} lässt sich nicht lesen: {exc}") from exc
        try:
            result = adoption_import(data=data, source=quelle or path.name, replace=ersetzen)
        except AdoptionImportError as exc:
            raise CommandError(
                "Nichts importiert. Fehlerhafte Zeilen:\n" + "\n".join(f"  {p}" for p in exc.problems)
            ) from exc
        self.stdout.write(
            f"{result.created} Einträge importiert" + (f", {result.replaced} ersetzt" if ersetzen else "") + "."
        )
