from django.core.management.base import BaseCommand

from amtsweg.hub import crypto
from amtsweg.hub.models import Message, MessageAttachment, TargetSystem


class Command(BaseCommand):
    help = "Verschlüsselt gespeicherte Daten mit dem ersten Schlüssel aus AMTSWEG_DATA_KEY neu (Schlüsselwechsel)."

    def handle(self, *args, **options):
        count = 0
        for model, fields in (
            (Message, ["data_json_encrypted", "data_xml_encrypted"]),
            (MessageAttachment, ["content_encrypted"]),
            (TargetSystem, ["secrets_encrypted"]),
        ):
            for row in model.objects.only("pk", *fields).iterator():
                model.objects.filter(pk=row.pk).update(**{f: crypto.rotate(getattr(row, f)) for f in fields})
                count += 1
        self.stdout.write(f"{count} Datensätze neu verschlüsselt.")
