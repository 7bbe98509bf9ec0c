"""``manage.py restore FILE --yes``: replace database and private files with a backup's."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from amtsweg.ops.backup import RestoreError, backup_restore, manifest_read


class Command(BaseCommand):
    help = "Stellt Datenbank und private Dateien aus einer Sicherung wieder her (ersetzt den aktuellen Stand)."

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument("--yes", action="store_true", help="Ohne Rückfrage (Web, Worker, Scheduler gestoppt).")
        parser.add_argument(
            "--ignore-data-key", action="store_true", help="Auch wenn AMTSWEG_DATA_KEY nicht zur Sicherung passt."
        )

    def handle(self, *args, archive: str, yes: bool, ignore_data_key: bool, **options):
        path = Path(archive)
        if not path.is_file():
            raise CommandError(f"Sicherung nicht gefunden: {path}")
        try:
            manifest = manifest_read(path)
        except (RestoreError, OSError, ValueError) as exc:
            raise CommandError(f"Sicherung nicht lesbar: {exc}") from exc
        if not yes:
            answer = input(
                f"Sicherung vom {manifest.created_at} ersetzt Datenbank und private Dateien. "
                "Alle Prozesse gestoppt? [ja/nein] "
            )
            if answer.strip().lower() != "ja":
                raise CommandError("Abgebrochen.")
        try:
            backup_restore(archive_path=path, ignore_data_key=ignore_data_key)
        except RestoreError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Wiederhergestellt: Stand vom {manifest.created_at}, {manifest.private_files} private Dateien. "
            "Bitte danach `manage.py migrate` ausführen und die Prozesse starten."
        )
