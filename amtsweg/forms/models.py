"""Application assistants: central form definitions, their versions and per-Kommune overlays.

Writes go through ``amtsweg.forms.services``; a published ``FormVersion`` is immutable (the
service refuses changes and a database trigger, see migration 0002, blocks them too).
"""

from django.db import models


class FormDefinition(models.Model):
    """A central application assistant, identified by its stable key (e.g. ``hundesteuer-anmeldung``)."""

    key = models.SlugField("Schlüssel", max_length=100, unique=True)
    title = models.CharField("Titel", max_length=255)
    leistung = models.ForeignKey(
        "catalog.Leistung",
        verbose_name="Leistung",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="form_definitions",
        help_text="Wird beim Laden über den LeiKa-Schlüssel der Definition zugeordnet.",
    )
    leika_key = models.CharField("LeiKa-Schlüssel", max_length=14, blank=True, db_index=True)
    # The Konfigurationsportal offers only released assistants to Kommunen; a project of the
    # Projektlandkarte releases its assistant when it reaches the phase "Produkt".
    reusable = models.BooleanField(
        "zur Nachnutzung freigegeben",
        default=True,
        help_text="Kommunen können freigegebene Antragsassistenten im Konfigurationsportal aktivieren.",
    )
    created_at = models.DateTimeField("Angelegt am", auto_now_add=True)
    updated_at = models.DateTimeField("Geändert am", auto_now=True)

    class Meta:
        verbose_name = "Antragsassistent"
        verbose_name_plural = "Antragsassistenten"
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class FormVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Entwurf"
        PUBLISHED = "published", "veröffentlicht"
        RETIRED = "retired", "zurückgezogen"

    definition = models.ForeignKey(FormDefinition, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField("Version")
    document = models.JSONField("Definition")
    status = models.CharField("Status", max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField("Veröffentlicht am", null=True, blank=True)
    # SHA-256 of the canonical JSON of ``document``; loading identical content is a no-op.
    content_hash = models.CharField("Inhalts-Prüfsumme", max_length=64, db_index=True)
    created_at = models.DateTimeField("Angelegt am", auto_now_add=True)

    class Meta:
        verbose_name = "Version"
        verbose_name_plural = "Versionen"
        ordering = ["definition", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["definition", "number"], name="forms_version_unique_number"),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(published_at__isnull=False),
                name="forms_version_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.definition.key} v{self.number} ({self.get_status_display()})"


class Overlay(models.Model):
    """Local configuration of one assistant for one authority, independent of the central version.

    It references keys (fields, parameters, steps), not versions, so it carries over to every new
    central version; ``services.overlay_conflicts`` reports keys that no longer exist.
    """

    definition = models.ForeignKey(FormDefinition, on_delete=models.CASCADE, related_name="overlays")
    authority = models.ForeignKey(
        "directory.Authority", verbose_name="Behörde", on_delete=models.CASCADE, related_name="form_overlays"
    )
    parameters = models.JSONField("Parameter", default=dict, blank=True)
    texts = models.JSONField("Texte", default=dict, blank=True)
    disabled_fields = models.JSONField("Abgeschaltete Felder", default=list, blank=True)
    contact = models.JSONField("Kontakt", default=dict, blank=True)
    updated_at = models.DateTimeField("Geändert am", auto_now=True)

    class Meta:
        verbose_name = "Anpassung einer Kommune"
        verbose_name_plural = "Anpassungen der Kommunen"
        constraints = [
            models.UniqueConstraint(fields=["definition", "authority"], name="forms_overlay_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.definition.key} – {self.authority}"


class CodeList(models.Model):
    """One version of a code list (OASIS genericode 1.0), keyed by its canonical URN and version.

    FIM fields reference code lists by URN and version (``codelisteReferenz``); the FIM importer takes their
    values from here. Attribution of source and licence is kept with the list and shown in the admin.
    """

    urn = models.CharField("Kennung (URN)", max_length=255, db_index=True)
    version = models.CharField("Version", max_length=64)
    name = models.CharField("Name", max_length=255)
    agency = models.CharField("Herausgeber", max_length=255, blank=True)
    source = models.TextField("Quelle", blank=True, help_text="Woher die Datei stammt (Repository, Commit, Pfad).")
    licence = models.CharField("Lizenz", max_length=255, blank=True)
    file_name = models.CharField("Dateiname", max_length=255, blank=True)
    code_column = models.CharField("Code-Spalte", max_length=100)
    label_column = models.CharField("Bezeichnungs-Spalte", max_length=100)
    content_hash = models.CharField("Inhalts-Prüfsumme", max_length=64)
    imported_at = models.DateTimeField("Importiert am", auto_now=True)

    class Meta:
        verbose_name = "Codeliste"
        verbose_name_plural = "Codelisten"
        ordering = ["urn", "version"]
        constraints = [models.UniqueConstraint(fields=["urn", "version"], name="forms_codelist_unique_version")]

    def __str__(self) -> str:
        return f"{self.name} ({self.urn}, Version {self.version})"

    @property
    def attribution(self) -> str:
        parts = [f"Quelle: {self.agency}" if self.agency else "", self.source, self.licence]
        return " · ".join(p for p in parts if p)


class CodeListEntry(models.Model):
    codelist = models.ForeignKey(CodeList, on_delete=models.CASCADE, related_name="entries")
    position = models.PositiveIntegerField("Position")
    code = models.CharField("Code", max_length=255)
    label = models.CharField("Bezeichnung", max_length=500)

    class Meta:
        verbose_name = "Eintrag"
        verbose_name_plural = "Einträge"
        ordering = ["codelist", "position"]
        constraints = [models.UniqueConstraint(fields=["codelist", "code"], name="forms_codelist_entry_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} – {self.label}"
