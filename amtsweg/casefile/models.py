"""The case file's return channel: what the back office reports back about a Vorgang.

A ``CaseEvent`` is a status change, a request for documents (Nachforderung) or a decision
(Bescheid, PDF in private storage), posted by a back-office system through the API. Events are
only appended; the citizen's Postfach (later issue) reads them via ``case_events_for``.
"""

from django.db import models
from django.utils import timezone

from amtsweg.submissions.models import private_storage


def bescheid_path(instance: "CaseEvent", filename: str) -> str:
    return f"casefile/{instance.created:%Y/%m}/{instance.vorgangsnummer}/{filename}"


class CaseStatus(models.TextChoices):
    EINGEGANGEN = "eingegangen", "eingegangen"
    IN_BEARBEITUNG = "in_bearbeitung", "in Bearbeitung"
    NACHFORDERUNG = "nachforderung", "Unterlagen nachgefordert"
    BESCHIEDEN = "beschieden", "beschieden"
    ABGESCHLOSSEN = "abgeschlossen", "abgeschlossen"


class CaseEvent(models.Model):
    class Kind(models.TextChoices):
        STATUS = "status", "Statusänderung"
        NACHFORDERUNG = "nachforderung", "Nachforderung"
        BESCHEID = "bescheid", "Bescheid"

    vorgangsnummer = models.CharField("Vorgangsnummer", max_length=40, db_index=True)
    # A portal submission, or (for applications that came in through the API) only the hub message.
    submission = models.ForeignKey(
        "submissions.Submission",
        verbose_name="Antrag",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="case_events",
    )
    message_id = models.UUIDField("Nachricht im Integrationsdienst", null=True, blank=True)
    authority = models.ForeignKey(
        "directory.Authority", verbose_name="Behörde", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("Art", max_length=15, choices=Kind.choices)
    # Status, note, text, due date, requested documents: shown to the citizen later.
    payload = models.JSONField("Inhalt", default=dict)
    file = models.FileField("Datei", storage=private_storage, upload_to=bescheid_path, max_length=255, blank=True)
    file_sha512 = models.CharField("SHA-512 der Datei", max_length=128, blank=True)
    api_client = models.ForeignKey(
        "apiclients.ApiClient", verbose_name="API-Zugang", null=True, on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField("gemeldet am", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "Rückmeldung"
        verbose_name_plural = "Rückmeldungen"
        ordering = ["created", "pk"]
        indexes = [models.Index(fields=["vorgangsnummer", "created"], name="casefile_number_created_idx")]

    def __str__(self) -> str:
        return f"{self.vorgangsnummer}: {self.get_kind_display()}"
