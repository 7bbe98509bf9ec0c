"""Integrationsdienst: messages, their deliveries to target systems, integration rules and routing.

Personal data (message data, attachments, target-system secrets) is stored encrypted (Fernet, see
``amtsweg.hub.crypto``) in the ``*_encrypted`` columns; hashes and routing metadata are in clear.
Writes go through ``amtsweg.hub.services``.
"""

import uuid

from django.db import models

from amtsweg.common import clock


class IntegrationRule(models.Model):
    """One version of an integration rule from the rule depot (amtsweg/hub/rules/<key>/).

    A rule applies to (Leistung by LeiKa key, or "*" for any) × target-system types. Versions are
    identified by the content hash of the rule's files; a version row never changes once loaded
    (a changed file yields a new version), and at most one version per key is active.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "aktiv"
        RETIRED = "retired", "abgelöst"

    class TransformKind(models.TextChoices):
        XSLT = "xslt", "XSLT 1.0"
        JSONMAP = "jsonmap", "JSON-Abbildung"

    class SchemaKind(models.TextChoices):
        XSD = "xsd", "XML Schema (XSD)"
        JSONSCHEMA = "jsonschema", "JSON Schema"
        NONE = "none", "keine Prüfung"

    key = models.SlugField("Regel", max_length=64)
    version = models.PositiveIntegerField("Version")
    content_hash = models.CharField("Inhalts-Prüfsumme (SHA-256)", max_length=64)
    status = models.CharField("Status", max_length=10, choices=Status.choices, default=Status.ACTIVE)
    title = models.CharField("Titel", max_length=200)
    leika_key = models.CharField("LeiKa-Schlüssel", max_length=14, default="*", help_text="„*“ = jede Leistung")
    system_types = models.JSONField("Zielsystem-Typen", default=list)
    transform_kind = models.CharField("Transformation", max_length=10, choices=TransformKind.choices)
    transform_text = models.TextField("Transformation (XSLT oder JSON-Abbildung)")
    schema_kind = models.CharField("Ausgabeprüfung", max_length=12, choices=SchemaKind.choices)
    schema_ref = models.CharField("Schema-Datei", max_length=200, blank=True)
    schema_text = models.TextField("Schema", blank=True)
    content_type = models.CharField("Ausgabeformat", max_length=50)
    document_name = models.CharField("Dateiname der Ausgabe", max_length=100)
    source_path = models.CharField("Quelle", max_length=300, blank=True)
    loaded_at = models.DateTimeField("Geladen am", default=clock.now)

    class Meta:
        verbose_name = "Integrationsregel"
        verbose_name_plural = "Integrationsregeln"
        ordering = ["key", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="hub_rule_key_version"),
            models.UniqueConstraint(fields=["key", "content_hash"], name="hub_rule_key_hash"),
            models.UniqueConstraint(
                fields=["key"], condition=models.Q(status="active"), name="hub_rule_one_active_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} v{self.version}"


class Product(models.Model):
    """A product in the shared inventory of back-office systems (Fachverfahren, DMS/E-Akte, …).

    One inventory for everyone: the Konfigurationsportal offers these as route targets (a ``TargetSystem``
    names the product it is an installation of) and the Beteiligung asks Kommunen which of them they use, so
    "who else uses X" has one answer. ``adapter_types`` lists the hub adapters (``TargetSystem.type_key``) the
    product can be reached by; empty = not connectable yet (reported, not routable).
    """

    class Kind(models.TextChoices):
        FACHVERFAHREN = "fachverfahren", "Fachverfahren"
        DMS = "dms", "DMS / E-Akte"
        POSTFACH = "postfach", "Funktionspostfach (E-Mail)"
        SONSTIGES = "sonstiges", "sonstiges System"

    name = models.CharField("Bezeichnung", max_length=200, unique=True)
    vendor = models.CharField("Hersteller", max_length=200, blank=True)
    kind = models.CharField("Art", max_length=20, choices=Kind.choices, default=Kind.FACHVERFAHREN)
    adapter_types = models.JSONField(
        "anbindbar über (Adapter)", default=list, blank=True, help_text='z. B. ["xdomea", "http"]'
    )
    description = models.TextField("Beschreibung", blank=True)
    active = models.BooleanField("aktiv", default=True)

    class Meta:
        verbose_name = "Produkt (Fachverfahren/DMS)"
        verbose_name_plural = "Produkte (Fachverfahren/DMS)"
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.vendor})" if self.vendor else self.name


class TargetSystem(models.Model):
    """A back-office system of an authority (Fachverfahren, DMS, mailbox, …) reached by one adapter.

    ``config`` holds the non-secret settings (endpoint, options); ``secrets_encrypted`` the secret ones
    (passwords, HMAC keys), merged into the config only when delivering.
    """

    authority = models.ForeignKey(
        "directory.Authority", verbose_name="Behörde", on_delete=models.CASCADE, related_name="target_systems"
    )
    key = models.SlugField("Schlüssel", max_length=64, help_text="eindeutig je Behörde, z. B. „fachverfahren“")
    name = models.CharField("Bezeichnung", max_length=200)
    type_key = models.CharField("Typ (Adapter)", max_length=30)
    product = models.ForeignKey(
        Product,
        verbose_name="Produkt",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="installations",
        help_text="Installation welches Produkts aus dem Bestand (leer = keines/unbekannt)",
    )
    config = models.JSONField("Einstellungen", default=dict, blank=True)
    secrets_encrypted = models.TextField("Geheimnisse (verschlüsselt)", blank=True, editable=False)
    wants_receipt = models.BooleanField(
        "Eingangsbestätigung (PDF) mitsenden",
        default=True,
        help_text="Lieferungen warten, bis die Eingangsbestätigung erzeugt ist.",
    )
    active = models.BooleanField("aktiv", default=True)

    class Meta:
        verbose_name = "Zielsystem"
        verbose_name_plural = "Zielsysteme"
        ordering = ["authority__name", "name"]
        constraints = [models.UniqueConstraint(fields=["authority", "key"], name="hub_target_authority_key")]

    def __str__(self) -> str:
        return f"{self.name} ({self.type_key})"


class Routing(models.Model):
    """Authority × Leistung (or every Leistung) → target system. Configured per Kommune, no rules here."""

    authority = models.ForeignKey(
        "directory.Authority", verbose_name="Behörde", on_delete=models.CASCADE, related_name="routings"
    )
    leistung = models.ForeignKey(
        "catalog.Leistung",
        verbose_name="Leistung",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="leer = alle Leistungen dieser Behörde",
    )
    target = models.ForeignKey(
        TargetSystem, verbose_name="Zielsystem", on_delete=models.CASCADE, related_name="routings"
    )
    active = models.BooleanField("aktiv", default=True)
    # Not a column: set by routing_create/routing_set (amtsweg.hub.routing), how many waiting messages
    # the saved route sent on at once; the admin reports it.
    released: int

    class Meta:
        verbose_name = "Weiterleitung"
        verbose_name_plural = "Weiterleitungen"
        constraints = [
            models.UniqueConstraint(fields=["authority", "leistung", "target"], name="hub_routing_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.authority} → {self.target}"


class Message(models.Model):
    """One application as the hub carries it: metadata in clear, data and attachments encrypted."""

    class Source(models.TextChoices):
        PORTAL = "portal", "Portal"
        API = "api", "Schnittstelle (API)"

    class Status(models.TextChoices):
        RECEIVED = "received", "eingegangen"
        ROUTED = "routed", "weitergeleitet"
        # No route yet: the message waits and goes out as soon as a matching Routing is created or
        # enabled (amtsweg.hub.routing), or an operator gives it up ("dead") with a reason.
        UNROUTED = "unrouted", "wartet auf Weiterleitung (kein Zielsystem)"
        DEAD = "dead", "aufgegeben (ohne Zielsystem)"

    id = models.UUIDField("Nachrichten-ID", primary_key=True, default=uuid.uuid4, editable=False)
    idempotency_key = models.CharField("Idempotenzschlüssel", max_length=200, unique=True)
    source = models.CharField("Quelle", max_length=10, choices=Source.choices)
    status = models.CharField("Status", max_length=10, choices=Status.choices, default=Status.RECEIVED)
    status_reason = models.CharField("Grund (Status)", max_length=500, blank=True)
    # The case the message carries (its Vorgangsnummer); the hub knows cases, never submissions.
    vorgang = models.ForeignKey(
        "cases.Vorgang", verbose_name="Vorgang", on_delete=models.PROTECT, related_name="hub_messages"
    )
    # Free reference to the API client that posted the message (set by the API, empty for the portal).
    client_ref = models.CharField("API-Client", max_length=100, blank=True)
    leistung = models.ForeignKey(
        "catalog.Leistung", verbose_name="Leistung", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    leika_key = models.CharField("LeiKa-Schlüssel", max_length=14, blank=True)
    leistung_name = models.CharField("Leistung", max_length=500, blank=True)
    gemeinde = models.ForeignKey(
        "directory.Territory",
        verbose_name="Gemeinde",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ags = models.CharField("AGS", max_length=8, blank=True)
    ars = models.CharField("ARS", max_length=12, blank=True)
    gemeinde_name = models.CharField("Gemeinde", max_length=200, blank=True)
    authority = models.ForeignKey(
        "directory.Authority", verbose_name="Zuständige Behörde", on_delete=models.PROTECT, related_name="+"
    )
    authority_key = models.CharField("Behördenschlüssel", max_length=100)
    form_key = models.CharField("Formular", max_length=100, blank=True)
    form_version = models.CharField("Formularversion", max_length=20, blank=True)
    submitted_at = models.DateTimeField("Eingereicht am")
    received_at = models.DateTimeField("Im Integrationsdienst am", default=clock.now, db_index=True)
    data_sha512 = models.CharField("SHA-512 der Daten (JSON)", max_length=128)
    data_xml_sha512 = models.CharField("SHA-512 der Daten (XML)", max_length=128, blank=True)
    data_json_encrypted = models.TextField("Daten (JSON, verschlüsselt)", editable=False)
    data_xml_encrypted = models.TextField("Daten (XML, verschlüsselt)", blank=True, editable=False)
    # Portal submissions hand their receipt PDF over once it is rendered (``message_receipt_attach``);
    # deliveries to targets that want it wait for it (at most ``RECEIPT_WAIT_MAX``).
    receipt_expected = models.BooleanField("Eingangsbestätigung folgt", default=False)
    receipt_attached_at = models.DateTimeField("Eingangsbestätigung übergeben am", null=True, blank=True)
    receipt_encrypted = models.TextField("Eingangsbestätigung (PDF, verschlüsselt)", blank=True, editable=False)

    class Meta:
        verbose_name = "Nachricht"
        verbose_name_plural = "Nachrichten"
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return self.vorgangsnummer or str(self.id)

    @property
    def vorgangsnummer(self) -> str:
        return self.vorgang.number

    @property
    def uuid(self):
        return self.id


class MessageAttachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    position = models.PositiveSmallIntegerField("Nr.")
    name = models.CharField("Dateiname", max_length=255)
    content_type = models.CharField("Dateityp", max_length=100)
    size = models.PositiveBigIntegerField("Größe (Bytes)")
    sha512 = models.CharField("SHA-512", max_length=128)
    content_encrypted = models.TextField("Inhalt (verschlüsselt)", editable=False)

    class Meta:
        verbose_name = "Anlage"
        verbose_name_plural = "Anlagen"
        ordering = ["message", "position"]
        constraints = [models.UniqueConstraint(fields=["message", "position"], name="hub_attachment_position")]

    def __str__(self) -> str:
        return f"Anlage {self.position}"


class Delivery(models.Model):
    """Message × target system: the unit of work of the processor, with its retry state."""

    class Status(models.TextChoices):
        QUEUED = "queued", "wartet"
        TRANSFORMING = "transforming", "wird umgewandelt"
        SENDING = "sending", "wird gesendet"
        DELIVERED = "delivered", "zugestellt"
        FAILED_RETRYING = "failed_retrying", "fehlgeschlagen, neuer Versuch geplant"
        DEAD = "dead", "aufgegeben (manuell wiederholen)"

    id = models.UUIDField("Zustellungs-ID", primary_key=True, default=uuid.uuid4, editable=False)
    message = models.ForeignKey(Message, verbose_name="Nachricht", on_delete=models.CASCADE, related_name="deliveries")
    target = models.ForeignKey(
        TargetSystem, verbose_name="Zielsystem", on_delete=models.PROTECT, related_name="deliveries"
    )
    rule = models.ForeignKey(
        IntegrationRule,
        verbose_name="Regel (Version)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deliveries",
    )
    # Stable for the delivery's whole life (retries, resume, replay): receivers dedup on it.
    idempotency_key = models.CharField("Idempotenzschlüssel", max_length=100, unique=True)
    status = models.CharField("Status", max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    attempts = models.PositiveSmallIntegerField("Versuche", default=0)
    next_attempt_at = models.DateTimeField("Nächster Versuch", null=True, blank=True, db_index=True)
    claimed_at = models.DateTimeField("Versuch begonnen am", null=True, blank=True)
    # The task worker (``WorkerProcess.worker_id``) holding the claim: when it dies, a live worker gives
    # the delivery back at once (``deliveries_release_worker``) instead of waiting for SENDING_TIMEOUT.
    claimed_by = models.CharField("Versuch durch Worker", max_length=64, blank=True, db_index=True)
    last_error = models.CharField("Letzter Fehler", max_length=500, blank=True)
    delivered_at = models.DateTimeField("Zugestellt am", null=True, blank=True)
    remote_reference = models.CharField("Referenz im Zielsystem", max_length=200, blank=True)
    created_at = models.DateTimeField("Angelegt am", default=clock.now)
    updated_at = models.DateTimeField("Geändert am", default=clock.now)
    # Not a column: the status a claimed row had before the claim, set by the processor so it can give
    # the claim back unsent (amtsweg.hub.services.processor).
    claimed_from: str

    class Meta:
        verbose_name = "Zustellung"
        verbose_name_plural = "Zustellungen"
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["message", "target"], name="hub_delivery_message_target")]

    def __str__(self) -> str:
        return f"{self.message} → {self.target}"

    @property
    def uuid(self):
        return self.id
