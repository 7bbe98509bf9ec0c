"""Delete expired application drafts and their uploaded files (run daily, e.g. from cron)."""

from django.core.management.base import BaseCommand

from amtsweg.assistant.services import drafts_expire


class Command(BaseCommand):
    help = "Löscht abgelaufene Antragsentwürfe samt hochgeladener Dateien."

    def handle(self, *args, **options):
        count = drafts_expire()
        self.stdout.write(f"{count} abgelaufene Entwürfe gelöscht.")
