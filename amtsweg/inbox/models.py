"""What the inbox keeps besides the cases themselves: a case worker's saved views and the authority's
text templates for Nachforderungen."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class SavedView(models.Model):
    """A named filter and sort of the inbox list, per user (the query string of the list, cleaned)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="Benutzer", on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField("Name", max_length=80)
    query = models.CharField("Filter", max_length=500, blank=True)
    created = models.DateTimeField("angelegt am", auto_now_add=True)

    class Meta:
        verbose_name = "Gespeicherte Ansicht"
        verbose_name_plural = "Gespeicherte Ansichten"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="inbox_savedview_user_name")]

    def __str__(self) -> str:
        return self.name


class NachforderungVorlage(models.Model):
    """A text template for requesting documents, of one authority, for all its Leistungen or one of them.
    Managed in the admin by a Kommunal-Admin of that authority; offered in the Nachforderung form."""

    authority = models.ForeignKey(
        "directory.Authority", verbose_name="Behörde", on_delete=models.CASCADE, related_name="+"
    )
    leistung = models.ForeignKey(
        "catalog.Leistung",
        verbose_name="Leistung",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Leer lassen, wenn die Vorlage für alle Leistungen der Behörde gilt.",
    )
    title = models.CharField("Bezeichnung", max_length=120)
    text = models.TextField("Nachricht an die antragstellende Person", max_length=4000)
    documents = models.TextField("Angeforderte Unterlagen (eine pro Zeile)", max_length=2000, blank=True)
    updated = models.DateTimeField("geändert am", auto_now=True)

    class Meta:
        verbose_name = "Vorlage für Nachforderungen"
        verbose_name_plural = "Vorlagen für Nachforderungen"
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["authority", "leistung", "title"], name="inbox_nfvorlage_unique"),
        ]
        indexes = [models.Index(fields=["authority", "leistung"], name="inbox_nfvorlage_authority_idx")]

    def __str__(self) -> str:
        return self.title
