"""Municipality register (Gemeindeverzeichnis) and authorities.

A ``Territory`` is one unit of the official register (Destatis GV100AD): Land,
Regierungsbezirk, Region, Kreis, Gemeindeverband or Gemeinde. Units are never
deleted: when a register update dissolves a Gemeinde (merger), the old row gets
``valid_until`` and a ``successor`` so everything that references it keeps
working and can be redirected.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Territory(models.Model):
    class Kind(models.TextChoices):
        LAND = "land", "Land"
        REGIERUNGSBEZIRK = "regierungsbezirk", "Regierungsbezirk"
        REGION = "region", "Region"
        KREIS = "kreis", "Kreis"
        GEMEINDEVERBAND = "gemeindeverband", "Gemeindeverband"
        GEMEINDE = "gemeinde", "Gemeinde"

    kind = models.CharField("Art", max_length=20, choices=Kind.choices, db_index=True)
    # Regionalschlüssel as the register builds it: 2 (Land), 3 (RB), 5 (Kreis),
    # 9 (Gemeindeverband) or 12 (Gemeinde) digits.
    ars = models.CharField("Regionalschlüssel (ARS)", max_length=12, db_index=True)
    # Amtlicher Gemeindeschlüssel: 2 (Land), 3 (RB), 5 (Kreis) or 8 (Gemeinde) digits; empty for Verbände.
    ags = models.CharField("Gemeindeschlüssel (AGS)", max_length=8, blank=True, db_index=True)
    name = models.CharField("Name", max_length=200)
    # GV100AD Textkennzeichen, e.g. 41 kreisfreie Stadt, 44 Landkreis, 54 Verwaltungsgemeinschaft,
    # 56 Verwaltungsverband, 61 Stadt, 63 Gemeinde, 64 Stadt (Große Kreisstadt etc.).
    type_code = models.CharField("Textkennzeichen", max_length=2, blank=True)
    seat = models.CharField("Sitz der Verwaltung", max_length=200, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name="übergeordnet", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Denormalised for fast look-ups: the Kreis (or kreisfreie Stadt) a unit belongs to.
    kreis = models.ForeignKey(
        "self", verbose_name="Kreis", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    area_ha = models.BigIntegerField("Fläche (ha)", null=True, blank=True)
    population = models.PositiveIntegerField("Bevölkerung", null=True, blank=True)
    postal_code = models.CharField("PLZ (Verwaltungssitz)", max_length=5, blank=True)
    register_date = models.DateField("Gebietsstand", null=True, blank=True)
    valid_until = models.DateField("gültig bis", null=True, blank=True, db_index=True)
    successor = models.ForeignKey(
        "self",
        verbose_name="Nachfolger",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
    )

    class Meta:
        verbose_name = "Gebiet"
        verbose_name_plural = "Gebiete"
        ordering = ["ars"]
        constraints = [
            models.UniqueConstraint(
                fields=["ars"], condition=Q(valid_until__isnull=True), name="territory_current_ars"
            ),
        ]
        indexes = [models.Index(fields=["kind", "valid_until"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.ags or self.ars})"

    @property
    def is_current(self) -> bool:
        return self.valid_until is None


class PostalCode(models.Model):
    """PLZ → Gemeinde (a PLZ may span several Gemeinden and vice versa). © OpenStreetMap contributors, ODbL."""

    code = models.CharField("PLZ", max_length=5, db_index=True)
    place_name = models.CharField("Ort", max_length=200)
    gemeinde = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="postal_codes")

    class Meta:
        verbose_name = "Postleitzahl"
        verbose_name_plural = "Postleitzahlen"
        constraints = [models.UniqueConstraint(fields=["code", "gemeinde"], name="postalcode_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.place_name}"


class RegisterImport(models.Model):
    """One run of the register importer, with the report of what changed."""

    source = models.CharField("Quelle", max_length=255)
    register_date = models.DateField("Gebietsstand")
    scope = models.CharField("Umfang (Länderschlüssel oder 'DE')", max_length=2)
    started_at = models.DateTimeField(auto_now_add=True)
    report = models.JSONField("Bericht", default=dict)

    class Meta:
        verbose_name = "Verzeichnis-Import"
        verbose_name_plural = "Verzeichnis-Importe"
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.source} (Gebietsstand {self.register_date:%d.%m.%Y}, {self.scope})"


class TerritoryChange(models.Model):
    """A change seen between two register versions (new, renamed, merged, moved, dissolved)."""

    class Kind(models.TextChoices):
        CREATED = "created", "neu"
        RENAMED = "renamed", "umbenannt"
        MERGED = "merged", "aufgegangen in"
        MOVED = "moved", "Schlüssel geändert"
        DISSOLVED = "dissolved", "aufgelöst"
        UPDATED = "updated", "Daten aktualisiert"

    register_import = models.ForeignKey(RegisterImport, on_delete=models.CASCADE, related_name="changes")
    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    old_value = models.CharField(max_length=255, blank=True)
    new_value = models.CharField(max_length=255, blank=True)
    related = models.ForeignKey(Territory, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "Gebietsänderung"
        verbose_name_plural = "Gebietsänderungen"

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.territory}"


class Authority(models.Model):
    """A Behörde / Organisationseinheit that executes Leistungen for a territory.

    ``acts_for_gemeinde`` / ``acts_for_kreis`` say which level of tasks it carries
    out; a kreisfreie Stadt's administration does both. ``serves`` lists the
    Gemeinden it serves at that level.
    """

    class Kind(models.TextChoices):
        LANDRATSAMT = "landratsamt", "Landratsamt"
        KREISFREIE_STADT = "kreisfreie_stadt", "Stadtverwaltung (kreisfreie Stadt)"
        GEMEINDEVERWALTUNG = "gemeindeverwaltung", "Gemeinde-/Stadtverwaltung"
        VERWALTUNGSGEMEINSCHAFT = "verwaltungsgemeinschaft", "Verwaltungsgemeinschaft (erfüllende Gemeinde)"
        VERWALTUNGSVERBAND = "verwaltungsverband", "Verwaltungsverband"
        LANDESBEHOERDE = "landesbehoerde", "Landesbehörde"
        SONSTIGE = "sonstige", "Sonstige Stelle"

    key = models.SlugField(
        "Schlüssel",
        max_length=64,
        unique=True,
        help_text="Stabiler Schlüssel für Import und Export, z. B. „lra-14522“ oder „gem-14713000“.",
    )
    name = models.CharField("Name", max_length=255)
    kind = models.CharField("Art", max_length=30, choices=Kind.choices)
    territory = models.ForeignKey(
        Territory, verbose_name="Körperschaft", on_delete=models.PROTECT, related_name="authorities"
    )
    serves = models.ManyToManyField(Territory, verbose_name="zuständig für Gemeinden", related_name="served_by")
    acts_for_gemeinde = models.BooleanField("nimmt Gemeindeaufgaben wahr", default=False)
    acts_for_kreis = models.BooleanField("nimmt Kreisaufgaben wahr", default=False)
    street = models.CharField("Straße und Hausnummer", max_length=255, blank=True)
    postal_code = models.CharField("PLZ", max_length=5, blank=True)
    city = models.CharField("Ort", max_length=200, blank=True)
    phone = models.CharField("Telefon", max_length=50, blank=True)
    email = models.EmailField("E-Mail", blank=True)
    website = models.URLField("Website", blank=True)
    opening_hours = models.TextField("Öffnungszeiten", blank=True)
    # Generated defaults may be regenerated; once an admin edits a row it is left alone.
    generated = models.BooleanField(
        "aus Verzeichnis erzeugt",
        default=True,
        help_text="Erzeugte Einträge werden beim nächsten Verzeichnis-Import aktualisiert. "
        "Sobald ein Eintrag bearbeitet wird, bleibt er unverändert.",
    )
    # Generated rows carry placeholder contact data (no street, generic opening hours) until someone checks them.
    needs_review = models.BooleanField(
        "Angaben prüfen",
        default=False,
        help_text="Anschrift, Kontakt und Öffnungszeiten sind Platzhalter und müssen noch gepflegt werden.",
    )
    active = models.BooleanField(
        "aktiv", default=True, help_text="Inaktive Behörden (z. B. nach einer Gemeindefusion) werden nicht angezeigt."
    )

    class Meta:
        verbose_name = "Behörde"
        verbose_name_plural = "Behörden"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ReferenceVersion(models.Model):
    """A single row whose token changes whenever territories, authorities or Zuständigkeit overrides change.

    Processes that keep the reference data in memory (``jurisdiction.snapshot``) compare it on every
    request. A fresh random token rather than a counter: a rolled-back change must never leave a
    stamp another change reuses.
    """

    token = models.CharField(max_length=32)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Stand der Referenzdaten"
        verbose_name_plural = "Stand der Referenzdaten"

    def __str__(self) -> str:
        return f"{self.token} ({self.changed_at:%d.%m.%Y %H:%M})"


class AuthorityMembership(models.Model):
    """A staff user working for an authority. Every staff page and admin list is scoped by these rows;
    superusers (zentrale Koordination) see everything without one."""

    class Role(models.TextChoices):
        SACHBEARBEITUNG = "sachbearbeitung", "Sachbearbeitung"
        KOMMUNAL_ADMIN = "kommunal_admin", "Kommunal-Admin"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="Benutzer",
        on_delete=models.CASCADE,
        related_name="authority_memberships",
    )
    authority = models.ForeignKey(
        Authority, verbose_name="Behörde", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField("Rolle", max_length=20, choices=Role.choices, default=Role.SACHBEARBEITUNG)
    created = models.DateTimeField("angelegt am", auto_now_add=True)

    class Meta:
        verbose_name = "Behördenzugehörigkeit"
        verbose_name_plural = "Behördenzugehörigkeiten"
        ordering = ["authority__name", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "authority"], name="directory_membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.authority} ({self.get_role_display()})"
