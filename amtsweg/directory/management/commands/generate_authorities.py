"""Create or refresh the default authorities from the register."""

from django.core.management.base import BaseCommand, CommandError

from amtsweg.directory.services import authorities_generate


class Command(BaseCommand):
    help = "Erzeugt Standard-Behörden (Landratsämter, Stadt-/Gemeindeverwaltungen, Verbände) aus dem Verzeichnis."

    def add_arguments(self, parser):
        parser.add_argument("--land", default="14", help="Länderschlüssel, z. B. 14 für Sachsen (Standard).")
        parser.add_argument("--all", action="store_true", help="Ganz Deutschland.")

    def handle(self, *args, land="14", all=False, **options):  # noqa: A002
        try:
            stats = authorities_generate(land=None if all else land)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Behörden: {stats['created']} neu, {stats['updated']} aktualisiert, {stats['unchanged']} unverändert, "
            f"{stats['kept_manual']} von Hand gepflegt (nicht verändert), {stats['deactivated']} deaktiviert."
        )
