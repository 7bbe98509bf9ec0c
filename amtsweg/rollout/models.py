"""Adoption records for services running outside the platform, and published Kurzstatus reports.

The platform's own go-lives are *not* stored here: they are ``assistant.ActivationPeriod`` rows (written
by ``activation_set``), read by ``coverage.py``. An ``AdoptionRecord`` covers what the platform cannot
see — EfA services, third-party products, counts of the SAKD newsletter — imported from CSV.
"""

from django.conf import settings
from django.db import models


class AdoptionRecord(models.Model):
    """An authority offers a Leistung online (outside the platform) from ``since`` to ``until`` (inclusive)."""

    leistung = models.ForeignKey(
        "catalog.Leistung", verbose_name="Leistung", on_delete=models.PROTECT, related_name="adoption_records"
    )
    # The responsible authority for the Leistung in ``territory``, resolved through the Zuständigkeit at import.
    authority = models.ForeignKey(
        "directory.Authority", verbose_name="Behörde", on_delete=models.PROTECT, related_name="adoption_records"
    )
    # The unit named in the import (Gemeinde, Gemeindeverband or Kreis, by ARS), kept as given.
    territory = models.ForeignKey(
        "directory.Territory", verbose_name="Gebiet", on_delete=models.PROTECT, related_name="adoption_records"
    )
    since = models.DateField("angeboten seit")
    until = models.DateField("angeboten bis", null=True, blank=True, help_text="Letzter Tag des Angebots.")
    solution = models.CharField("Lösung", max_length=255, blank=True)
    source = models.CharField("Quelle", max_length=255, blank=True)
    imported_at = models.DateTimeField("importiert am", auto_now_add=True)
    updated_at = models.DateTimeField("geändert am", auto_now=True)

    class Meta:
        verbose_name = "Angebot außerhalb der Plattform"
        verbose_name_plural = "Angebote außerhalb der Plattform"
        ordering = ["leistung_id", "authority_id", "since"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(until__isnull=True) | models.Q(until__gte=models.F("since")),
                name="rollout_record_until_after_since",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.leistung_id} – {self.authority} seit {self.since:%d.%m.%Y}"


class ReportLabel(models.Model):
    """How the monitor and the Kurzstatus name a Leistung (e.g. "Kfz-Wunschkennzeichen"), with a footnote."""

    leistung = models.OneToOneField(
        "catalog.Leistung", verbose_name="Leistung", on_delete=models.CASCADE, related_name="rollout_label"
    )
    title = models.CharField("Bezeichnung im Bericht", max_length=255)
    footnote = models.CharField("Fußnote", max_length=500, blank=True)

    class Meta:
        verbose_name = "Bezeichnung im Roll-out-Bericht"
        verbose_name_plural = "Bezeichnungen im Roll-out-Bericht"

    def __str__(self) -> str:
        return self.title


class PlannedService(models.Model):
    """A Leistung close to completion, with the planned date (the Kurzstatus' "Kurz vor der Fertigstellung")."""

    leistung = models.OneToOneField(
        "catalog.Leistung", verbose_name="Leistung", on_delete=models.CASCADE, related_name="rollout_plan"
    )
    title = models.CharField("Bezeichnung im Bericht", max_length=255, blank=True)
    planned_for = models.DateField("Fertigstellung geplant (Monat)")
    done = models.BooleanField("fertiggestellt", default=False)

    class Meta:
        verbose_name = "Geplante Online-Leistung"
        verbose_name_plural = "Geplante Online-Leistungen"
        ordering = ["planned_for", "leistung_id"]

    def __str__(self) -> str:
        return f"{self.title or self.leistung_id} ({self.planned_for:%m/%Y})"


class KurzstatusPublication(models.Model):
    """A Kurzstatus report as published (HTML, PDF and CSV as generated at the time; never regenerated)."""

    stichtag = models.DateField("Stichtag")
    published_at = models.DateTimeField("veröffentlicht am", auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="veröffentlicht von", null=True, on_delete=models.SET_NULL
    )
    html = models.TextField()
    csv = models.TextField()
    pdf = models.BinaryField()

    class Meta:
        verbose_name = "Veröffentlichter Kurzstatus"
        verbose_name_plural = "Veröffentlichte Kurzstatus"
        ordering = ["-published_at"]

    def __str__(self) -> str:
        return f"Kurzstatus {self.stichtag:%d.%m.%Y}"


# Reifegrad criteria (rollout/reifegrad.py): key → German label.
REIFEGRAD_CRITERIA = {
    "information": "Leistungsbeschreibung online",
    "online_antrag": "Antrag online stellbar",
    "nutzerkonto": "Anmeldung mit Nutzerkonto (Servicekonto/BundID)",
    "nachweise_digital": "Nachweise digital einreichbar (oder keine nötig)",
    "bezahlung_online": "Gebühren online bezahlbar (oder keine)",
    "bescheid_digital": "Bescheid digital ins Postfach",
    "datenuebergabe": "Strukturierte Übergabe an das Fachverfahren",
    "statusinformation": "Statusinformation für Antragstellende",
    "once_only": "Nachweisabruf nach Once-Only (Register, NOOTS)",
    "e_akte": "Übernahme in die E-Akte",
    "ende_zu_ende": "Durchgängig digitale Bearbeitung und Abrechnung",
}


class ReifegradDeclaration(models.Model):
    """A Reifegrad criterion the platform cannot see, declared by the zentrale Koordination.

    Without ``authority`` it holds for every authority offering the Leistung (e.g. an EfA service); a row
    for one authority wins over it. What the platform knows itself (online live, Servicekonto login,
    Bescheid in the Postfach, structured handover, E-Akte export by route) is derived, not declared.
    """

    leistung = models.ForeignKey(
        "catalog.Leistung", verbose_name="Leistung", on_delete=models.CASCADE, related_name="reifegrad_declarations"
    )
    authority = models.ForeignKey(
        "directory.Authority",
        verbose_name="Behörde",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reifegrad_declarations",
        help_text="Leer: gilt für alle Behörden, die die Leistung anbieten.",
    )
    criterion = models.CharField("Kriterium", max_length=40, choices=list(REIFEGRAD_CRITERIA.items()))
    fulfilled = models.BooleanField("erfüllt", default=True)
    note = models.CharField("Erläuterung", max_length=500, blank=True)
    updated_at = models.DateTimeField("geändert am", auto_now=True)

    class Meta:
        verbose_name = "Reifegrad-Angabe"
        verbose_name_plural = "Reifegrad-Angaben"
        constraints = [
            models.UniqueConstraint(
                fields=["leistung", "authority", "criterion"], name="rollout_reifegrad_declaration_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.leistung_id} {self.criterion}: {'ja' if self.fulfilled else 'nein'}"
