"""The citizen-facing runtime of application assistants: activations, drafts and their uploads.

Writes go through ``amtsweg.assistant.services``. A ``Draft`` pins the ``FormVersion`` it was started
with, so a newer central version never changes an application in progress.
"""

from django.conf import settings
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


class ActivationPeriod(models.Model):
    """A span in which an activation was live: written by ``activation_set`` only, never by hand.

    The roll-out monitor derives adoption from these periods (go-live and deactivation are recorded once,
    here), so coverage on any past date can be answered.
    """

    activation = models.ForeignKey(Activation, on_delete=models.CASCADE, related_name="periods")
    since = models.DateTimeField("online seit")
    until = models.DateTimeField("online bis", null=True, blank=True)

    class Meta:
        verbose_name = "Online-Zeitraum"
        verbose_name_plural = "Online-Zeiträume"
        ordering = ["activation", "since"]
        constraints = [
            models.UniqueConstraint(
                fields=["activation"], condition=models.Q(until__isnull=True), name="assistant_period_one_open"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.activation}: {self.since:%d.%m.%Y} – {self.until:%d.%m.%Y}"
            if self.until
            else f"{self.activation}: seit {self.since:%d.%m.%Y}"
        )


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
    # The hash of the last link that was opened (links are single-use), so a second open can say so.
    resume_used_hash = models.CharField("Benutzter Fortsetzungs-Link (Prüfsumme)", max_length=64, blank=True)
    submitted_number = models.CharField("Vorgangsnummer", max_length=20, blank=True)
    created = models.DateTimeField("Angelegt am", auto_now_add=True)
    updated = models.DateTimeField("Geändert am", auto_now=True)
    expires_at = models.DateTimeField("Läuft ab am", db_index=True)
    # The account that started or saved it while logged in: "Meine Anträge" lists it and the owner
    # continues on any device without the e-mailed link. SET_NULL: a deleted account's drafts expire
    # with their files through ``drafts_expire`` (a cascade would leave the files behind).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="Konto",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assistant_drafts",
    )
    # Applying "für die Organisation" (chosen at the start); handed to the Vorgang on submission.
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name="Für Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Set for the reopened upload step of a Nachforderung (``assistant.reopen``): the answers hold only
    # the newly uploaded files; the earlier ones are read from the submission.
    vorgang = models.ForeignKey(
        "cases.Vorgang",
        verbose_name="Nachreichung zu Vorgang",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )

    class Meta:
        verbose_name = "Antragsentwurf"
        verbose_name_plural = "Antragsentwürfe"
        indexes = [models.Index(fields=["user", "-updated"], name="assistant_draft_user_idx")]

    def __str__(self) -> str:
        return f"Entwurf {self.pk} ({self.version})"


class ResumeMail(models.Model):
    """One requested resume-link e-mail, sent by the worker (``assistant.tasks.resume_mail_send``).

    The address is kept only until the mail is sent or given up, then blanked. The link's token is
    made by the worker when it sends; only its hash is stored (on the draft), never the link.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "wird versandt"
        SENT = "sent", "versandt"
        FAILED = "failed", "nicht zustellbar"

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="resume_mails")
    # Personal data: kept only while the mail waits to be sent.
    email = models.CharField("E-Mail-Adresse (bis zum Versand)", max_length=254, blank=True)
    base_url = models.CharField("Adresse der Plattform", max_length=200)
    # The citizen's page language when asking for the link: the e-mail is written in it (ADR 0025).
    language = models.CharField("Sprache", max_length=8, default="de")
    status = models.CharField("Status", max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField("Versandversuche", default=0)
    claimed_at = models.DateTimeField("Versand begonnen am", null=True, blank=True)
    # Only the exception class: messages may contain the address.
    error = models.CharField("Letzter Versandfehler", max_length=100, blank=True)
    created = models.DateTimeField("Angefordert am", auto_now_add=True)
    sent_at = models.DateTimeField("Versandt am", null=True, blank=True)

    class Meta:
        verbose_name = "Fortsetzungs-E-Mail"
        verbose_name_plural = "Fortsetzungs-E-Mails"
        indexes = [models.Index(fields=["draft", "status"], name="assistant_resumemail_state")]

    def __str__(self) -> str:
        return f"Fortsetzungs-E-Mail {self.pk} ({self.get_status_display()})"


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
    # Hashed client address (amtsweg.web.clients.client_key) for the per-client quota; no plain IP.
    client_key = models.CharField("Client (Prüfsumme)", max_length=32, blank=True, db_index=True)
    created = models.DateTimeField("Hochgeladen am", auto_now_add=True)

    class Meta:
        verbose_name = "Hochgeladene Datei"
        verbose_name_plural = "Hochgeladene Dateien"

    def __str__(self) -> str:
        return self.name
