"""Import the Destatis municipality register (GV100AD) and print what changed."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from amtsweg.directory.gv100ad import GV100ADError
from amtsweg.directory.services import references_redirect, register_import, register_report_text

DEFAULT_FILE = "destatis/GV100AD_30112025.txt"


class Command(BaseCommand):
    help = "Importiert das Gemeindeverzeichnis (GV100AD) von Destatis und zeigt die Gebietsänderungen."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, help=f"GV100AD-Datei (Standard: {DEFAULT_FILE} im Datenordner).")
        parser.add_argument("--land", default="14", help="Länderschlüssel, z. B. 14 für Sachsen (Standard).")
        parser.add_argument("--all", action="store_true", help="Ganz Deutschland importieren.")
        parser.add_argument(
            "--redirect",
            action="store_true",
            help="Verweise (PLZ, Behörden, Abweichungen) von aufgelösten Gemeinden auf die Nachfolger umhängen.",
        )

    def handle(self, *args, file=None, land="14", all=False, redirect=False, **options):  # noqa: A002
        path = file or settings.SHARED_DATA_DIR / DEFAULT_FILE
        scope = None if all else land
        try:
            run = register_import(path=path, land=scope)
        except (ValueError, GV100ADError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(register_report_text(report=run.report))
        if redirect:
            moved = references_redirect(land=scope)
            self.stdout.write(
                f"Verweise umgehängt: {moved['postal_codes']} PLZ, {moved['serves']} Behördenzuordnungen, "
                f"{moved['overrides']} Abweichungen."
            )
