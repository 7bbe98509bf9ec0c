from django.core.management.base import BaseCommand, CommandError

from amtsweg.hub.models import Delivery
from amtsweg.hub.services import delivery_replay


class Command(BaseCommand):
    help = "Wiederholt aufgegebene Zustellungen (mit der aktuell aktiven Regelversion)."

    def add_arguments(self, parser):
        parser.add_argument("ids", nargs="*", help="Zustellungs-IDs; ohne Angabe: alle aufgegebenen (mit --all-dead)")
        parser.add_argument("--all-dead", action="store_true")

    def handle(self, *args, **options):
        if options["ids"]:
            deliveries = Delivery.objects.filter(pk__in=options["ids"])
        elif options["all_dead"]:
            deliveries = Delivery.objects.filter(status=Delivery.Status.DEAD)
        else:
            raise CommandError("Bitte Zustellungs-IDs angeben oder --all-dead verwenden.")
        count = 0
        for delivery in deliveries:
            try:
                delivery_replay(delivery=delivery, actor="manage.py replay_deliveries")
                count += 1
            except ValueError as error:
                self.stderr.write(f"{delivery.pk}: {error}")
        self.stdout.write(f"{count} Zustellung(en) erneut eingeplant.")
