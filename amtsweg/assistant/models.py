"""The citizen-facing runtime of application assistants: activations, drafts and their uploads.

Writes go through ``amtsweg.assistant.services``. A ``Draft`` pins the ``FormVersion`` it was started
with, so a newer central version never changes an application in progress.
"""

from django.db import models


class Activation(models.Model):
    """An authority offers an assistant online. The overlay (if any) is found by (definition, authority)."""

    definition = models.ForeignKey(
        "forms.FormDefinition", verbose_name="Antragsassistent", on_delete=models.CASCADE, related_name="activations"
    )
    authority = models.ForeignKey(
        "directory.Authority", verbose_name="Behörde", on_delete=models.CASCADE, related_name="assistant_activations"
    )
    live = models.BooleanField("freigeschaltet", default=True, help_text="Nur freigeschaltete Anträge sehen Bürger.")
    created = models.DateTimeField("Angelegt am", auto_now_add=True)

    class Meta:
        verbose_name = "Freischaltung"
        verbose_name_plural = "Freischaltungen"
        ordering = ["definition", "authority"]
        constraints = [
            models.UniqueConstraint(fields=["definition", "authority"], name="assistant_activation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.definition} – {self.authority}"


class Draft(models.Model):
    """An application in progress. Answers are kept as entered (also invalid ones), never pruned here.

    Access needs the unguessable ``token`` (in the URL) *and* a session that holds it; a second
    device gets it through the e-mailed resume link, whose token is stored only as a SHA-256 hash.
    """

    token = models.CharField("Schlüssel", max_length=64, unique=True)
    version = models.ForeignKey(
        "forms.FormVersion", verbose_name="Formularversion", on_delete=models.PROTECT, related_name="drafts"
    )
    authority = models.ForeignKey(
        "directory.Authority", verbose_name="Behörde", on_delete=models.CASCADE, related_name="drafts"
    )
    gemeinde = models.ForeignKey(
        "directory.Territory", verbose_name="Gemeinde", on_delete=models.CASCADE, related_name="drafts"
    )
    answers = models.JSONField("Angaben", default=dict, blank=True)
    # Steps whose "Weiter" passed server-side validation (reset when a step is left invalid).
    completed_steps = models.JSONField("Abgeschlossene Schritte", default=list, blank=True)
    current_step = models.CharField("Aktueller Schritt", max_length=100, blank=True)
    resume_token_hash = models.CharField("Fortsetzungs-Link (Prüfsumme)", max_length=64, blank=True, db_index=True)
    resume_expires_at = models.DateTimeField("Fortsetzungs-Link gültig bis", null=True, blank=True)
    resume_mails_sent = models.PositiveSmallIntegerField("Versandte Fortsetzungs-Links", default=0)
    submitted_number = models.CharField("Vorgangsnummer", max_length=20, blank=True)
    created = models.DateTimeField("Angelegt am", auto_now_add=True)
    updated = models.DateTimeField("Geändert am", auto_now=True)
    expires_at = models.DateTimeField("Läuft ab am", db_index=True)

    class Meta:
        verbose_name = "Antragsentwurf"
        verbose_name_plural = "Antragsentwürfe"

    def __str__(self) -> str:
        return f"Entwurf {self.pk} ({self.version})"


class Upload(models.Model):
    """A file uploaded into a draft, stored outside the web root (see ``uploads.upload_dir``).

    The answer of the file field holds ``{"name", "size", "type", "ref"}``; ``ref`` is this row's
    ``ref``. Uploads no answer refers to any more are deleted when the draft is saved.
    """

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="uploads")
    ref = models.CharField("Kennung", max_length=32, unique=True)
    field_key = models.CharField("Feld", max_length=100)
    name = models.CharField("Dateiname", max_length=255)
    content_type = models.CharField("Dateityp", max_length=100)
    kind = models.CharField("Typ", max_length=10)
    size = models.PositiveBigIntegerField("Größe (Bytes)")
    sha512 = models.CharField("SHA-512", max_length=128)
    # Relative to the upload directory; chosen by us, never derived from the user's file name.
    path = models.CharField("Speicherort", max_length=255)
    # Hashed client address (amtsweg.core.clients.client_key) for the per-client quota; no plain IP.
    client_key = models.CharField("Client (Prüfsumme)", max_length=32, blank=True, db_index=True)
    created = models.DateTimeField("Hochgeladen am", auto_now_add=True)

    class Meta:
        verbose_name = "Hochgeladene Datei"
        verbose_name_plural = "Hochgeladene Dateien"

    def __str__(self) -> str:
        return self.name
