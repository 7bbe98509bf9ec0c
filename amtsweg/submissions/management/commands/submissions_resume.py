from datetime import timedelta

from django.core.management.base import BaseCommand

from amtsweg.submissions.services import receipts_resume


class Command(BaseCommand):
    help = (
        "Stellt Belegerstellung und Bestätigungs-E-Mail erneut ein, deren Aufgabe verloren ging (z. B. Worker-Absturz)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--minutes", type=int, default=15, help="Nur Anträge, die älter sind (Standard: 15).")

    def handle(self, *args, minutes: int, **options):
        count = receipts_resume(older_than=timedelta(minutes=minutes))
        self.stdout.write(f"{count} Aufgabe(n) neu eingestellt.")
