"""Service catalogue: OZG-Umsetzungskatalog and LeiKa-Leistungen."""

from django.db import models


class Themenfeld(models.Model):
    name = models.CharField("Name", max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)

    class Meta:
        verbose_name = "Themenfeld"
        verbose_name_plural = "Themenfelder"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Lebenslage(models.Model):
    name = models.CharField("Name", max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    themenfeld = models.ForeignKey(Themenfeld, on_delete=models.PROTECT, related_name="lebenslagen")

    class Meta:
        verbose_name = "Lebenslage"
        verbose_name_plural = "Lebenslagen"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ExecutionLevel(models.TextChoices):
    """Who executes a Leistung (Vollzug). LeiKa-Typ alone cannot tell; see docs/standards/leika.md."""

    GEMEINDE = "gemeinde", "Gemeinde"
    KREIS = "kreis", "Landkreis / kreisfreie Stadt"
    LAND = "land", "Land"
    BUND = "bund", "Bund"
    UNBEKANNT = "", "nicht festgelegt"


class OzgLeistung(models.Model):
    """An OZG-Leistung (bundle of LeiKa-Leistungen) from the OZG-Umsetzungskatalog."""

    ozg_id = models.CharField("OZG-ID", max_length=10, unique=True)
    name = models.CharField("Bezeichnung", max_length=255)
    lebenslage = models.ForeignKey(Lebenslage, on_delete=models.PROTECT, related_name="ozg_leistungen")

    class Meta:
        verbose_name = "OZG-Leistung"
        verbose_name_plural = "OZG-Leistungen"
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.ozg_id})"


class AssuranceLevel(models.TextChoices):
    """Vertrauensniveau of an identification (eIDAS / TR-03107-1), lowest first."""

    NIEDRIG = "niedrig", "niedrig"
    SUBSTANZIELL = "substanziell", "substanziell"
    HOCH = "hoch", "hoch"

    @classmethod
    def rank(cls, value: str | None) -> int:
        """0, 1, 2 for the known levels; -1 for none or an unknown value (below everything)."""
        order = [cls.NIEDRIG, cls.SUBSTANZIELL, cls.HOCH]
        return order.index(value) if value in order else -1


class Leistung(models.Model):
    """A LeiKa-Leistung with its Stammtext (editable) and execution level."""

    slug = models.SlugField(max_length=255, unique=True)
    # 14-digit LeiKa key; empty for entries the catalogue marks "nicht im LeiKa".
    leika_key = models.CharField("LeiKa-Schlüssel", max_length=14, blank=True, db_index=True)
    # The source has names up to ~290 characters.
    name = models.CharField("Bezeichnung", max_length=500)
    leika_typ = models.CharField("LeiKa-Typ", max_length=10, blank=True)
    ozg = models.ForeignKey(OzgLeistung, on_delete=models.PROTECT, related_name="leistungen")
    execution_level = models.CharField(
        "Vollzugsebene", max_length=10, choices=ExecutionLevel.choices, blank=True, default=""
    )
    # Stammtext fields (FIM-Stammtext): editable, imported where the data has them.
    description = models.TextField("Beschreibung", blank=True)
    required_documents = models.TextField("Erforderliche Unterlagen", blank=True)
    fees = models.TextField("Kosten (Gebühren)", blank=True)
    deadlines = models.TextField("Fristen", blank=True)
    processing_time = models.TextField("Bearbeitungsdauer", blank=True)
    legal_basis = models.TextField("Rechtsgrundlage", blank=True)
    keywords = models.TextField(
        "Suchbegriffe", blank=True, help_text="Weitere Begriffe, unter denen die Leistung gefunden wird."
    )
    online_url = models.URLField("Online-Dienst (landesweit)", blank=True)
    # The assistant asks for a login at this level or higher (amtsweg.accounts.selectors.assurance_shortfall).
    required_assurance_level = models.CharField(
        "Erforderliches Vertrauensniveau",
        max_length=12,
        choices=AssuranceLevel.choices,
        default=AssuranceLevel.NIEDRIG,
        help_text="„niedrig“: ohne Konto oder mit Passwort. „substanziell“/„hoch“: Anmeldung mit einem Nutzerkonto "
        "wie BundID auf diesem Niveau.",
    )
    # A form to print and hand in, for citizens whose authority offers no online application.
    form_url = models.URLField(
        "Formular zum Herunterladen",
        blank=True,
        help_text="Adresse eines Antragsformulars (z. B. PDF), das auf der Leistungsseite angeboten wird.",
    )

    # The deadline clock of the inbox (cases.deadline) counts from the day of receipt.
    # Issue 10 §5: "Antrag zurückziehen" in Meine Anträge. On the Leistung (not the form definition): the
    # law of the Leistung decides, and it holds for applications from external portals too (ADR 0023).
    withdrawal_allowed = models.BooleanField(
        "Rücknahme online möglich",
        default=True,
        help_text="Antragstellende können einen offenen Antrag in „Meine Anträge“ zurückziehen.",
    )
    processing_days = models.PositiveSmallIntegerField(
        "Bearbeitungsfrist (Arbeitstage)",
        default=20,
        help_text="Frist für die Bearbeitung in Arbeitstagen (Sachsen, ohne Feiertage); "
        "sie ruht, solange Unterlagen nachgefordert sind.",
    )

    # Privacy: how long applications for this Leistung are kept (amtsweg.ops.retention). Empty means the
    # platform default (settings.AMTSWEG_RETENTION_DAYS_DEFAULT), so changing that needs no migration.
    retention_days = models.PositiveIntegerField(
        "Aufbewahrungsfrist (Tage)",
        null=True,
        blank=True,
        help_text="Tage nach Abschluss des Vorgangs (oder nach Eingang, wenn er nie abgeschlossen wurde), nach denen "
        "Antragsdaten, Anlagen und Bescheide gelöscht werden. Leer: Standardwert der Plattform.",
    )

    # Why the execution level is what it is (curated source note or default rule); shown in explanations.
    execution_level_note = models.CharField("Begründung der Vollzugsebene", max_length=500, blank=True)
    # False for rows of the source that are obviously not real services (test rows of the dump).
    published = models.BooleanField("Im Portal sichtbar", default=True)
    # Stable identity of the source row, so re-imports update instead of duplicating: the LeiKa key, or
    # for "nicht im LeiKa" rows a key built from OZG-ID, name and occurrence.
    import_key = models.CharField("Importschlüssel", max_length=64, unique=True, editable=False)
    # Values the importer last wrote per field. A field whose current value differs was edited by an
    # editor and is left alone by the next import (see services.catalog_import).
    imported_values = models.JSONField("Importierte Werte", default=dict, blank=True, editable=False)
    # Changes whenever the row changes; catalog_version() uses it to invalidate the search index.
    updated_at = models.DateTimeField("Geändert am", auto_now=True, db_index=True)

    class Meta:
        verbose_name = "Leistung"
        verbose_name_plural = "Leistungen"
        ordering = ["name"]
        indexes = [models.Index(fields=["execution_level"], name="catalog_leistung_level_idx")]

    def __str__(self) -> str:
        return self.name
