"""Delete expired application drafts and their uploaded files, and the uploads of abandoned drafts
(run at least daily, e.g. from cron; the scheduler calls the same services)."""

from django.core.management.base import BaseCommand

from amtsweg.assistant.services import drafts_expire, uploads_prune_abandoned


class Command(BaseCommand):
    help = "Löscht abgelaufene Antragsentwürfe samt hochgeladener Dateien."

    def handle(self, *args, **options):
        count = drafts_expire()
        self.stdout.write(f"{count} abgelaufene Entwürfe gelöscht.")
        files = uploads_prune_abandoned()
        self.stdout.write(f"{files} Dateien aus verlassenen Entwürfen gelöscht.")
