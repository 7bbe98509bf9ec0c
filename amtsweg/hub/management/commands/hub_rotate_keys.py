from django.core.management.base import BaseCommand
from django.db.models import Model

from amtsweg.hub import crypto
from amtsweg.hub.models import Message, MessageAttachment, TargetSystem


class Command(BaseCommand):
    help = "Verschlüsselt gespeicherte Daten mit dem ersten Schlüssel aus AMTSWEG_DATA_KEY neu (Schlüsselwechsel)."

    def handle(self, *args, **options):
        encrypted: tuple[tuple[type[Model], list[str]], ...] = (
            (Message, ["data_json_encrypted", "data_xml_encrypted"]),
            (MessageAttachment, ["content_encrypted"]),
            (TargetSystem, ["secrets_encrypted"]),
        )
        count = 0
        for model, fields in encrypted:
            manager = model._default_manager
            for row in manager.only("pk", *fields).iterator():
                manager.filter(pk=row.pk).update(**{f: crypto.rotate(getattr(row, f)) for f in fields})
                count += 1
        self.stdout.write(f"{count} Datensätze neu verschlüsselt.")
