"""Submitted applications: an immutable snapshot per submission plus its receipt and confirmation state.

Writes go through ``amtsweg.submissions.services``. The snapshot columns (number, version, place,
authority, answers, XML) never change after the insert; migration 0002 adds a database trigger
that enforces this (0006: on the Vorgang reference instead of the number). Receipt and confirmation
columns are filled in later by the worker.
"""

from django.db import models
from django.utils import timezone

# Also read from here by older migrations (submissions 0001), so the name stays importable from this module.
from amtsweg.common.storage import private_storage


def receipt_path(instance: "Submission", filename: str) -> str:
    return f"submissions/{instance.submitted_at:%Y/%m}/{instance.vorgangsnummer}/{filename}"


def attachment_path(instance: "SubmissionAttachment", filename: str) -> str:
    submission = instance.submission
    return f"submissions/{submission.submitted_at:%Y/%m}/{submission.vorgangsnummer}/anlagen/{filename}"


class Submission(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", "eingegangen"
        FORWARDED = "forwarded", "an die Behörde übermittelt"
        CLOSED = "closed", "abgeschlossen"

    # The case this submission opened (its Vorgangsnummer); created with it in one transaction.
    vorgang = models.OneToOneField(
        "cases.Vorgang", verbose_name="Vorgang", on_delete=models.PROTECT, related_name="submission"
    )
    # Chosen by the caller per draft; a second submit of the same draft returns the first submission.
    idempotency_key = models.CharField("Idempotenzschlüssel", max_length=100, unique=True)
    status = models.CharField("Status", max_length=12, choices=Status.choices, default=Status.RECEIVED)
    submitted_at = models.DateTimeField("Eingegangen am", default=timezone.now, db_index=True)

    form_version = models.ForeignKey(
        "forms.FormVersion", verbose_name="Formularversion", on_delete=models.PROTECT, related_name="submissions"
    )
    # The overlay as it was at submission time, so labels, fees and texts of the receipt can always
    # be reproduced even after the Kommune changes its configuration.
    overlay = models.ForeignKey(
        "forms.Overlay", verbose_name="Anpassung", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    overlay_snapshot = models.JSONField("Anpassung (Stand bei Eingang)", default=dict, blank=True)
    leistung = models.ForeignKey(
        "catalog.Leistung", verbose_name="Leistung", on_delete=models.PROTECT, related_name="submissions"
    )
    leika_key = models.CharField("LeiKa-Schlüssel", max_length=14, blank=True)
    leistung_name = models.CharField("Leistung (Stand bei Eingang)", max_length=500)
    gemeinde = models.ForeignKey(
        "directory.Territory", verbose_name="Gemeinde", on_delete=models.PROTECT, related_name="submissions"
    )
    gemeinde_ags = models.CharField("AGS", max_length=8)
    gemeinde_ars = models.CharField("ARS", max_length=12)
    gemeinde_name = models.CharField("Gemeinde (Stand bei Eingang)", max_length=200)
    authority = models.ForeignKey(
        "directory.Authority", verbose_name="Zuständige Behörde", on_delete=models.PROTECT, related_name="submissions"
    )
    authority_key = models.CharField("Behördenschlüssel", max_length=100)
    authority_name = models.CharField("Behörde (Stand bei Eingang)", max_length=255)

    answers = models.JSONField("Angaben")
    data_xml = models.TextField("Daten (XML)")
    # SHA-256 of the canonical JSON of the data schema generated from ``form_version``
    # (amtsweg.forms.formats.data_json_schema), so the hub can check it derives the same schema.
    data_schema_sha256 = models.CharField("Prüfsumme des Datenschemas", max_length=64)
    # Personal data: stored for the confirmation, never logged.
    email = models.EmailField("E-Mail-Adresse für die Bestätigung", max_length=254)

    receipt_pdf = models.FileField(
        "Eingangsbestätigung (PDF)", storage=private_storage, upload_to=receipt_path, max_length=255, blank=True
    )
    receipt_ready_at = models.DateTimeField("Bestätigung erstellt am", null=True, blank=True)
    confirmation_claimed_at = models.DateTimeField("Versand begonnen am", null=True, blank=True)
    confirmation_sent_at = models.DateTimeField("E-Mail versandt am", null=True, blank=True)
    confirmation_attempts = models.PositiveSmallIntegerField("Versandversuche", default=0)
    confirmation_error = models.CharField("Letzter Versandfehler", max_length=200, blank=True)
    # Set when the confirmation is deliberately not sent (e.g. the flood limit of the recipient
    # address was reached); the receipt stays available on the confirmation page. Nullable so that
    # SQLite adds the column in place (a table rebuild would drop the snapshot guard trigger).
    # The citizen's page language at submission: the confirmation e-mail is written in it (ADR 0025).
    language = models.CharField("Sprache der Antragstellung", max_length=8, default="de")
    confirmation_skipped = models.CharField("Bestätigung nicht versandt (Grund)", max_length=40, null=True, blank=True)
    # Scheme and host the citizen used (checked against ALLOWED_HOSTS), for the link in the e-mail.
    site_url = models.CharField("Adresse der Plattform beim Absenden", max_length=200, null=True, blank=True)

    class Meta:
        verbose_name = "Eingereichter Antrag"
        verbose_name_plural = "Eingereichte Anträge"
        ordering = ["-submitted_at"]
        indexes = [
            models.Index(fields=["authority", "-submitted_at"], name="submissions_authority_idx"),
        ]

    def __str__(self) -> str:
        return self.vorgangsnummer

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("submissions:confirmation", kwargs={"number": self.vorgangsnummer})

    @property
    def vorgangsnummer(self) -> str:
        return self.vorgang.number

    @property
    def zugangscode(self) -> str:
        """Printed on the receipt and the confirmation page: attaches the Vorgang to an account later."""
        from amtsweg.cases.codes import access_code

        return access_code(number=self.vorgang.number)


class SubmissionAttachment(models.Model):
    """An uploaded file handed over by the wizard, stored privately with its checksum."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="attachments")
    position = models.PositiveSmallIntegerField("Nr.")
    # The answer path of the file field, e.g. ``hund[0].hund_gutachten``.
    field_path = models.CharField("Feld", max_length=200)
    file = models.FileField("Datei", storage=private_storage, upload_to=attachment_path, max_length=255)
    name = models.CharField("Dateiname", max_length=255)
    content_type = models.CharField("Dateityp", max_length=100)
    size = models.PositiveBigIntegerField("Größe (Bytes)")
    sha512 = models.CharField("SHA-512", max_length=128)

    class Meta:
        verbose_name = "Anlage"
        verbose_name_plural = "Anlagen"
        ordering = ["submission", "position"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "position"], name="submissions_attachment_position"),
        ]

    def __str__(self) -> str:
        return self.name
