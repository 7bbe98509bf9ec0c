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


class Leistung(models.Model):
    """A LeiKa-Leistung with its Stammtext (editable) and execution level."""

    slug = models.SlugField(max_length=255, unique=True)
    # 14-digit LeiKa key; empty for entries the catalogue marks "nicht im LeiKa".
    leika_key = models.CharField("LeiKa-Schlüssel", max_length=14, blank=True, db_index=True)
    name = models.CharField("Bezeichnung", max_length=255)
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
    keywords = models.TextField("Suchbegriffe", blank=True, help_text="Weitere Begriffe, unter denen die Leistung gefunden wird.")
    online_url = models.URLField("Online-Dienst (landesweit)", blank=True)

    class Meta:
        verbose_name = "Leistung"
        verbose_name_plural = "Leistungen"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
