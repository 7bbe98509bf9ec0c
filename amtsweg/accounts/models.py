"""Servicekonto (the citizen's profile) and Organisationskonto (a business with members and invitations).

Logins, e-mail addresses and second factors are django-allauth's models; here is only what Amtsweg adds.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Profile(models.Model):
    """Personal data the citizen keeps in the account (used to prefill applications later)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    given_name = models.CharField("Vorname", max_length=150, blank=True)
    family_name = models.CharField("Familienname", max_length=150, blank=True)
    birth_date = models.DateField("Geburtsdatum", null=True, blank=True)
    street = models.CharField("Straße", max_length=200, blank=True)
    house_number = models.CharField("Hausnummer", max_length=20, blank=True)
    postal_code = models.CharField("Postleitzahl", max_length=5, blank=True)
    city = models.CharField("Ort", max_length=200, blank=True)
    updated_at = models.DateTimeField("Geändert am", auto_now=True)

    class Meta:
        verbose_name = "Profil"
        verbose_name_plural = "Profile"

    def __str__(self) -> str:
        return f"Profil {self.user_id}"


class Organisation(models.Model):
    """A business or association that acts through several user accounts (Organisationskonto)."""

    name = models.CharField("Name", max_length=255)
    register_court = models.CharField("Registergericht", max_length=120, blank=True)
    register_number = models.CharField("Handelsregisternummer", max_length=40, blank=True, help_text="z. B. HRB 12345")
    vat_id = models.CharField("Umsatzsteuer-Identifikationsnummer", max_length=20, blank=True)
    created_at = models.DateTimeField("Angelegt am", auto_now_add=True)

    class Meta:
        verbose_name = "Organisation"
        verbose_name_plural = "Organisationen"

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    INHABER = "inhaber", _("Inhaber/in")
    BEARBEITER = "bearbeiter", _("Bearbeiter/in")


class Membership(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField("Rolle", max_length=12, choices=Role.choices, default=Role.BEARBEITER)
    created_at = models.DateTimeField("Seit", auto_now_add=True)

    class Meta:
        verbose_name = "Mitgliedschaft"
        verbose_name_plural = "Mitgliedschaften"
        constraints = [models.UniqueConstraint(fields=["organisation", "user"], name="accounts_membership_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.organisation_id} ({self.role})"


class Invitation(models.Model):
    """An invitation by e-mail: only the hash of its token is stored; valid once, until it expires."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField("E-Mail-Adresse")
    role = models.CharField("Rolle", max_length=12, choices=Role.choices, default=Role.BEARBEITER)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="Eingeladen von"
    )
    created_at = models.DateTimeField("Eingeladen am", auto_now_add=True)
    expires_at = models.DateTimeField("Gültig bis")
    accepted_at = models.DateTimeField("Angenommen am", null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "Einladung"
        verbose_name_plural = "Einladungen"

    def __str__(self) -> str:
        return f"Einladung in {self.organisation_id}"
