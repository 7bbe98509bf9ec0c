"""The Vorgang: one application, wherever it came from, under one Vorgangsnummer.

A Vorgang is created once (``services.vorgang_create``, the only place that allocates numbers) when a
citizen submits in the portal or an external portal posts through the hub API. The portal's
``Submission`` and the hub's ``Message`` point to it; the back office's reports on it (status,
Nachforderung, Bescheid) are appended as ``CaseEvent`` rows and never changed. The citizen's Postfach
(later issue) reads them via ``selectors.case_events_for``.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from amtsweg.common.storage import private_storage


class CaseStatus(models.TextChoices):
    EINGEGANGEN = "eingegangen", _("eingegangen")
    IN_BEARBEITUNG = "in_bearbeitung", _("in Bearbeitung")
    NACHFORDERUNG = "nachforderung", _("Unterlagen nachgefordert")
    BESCHIEDEN = "beschieden", _("beschieden")
    ABGESCHLOSSEN = "abgeschlossen", _("abgeschlossen")
    # The applicant withdrew the application (issue 10 §5); final like "abgeschlossen".
    ZURUECKGEZOGEN = "zurueckgezogen", _("zurückgezogen")


class Vorgang(models.Model):
    class Channel(models.TextChoices):
        PORTAL = "portal", "Portal"
        API = "api", "Schnittstelle (API)"

    # Allocated by cases.services.vorgang_create (cases.numbers); 40 leaves room for numbers that
    # older versions accepted from the hub.
    number = models.CharField("Vorgangsnummer", max_length=40, unique=True)
    channel = models.CharField("Eingangskanal", max_length=10, choices=Channel.choices)
    # The back office's latest reported status (the events keep the history).
    status = models.CharField("Status", max_length=20, choices=CaseStatus.choices, default=CaseStatus.EINGEGANGEN)
    authority = models.ForeignKey(
        "directory.Authority", verbose_name="Zuständige Behörde", on_delete=models.PROTECT, related_name="vorgaenge"
    )
    # Null only for applications an external portal posted without a known place or Leistung.
    gemeinde = models.ForeignKey(
        "directory.Territory",
        verbose_name="Gemeinde",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    leistung = models.ForeignKey(
        "catalog.Leistung", verbose_name="Leistung", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField("angelegt am", default=timezone.now, db_index=True)
    updated = models.DateTimeField("geändert am", auto_now=True)
    # The case worker who took the case (inbox); null while unassigned.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="Bearbeitung durch",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The deadline clock (cases.deadline): due date in working days from the Leistung's processing
    # period; stored so the inbox can filter overdue cases with an index. While a Nachforderung is open
    # the clock stands (``paused_since``) and the due date is pushed by the pause when it ends.
    due_date = models.DateField("Frist bis", null=True, blank=True)
    paused_since = models.DateField("Frist angehalten seit", null=True, blank=True)
    # The citizen's account when submitted while logged in (or attached later with the Zugangscode);
    # null for anonymous applications and those from external portals. "Meine Anträge" filters on it.
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="Antragsteller (Konto)",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="vorgaenge",
    )
    # Applied "für die Organisation" (Organisationskonto): every member reads it in "Meine Anträge",
    # the applicant and the organisation's Inhaber may withdraw it. Null for personal applications.
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name="Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="vorgaenge",
    )

    class Meta:
        verbose_name = "Vorgang"
        verbose_name_plural = "Vorgänge"
        ordering = ["-created"]
        indexes = [
            # The inbox list (inbox.selectors, benchmarks/inbox.py): each sort of the list has an index that
            # yields its rows in order, id included as the tie-breaker, so a page — even a deep one — is read
            # off the index without sorting the authority's cases.
            models.Index(fields=["authority", "-created", "-id"], name="cases_vorgang_authority_idx"),
            models.Index(fields=["authority", "due_date", "-created"], name="cases_vorgang_frist_idx"),
            models.Index(fields=["authority", "status", "due_date"], name="cases_vorgang_due_idx"),
            models.Index(fields=["authority", "assignee", "-created"], name="cases_vorgang_assignee_idx"),
            models.Index(fields=["authority", "assignee", "due_date", "-created"], name="cases_vorgang_mine_idx"),
            models.Index(fields=["authority", "leistung", "-created"], name="cases_vorgang_leistung_idx"),
            models.Index(fields=["applicant", "-created"], name="cases_vorgang_applicant_idx"),
            models.Index(fields=["organisation", "-created"], name="cases_vorgang_org_idx"),
        ]

    def __str__(self) -> str:
        return self.number


def bescheid_path(instance: "CaseEvent", filename: str) -> str:
    return f"cases/{instance.created:%Y/%m}/{instance.vorgang.number}/{filename}"


OPEN_STATUSES = (CaseStatus.EINGEGANGEN, CaseStatus.IN_BEARBEITUNG, CaseStatus.NACHFORDERUNG)
# Kinds the authority reports: these go to the applicant's Postfach (unread, with a notification e-mail).
AUTHORITY_KINDS = ("status", "nachforderung", "bescheid")
# Of these, the ones that are messages in the Postfach thread (and count as unread); status changes only
# show in the timeline.
MESSAGE_KINDS = ("nachforderung", "bescheid")


class BescheidVorlage(models.Model):
    """The text template of a Bescheid for one Leistung (Django template syntax; without a row the
    built-in default of ``cases.bescheid`` applies)."""

    leistung = models.OneToOneField(
        "catalog.Leistung", verbose_name="Leistung", on_delete=models.CASCADE, related_name="+"
    )
    text = models.TextField(
        "Text des Bescheids",
        help_text="Platzhalter: {{ vorgangsnummer }}, {{ leistung }}, {{ behoerde }}, {{ eingang }}, {{ datum }}.",
    )
    updated = models.DateTimeField("geändert am", auto_now=True)

    class Meta:
        verbose_name = "Bescheidvorlage"
        verbose_name_plural = "Bescheidvorlagen"

    def __str__(self) -> str:
        return str(self.leistung)


class CaseEvent(models.Model):
    """A status change, a request for documents (Nachforderung) or a decision (Bescheid, PDF in private
    storage), posted by a back-office system through the hub API. Only appended."""

    class Kind(models.TextChoices):
        STATUS = "status", _("Statusänderung")
        NACHFORDERUNG = "nachforderung", _("Nachforderung")
        BESCHEID = "bescheid", _("Bescheid")
        ANTWORT = "antwort", _("Antwort des Antragstellers")
        # Documents uploaded into the reopened step after a Nachforderung (files: CaseDocument rows).
        NACHREICHUNG = "nachreichung", _("Nachgereichte Unterlagen")
        # The applicant withdrew the application (status "zurueckgezogen").
        RUECKNAHME = "ruecknahme", _("Rücknahme des Antrags")

    vorgang = models.ForeignKey(Vorgang, verbose_name="Vorgang", on_delete=models.PROTECT, related_name="events")
    authority = models.ForeignKey(
        "directory.Authority", verbose_name="Behörde", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("Art", max_length=15, choices=Kind.choices)
    # Status, note, text, due date, requested documents: shown to the citizen later.
    payload = models.JSONField("Inhalt", default=dict)
    file = models.FileField("Datei", storage=private_storage, upload_to=bescheid_path, max_length=255, blank=True)
    file_sha512 = models.CharField("SHA-512 der Datei", max_length=128, blank=True)
    api_client = models.ForeignKey(
        "apiclients.ApiClient", verbose_name="API-Zugang", null=True, on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField("gemeldet am", default=timezone.now, db_index=True)
    # When the applicant first opened the event in the Postfach (authority-side kinds); one applicant
    # per Vorgang, so a field is enough (no per-user table).
    read_at = models.DateTimeField("gelesen am", null=True, blank=True)

    class Meta:
        verbose_name = "Rückmeldung"
        verbose_name_plural = "Rückmeldungen"
        ordering = ["created", "pk"]
        indexes = [models.Index(fields=["vorgang", "created"], name="cases_event_vorgang_idx")]

    def __str__(self) -> str:
        return f"{self.vorgang}: {self.get_kind_display()}"


def document_path(instance: "CaseDocument", filename: str) -> str:
    event = instance.event
    return f"cases/{event.created:%Y/%m}/{event.vorgang.number}/nachreichung-{event.pk}/{filename}"


class CaseDocument(models.Model):
    """One file of a citizen-side event with several files (a Nachreichung); private storage, checked by
    ``common.filecheck`` before it gets here. Only appended, like its event."""

    event = models.ForeignKey(CaseEvent, verbose_name="Ereignis", on_delete=models.CASCADE, related_name="documents")
    position = models.PositiveSmallIntegerField("Nr.")
    # The form field it answers (its label at the time), so the case worker sees what it is for.
    field_label = models.CharField("Feld", max_length=255, blank=True)
    name = models.CharField("Dateiname", max_length=255)
    file = models.FileField("Datei", storage=private_storage, upload_to=document_path, max_length=255)
    content_type = models.CharField("Dateityp", max_length=100)
    size = models.PositiveBigIntegerField("Größe (Bytes)")
    sha512 = models.CharField("SHA-512", max_length=128)

    class Meta:
        verbose_name = "Nachgereichte Unterlage"
        verbose_name_plural = "Nachgereichte Unterlagen"
        ordering = ["event", "position"]
        constraints = [models.UniqueConstraint(fields=["event", "position"], name="cases_document_position_unique")]

    def __str__(self) -> str:
        return self.name
