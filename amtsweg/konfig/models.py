"""The Konfigurationsportal's own records: one set-up per (assistant, authority), its route tests and the
versioned log of every change (before/after). What is configured lives where it is used: texts, fees,
contacts in ``forms.Overlay``, the route in ``hub.TargetSystem``/``hub.Routing``, online in
``assistant.Activation`` (written only through ``assistant.services.activation_set``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ServiceSetup(models.Model):
    """A Kommune configuring one central assistant: created by "aktivieren", carries the planned go-live."""

    definition = models.ForeignKey(
        "forms.FormDefinition", verbose_name="Antragsassistent", on_delete=models.CASCADE, related_name="+"
    )
    authority = models.ForeignKey(
        "directory.Authority", verbose_name="Behörde", on_delete=models.CASCADE, related_name="service_setups"
    )
    golive_at = models.DateTimeField("geplant online ab", null=True, blank=True, db_index=True)
    # Why a planned go-live did not happen (e.g. the route changed after the test); shown to the admin.
    golive_problem = models.CharField("Hinweis zum Online-Gang", max_length=500, blank=True)
    created_at = models.DateTimeField("aktiviert am", auto_now_add=True)
    updated_at = models.DateTimeField("geändert am", auto_now=True)

    class Meta:
        verbose_name = "Einrichtung einer Leistung"
        verbose_name_plural = "Einrichtungen von Leistungen"
        ordering = ["authority__name", "definition__title"]
        constraints = [
            models.UniqueConstraint(fields=["definition", "authority"], name="konfig_setup_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.definition} – {self.authority}"


class RouteTest(models.Model):
    """One test submission through the route as it was (``fingerprint``, see hub.services.routetest)."""

    setup = models.ForeignKey(ServiceSetup, on_delete=models.CASCADE, related_name="route_tests")
    fingerprint = models.CharField("Prüfsumme der Weiterleitung", max_length=64)
    ok = models.BooleanField("zugestellt")
    # [{"target": name, "ok": bool, "text": German text}], no personal data (the sample is fictitious).
    outcomes = models.JSONField("Ergebnisse", default=list)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField("gesendet am")

    class Meta:
        verbose_name = "Testantrag"
        verbose_name_plural = "Testanträge"
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.setup}: {'zugestellt' if self.ok else 'Fehler'} ({self.at:%d.%m.%Y %H:%M})"


class KonfigChange(models.Model):
    """The versioned change log: one row per save with the state before and after (secrets never, only
    whether they changed). ``user`` empty = the scheduler."""

    class Kind(models.TextChoices):
        ACTIVATED = "aktiviert", "aktiviert"
        TEXTS = "angaben", "Texte, Gebühren, Kontakt"
        ROUTE = "weiterleitung", "Weiterleitung"
        TEST = "test", "Testantrag"
        GOLIVE_PLANNED = "geplant", "Online-Gang geplant"
        ONLINE = "online", "online geschaltet"
        GOLIVE_FAILED = "nicht_online", "Online-Gang nicht möglich"
        DEACTIVATED = "deaktiviert", "deaktiviert"

    setup = models.ForeignKey(ServiceSetup, on_delete=models.CASCADE, related_name="changes")
    version = models.PositiveIntegerField("Version")
    kind = models.CharField("Art", max_length=20, choices=Kind.choices)
    before = models.JSONField("vorher", default=dict, blank=True)
    after = models.JSONField("nachher", default=dict, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField("am")

    class Meta:
        verbose_name = "Änderung (Konfiguration)"
        verbose_name_plural = "Änderungen (Konfiguration)"
        ordering = ["setup", "-version"]
        constraints = [models.UniqueConstraint(fields=["setup", "version"], name="konfig_change_version_unique")]

    def __str__(self) -> str:
        return f"{self.setup} v{self.version}: {self.get_kind_display()}"


class Handover(models.Model):
    """Shared service: an authority hands a Leistung for its territory to another authority, which accepts
    it (or declines). Accepting writes the Zuständigkeit override (``jurisdiction.services.override_set``);
    ending it removes the override. The record stays as the history."""

    class Status(models.TextChoices):
        OFFERED = "angeboten", "angeboten"
        ACCEPTED = "angenommen", "angenommen (Zuständigkeit übertragen)"
        DECLINED = "abgelehnt", "abgelehnt"
        ENDED = "beendet", "beendet"

    leistung = models.ForeignKey(
        "catalog.Leistung", verbose_name="Leistung", on_delete=models.PROTECT, related_name="+"
    )
    from_authority = models.ForeignKey(
        "directory.Authority", verbose_name="übertragende Behörde", on_delete=models.PROTECT, related_name="+"
    )
    to_authority = models.ForeignKey(
        "directory.Authority", verbose_name="übernehmende Behörde", on_delete=models.PROTECT, related_name="+"
    )
    territory = models.ForeignKey(
        "directory.Territory", verbose_name="Gebiet", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField("Status", max_length=12, choices=Status.choices, default=Status.OFFERED)
    offered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    offered_at = models.DateTimeField("angeboten am")
    decided_at = models.DateTimeField("entschieden am", null=True, blank=True)

    class Meta:
        verbose_name = "Übertragung (Shared Service)"
        verbose_name_plural = "Übertragungen (Shared Service)"
        ordering = ["-offered_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["leistung", "territory"],
                condition=models.Q(status__in=["angeboten", "angenommen"]),
                name="konfig_handover_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.leistung} ({self.territory}): {self.from_authority} → {self.to_authority}"
