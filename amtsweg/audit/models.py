"""Tamper-evident transaction log of the integration hub.

Each entry carries the SHA-256 of its predecessor, so changing or removing any entry breaks the
chain from there on (``amtsweg.audit.services.audit_verify``). Entries are only ever appended,
through ``amtsweg.audit.services.audit_record``; ``detail`` never holds personal data.
"""

from django.db import models
from django.utils import timezone


class AuditEntry(models.Model):
    class Event(models.TextChoices):
        RECEIVED = "received", "eingegangen"
        ROUTED = "routed", "zugeordnet"
        TRANSFORMED = "transformed", "umgewandelt"
        VALIDATED = "validated", "geprüft"
        SENT = "sent", "gesendet"
        ACKNOWLEDGED = "acknowledged", "bestätigt"
        FAILED = "failed", "fehlgeschlagen"
        RETRY_SCHEDULED = "retry_scheduled", "erneuter Versuch geplant"
        REPLAYED = "replayed", "erneut angestoßen"
        DEAD = "dead", "endgültig fehlgeschlagen"
        STATUS_POSTED = "status_posted", "Status gemeldet"
        NACHFORDERUNG_POSTED = "nachforderung_posted", "Nachforderung gemeldet"
        BESCHEID_POSTED = "bescheid_posted", "Bescheid übermittelt"

    seq = models.PositiveBigIntegerField("Nr.", unique=True)
    at = models.DateTimeField("Zeitpunkt", default=timezone.now, db_index=True)
    # Free string (choices only label the known ones), so a new hub step needs no migration.
    event = models.CharField("Ereignis", max_length=40, db_index=True)
    message_id = models.CharField("Nachricht", max_length=64, blank=True, db_index=True)
    delivery_id = models.CharField("Zustellung", max_length=64, blank=True, db_index=True)
    actor = models.CharField("Auslöser", max_length=100, default="system")
    detail = models.JSONField("Details", default=dict, blank=True)
    prev_hash = models.CharField("Vorgänger-Prüfsumme", max_length=64)
    hash = models.CharField("Prüfsumme", max_length=64)

    class Meta:
        verbose_name = "Protokolleintrag"
        verbose_name_plural = "Transaktionsprotokoll"
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.event}"

    @property
    def event_label(self) -> str:
        return dict(self.Event.choices).get(self.event, self.event)
