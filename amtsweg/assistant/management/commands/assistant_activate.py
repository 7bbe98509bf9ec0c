"""Offer an assistant online for authorities (demo setup; Kommunen will do this themselves later)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from amtsweg.assistant.services import activation_set
from amtsweg.directory.models import Authority
from amtsweg.forms.models import FormDefinition


class Command(BaseCommand):
    help = "Schaltet einen Antragsassistenten für Behörden frei (Schlüssel der Behörde oder AGS ihrer Gemeinde)."

    def add_arguments(self, parser):
        parser.add_argument("definition", help="Schlüssel des Antragsassistenten, z. B. hundesteuer-anmeldung")
        parser.add_argument("authorities", nargs="+", help="Behördenschlüssel oder AGS (8 Ziffern)")
        parser.add_argument("--off", action="store_true", help="Freischaltung zurücknehmen.")

    def handle(self, *args, definition: str, authorities: list[str], off: bool = False, **options):
        found = FormDefinition.objects.filter(key=definition).first()
        if found is None:
            raise CommandError(f"Antragsassistent „{definition}“ ist nicht geladen (manage.py load_forms).")
        for ref in authorities:
            authority = Authority.objects.filter(key=ref).first()
            if authority is None and ref.isdigit():
                authority = (
                    Authority.objects.filter(territory__ags=ref, active=True).order_by("pk").first()
                    or Authority.objects.filter(serves__ags=ref, active=True, acts_for_gemeinde=True).first()
                )
            if authority is None:
                raise CommandError(f"Behörde „{ref}“ nicht gefunden.")
            try:
                activation_set(definition=found, authority=authority, live=not off)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
            self.stdout.write(f"{found.key}: {authority.name} ({authority.key}) {'aus' if off else 'frei'}geschaltet")
