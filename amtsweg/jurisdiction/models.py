"""Explicit exceptions to the default Zuständigkeit derived from the execution level."""

from django.db import models


class Override(models.Model):
    """For a Leistung in a territory, a named authority is responsible instead of the default.

    Examples: a Große Kreisstadt that takes over a Kreis task for its own area, or
    one Kommune handling a Leistung for a neighbour as a shared service. The
    territory may be a Gemeinde or a larger unit (Gemeindeverband, Kreis); the most
    specific override wins.
    """

    class Reason(models.TextChoices):
        GROSSE_KREISSTADT = "grosse_kreisstadt", "Große Kreisstadt nimmt Kreisaufgabe wahr"
        SHARED_SERVICE = "shared_service", "Gemeinsame Aufgabenwahrnehmung (Shared Service)"
        DELEGATION = "delegation", "Übertragung durch Vereinbarung oder Verordnung"

    leistung = models.ForeignKey("catalog.Leistung", on_delete=models.CASCADE, related_name="overrides")
    territory = models.ForeignKey("directory.Territory", on_delete=models.PROTECT, related_name="overrides")
    authority = models.ForeignKey("directory.Authority", on_delete=models.PROTECT, related_name="overrides")
    reason = models.CharField("Grund", max_length=30, choices=Reason.choices)
    note = models.TextField("Erläuterung", blank=True)

    class Meta:
        verbose_name = "Abweichende Zuständigkeit"
        verbose_name_plural = "Abweichende Zuständigkeiten"
        constraints = [models.UniqueConstraint(fields=["leistung", "territory"], name="override_unique")]

    def __str__(self) -> str:
        return f"{self.leistung} in {self.territory} → {self.authority}"
