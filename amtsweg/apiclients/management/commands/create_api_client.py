"""Create an API client and print its token once."""

from django.core.management.base import BaseCommand, CommandError

from amtsweg.apiclients.models import ApiClient
from amtsweg.apiclients.services import api_client_create
from amtsweg.directory.models import Authority


class Command(BaseCommand):
    help = "Legt einen API-Zugang an und gibt sein Token einmalig aus."

    def add_arguments(self, parser):
        parser.add_argument("name", help="Name des Zugangs, z. B. „Fachverfahren Hundesteuer Pirna“")
        parser.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            default=[],
            help="Berechtigung (mehrfach): submissions:write, status:write, status:read, decisions:write",
        )
        parser.add_argument("--authority", help="Schlüssel der Behörde (z. B. gem-14628270), für die er handeln darf")
        parser.add_argument("--rate", default="", help="Anfragelimit, z. B. 600/min")

    def handle(self, *args, name, scopes, authority=None, rate="", **options):
        if not scopes:
            raise CommandError("Mindestens eine Berechtigung (--scope) angeben.")
        if ApiClient.objects.filter(name=name).exists():
            raise CommandError(f"Ein API-Zugang namens „{name}“ existiert bereits.")
        authority_obj = None
        if authority:
            authority_obj = Authority.objects.filter(key=authority).first()
            if authority_obj is None:
                raise CommandError(f"Behörde „{authority}“ nicht gefunden.")
        try:
            client, token = api_client_create(name=name, scopes=scopes, authority=authority_obj, rate=rate)
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"API-Zugang „{client.name}“ angelegt (Nr. {client.pk}).")
        self.stdout.write("Token (wird nur jetzt angezeigt, sicher aufbewahren):")
        self.stdout.write(token)
