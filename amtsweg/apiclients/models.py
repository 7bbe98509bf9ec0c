"""API clients of the integration hub: external portals (submit) and back-office systems (return channel).

Only the SHA-256 of the token is stored; the token itself is shown once when it is created.
"""

from django.db import models
from django.utils import timezone


class Scope(models.TextChoices):
    SUBMISSIONS_WRITE = "submissions:write", "Anträge einreichen"
    STATUS_WRITE = "status:write", "Status und Nachforderungen melden"
    STATUS_READ = "status:read", "Status lesen"
    DECISIONS_WRITE = "decisions:write", "Bescheide übermitteln"


class ApiClient(models.Model):
    name = models.CharField("Name", max_length=200, unique=True)
    authority = models.ForeignKey(
        "directory.Authority",
        verbose_name="Behörde",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="api_clients",
        help_text="Der Zugang darf nur für diese Behörde handeln. Leer: nur Anträge einreichen, kein Rückkanal.",
    )
    scopes = models.JSONField("Berechtigungen", default=list, blank=True)
    # The first characters of the token, to find the row without comparing secrets in SQL.
    token_prefix = models.CharField("Token-Präfix", max_length=16, unique=True)
    token_hash = models.CharField("Token-Prüfsumme (SHA-256)", max_length=64)
    rate = models.CharField(
        "Anfragelimit", max_length=20, blank=True, help_text="z. B. „600/min“; leer: Standard des Systems."
    )
    active = models.BooleanField("aktiv", default=True)
    created = models.DateTimeField("angelegt am", default=timezone.now)
    last_used = models.DateTimeField("zuletzt benutzt", null=True, blank=True)

    class Meta:
        verbose_name = "API-Zugang"
        verbose_name_plural = "API-Zugänge"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    # DRF treats the authenticated principal like a user.
    is_authenticated = True
    is_anonymous = False

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])


class ApiIdempotencyRecord(models.Model):
    """What a client's Idempotency-Key was first used for, so a repeat returns the same result."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="idempotency_records")
    key = models.CharField("Idempotency-Key", max_length=100)
    endpoint = models.CharField("Endpunkt", max_length=60)
    request_sha256 = models.CharField("Prüfsumme der Anfrage", max_length=64)
    # The id of what was created (hub message UUID or case event id) and the response to repeat.
    result_id = models.CharField("Ergebnis", max_length=64)
    created = models.DateTimeField("angelegt am", default=timezone.now)

    class Meta:
        verbose_name = "Idempotenzschlüssel"
        verbose_name_plural = "Idempotenzschlüssel"
        constraints = [
            models.UniqueConstraint(fields=["client", "endpoint", "key"], name="apiclients_idempotency_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.endpoint}: {self.key}"
