from datetime import timedelta

from django.core.management.base import BaseCommand

from amtsweg.hub.services import SENDING_TIMEOUT, deliveries_resume


class Command(BaseCommand):
    help = "Setzt Zustellungen fort, deren Worker abgebrochen ist oder deren Aufgabe fehlt (z. B. per cron)."

    def add_arguments(self, parser):
        parser.add_argument("--minutes", type=int, default=int(SENDING_TIMEOUT.total_seconds() // 60))

    def handle(self, *args, **options):
        count = deliveries_resume(timeout=timedelta(minutes=options["minutes"]))
        self.stdout.write(f"{count} Zustellung(en) erneut eingeplant.")
