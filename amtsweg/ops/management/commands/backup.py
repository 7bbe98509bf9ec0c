"""``manage.py backup --output FILE``: database and private files in one archive (amtsweg/ops/backup.py)."""

from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from amtsweg.ops.backup import backup_create


class Command(BaseCommand):
    help = "Sichert Datenbank und private Dateien in ein Archiv (ohne AMTSWEG_DATA_KEY)."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="Zieldatei (Standard: var/backups/amtsweg-JJJJMMTT-HHMMSS.tar.gz)")

    def handle(self, *args, output: str | None = None, **options):
        default = settings.VAR_DIR / "backups" / f"amtsweg-{datetime.now():%Y%m%d-%H%M%S}.tar.gz"
        path = Path(output) if output else default
        manifest = backup_create(output=path)
        self.stdout.write(
            f"Sicherung geschrieben: {path} ({manifest.engine}, {manifest.private_files} private Dateien).\n"
            "AMTSWEG_DATA_KEY ist NICHT enthalten – bewahren Sie ihn getrennt auf (Schlüsselablage)."
        )
