"""Retention: delete an application's personal data once its Leistung's retention period is over.

Why here (ops): one application spans several apps (cases, hub, submissions, assistant) and only the
top layer may see them all (import layers, docs/adr/0014-import-layers.md).

Rules (docs/security.md, "Retention and deletion"): a Vorgang expires ``retention_days`` of its Leistung
(else settings.AMTSWEG_RETENTION_DAYS_DEFAULT) after it was closed or, if it never was, after it was
received. Then, per Vorgang and in one transaction:

- the portal submission with its answers, XML, e-mail address, receipt PDF and attachments is deleted,
- the case events (status notes, Nachforderungen, Bescheide) and their files are deleted,
- the hub messages keep their row (the audit chain names their ids) but lose their encrypted data,
  receipt and attachments; deliveries still waiting are given up ("dead"),
- drafts that led to the submission (and their uploads) are deleted.

What stays is a tombstone without personal data: the Vorgang row (number, status, authority, Leistung,
dates) and the hub message metadata. The audit chain is only appended to (one entry per deleted
Vorgang), so ``audit_verify`` stays green. Files are removed from storage after the commit, so a rolled
back deletion never loses a file that its row still points to.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.storage import Storage
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from amtsweg.assistant.models import Draft
from amtsweg.assistant.services import draft_delete
from amtsweg.audit.services import audit_record
from amtsweg.cases.models import CaseEvent, CaseStatus, Vorgang
from amtsweg.catalog.models import Leistung
from amtsweg.hub.models import Delivery, Message, MessageAttachment
from amtsweg.submissions.models import Submission, SubmissionAttachment

logger = logging.getLogger("amtsweg.retention")

AUDIT_EVENT = "retention_deleted"


@dataclass
class RetentionResult:
    vorgaenge: int = 0
    files: int = 0
    numbers: list[str] = field(default_factory=list)


def retention_days_for(*, leistung: Leistung | None) -> int:
    if leistung is not None and leistung.retention_days is not None:
        return leistung.retention_days
    return settings.AMTSWEG_RETENTION_DAYS_DEFAULT


def vorgang_retention_start(*, vorgang: Vorgang) -> datetime:
    """When the retention period starts: closing (the status change sets ``updated``; a closed case takes
    no further actions) or, if never closed, receipt."""
    return vorgang.updated if vorgang.status == CaseStatus.ABGESCHLOSSEN else vorgang.created


def _with_personal_data():
    """Vorgänge that still hold anything worth deleting (tombstones are skipped on later runs)."""
    return Vorgang.objects.filter(
        Exists(Submission.objects.filter(vorgang=OuterRef("pk")))
        | Exists(CaseEvent.objects.filter(vorgang=OuterRef("pk")))
        | Exists(Message.objects.filter(vorgang=OuterRef("pk")).exclude(data_json_encrypted=""))
    )


def vorgaenge_expired(*, now: datetime | None = None):
    """Yield the Vorgänge whose retention period is over and which still hold personal data."""
    now = now or timezone.now()
    shortest = min(
        [settings.AMTSWEG_RETENTION_DAYS_DEFAULT]
        + list(Leistung.objects.filter(retention_days__isnull=False).values_list("retention_days", flat=True))
    )
    # Coarse filter in the database (nothing younger than the shortest period can be due), exact per row.
    horizon = now - timedelta(days=shortest)
    candidates = (
        _with_personal_data()
        .filter(Q(status=CaseStatus.ABGESCHLOSSEN, updated__lte=horizon) | Q(created__lte=horizon))
        .select_related("leistung")
        .order_by("pk")
    )
    for vorgang in candidates.iterator(chunk_size=200):
        start = vorgang_retention_start(vorgang=vorgang)
        if start + timedelta(days=retention_days_for(leistung=vorgang.leistung)) <= now:
            yield vorgang


def _files_of(vorgang: Vorgang) -> list[tuple[Storage, str]]:
    files = []
    for submission in Submission.objects.filter(vorgang=vorgang).only("pk", "receipt_pdf"):
        if submission.receipt_pdf:
            files.append((submission.receipt_pdf.storage, submission.receipt_pdf.name))
    for attachment in SubmissionAttachment.objects.filter(submission__vorgang=vorgang).only("file"):
        if attachment.file:
            files.append((attachment.file.storage, attachment.file.name))
    for event in CaseEvent.objects.filter(vorgang=vorgang).only("file"):
        if event.file:
            files.append((event.file.storage, event.file.name))
    return files


def _files_delete(files: list[tuple[Storage, str]]) -> None:
    for storage, name in files:
        try:
            storage.delete(name)
        except OSError:
            # The row is gone already; the operator finds the leftover via the log (no personal data in it).
            logger.exception("retention: could not delete a stored file")


def vorgang_purge(*, vorgang: Vorgang, actor: str = "system") -> int:
    """Delete the personal data of one Vorgang (see module docstring); returns the number of files removed."""
    with transaction.atomic():
        vorgang = Vorgang.objects.select_for_update().get(pk=vorgang.pk)
        files = _files_of(vorgang)
        submissions = Submission.objects.filter(vorgang=vorgang)
        # Drafts remember the number they led to; their uploads are files of their own (assistant storage).
        for draft in Draft.objects.filter(submitted_number=vorgang.number).prefetch_related("uploads"):
            draft_delete(draft=draft)
        submission_count = submissions.count()
        SubmissionAttachment.objects.filter(submission__vorgang=vorgang).delete()
        submissions.delete()
        CaseEvent.objects.filter(vorgang=vorgang).delete()
        messages = Message.objects.filter(vorgang=vorgang)
        message_ids = list(messages.values_list("pk", flat=True))
        MessageAttachment.objects.filter(message__vorgang=vorgang).delete()
        messages.update(data_json_encrypted="", data_xml_encrypted="", receipt_encrypted="")
        # A delivery still waiting would now carry nothing: give it up, visibly for the operator.
        Delivery.objects.filter(message__vorgang=vorgang).exclude(
            status__in=[Delivery.Status.DELIVERED, Delivery.Status.DEAD]
        ).update(
            status=Delivery.Status.DEAD,
            next_attempt_at=None,
            claimed_at=None,
            claimed_by="",
            last_error="Aufbewahrungsfrist abgelaufen, Daten gelöscht",
            updated_at=timezone.now(),
        )
        audit_record(
            event=AUDIT_EVENT,
            message_id=message_ids[0] if len(message_ids) == 1 else "",
            actor=actor,
            detail={
                "vorgangsnummer": vorgang.number,
                "leika_key": vorgang.leistung.leika_key if vorgang.leistung else None,
                # Numbers only (whitelisted keys): submissions and files deleted, hub messages blanked.
                "count": submission_count,
                "attachments": len(files),
                "deliveries": len(message_ids),
            },
        )
        transaction.on_commit(lambda: _files_delete(files))
    return len(files)


def retention_apply(*, now: datetime | None = None, dry_run: bool = False, actor: str = "system") -> RetentionResult:
    """Delete every expired Vorgang's personal data (``dry_run``: only report what would be deleted)."""
    result = RetentionResult()
    for vorgang in list(vorgaenge_expired(now=now)):
        result.vorgaenge += 1
        result.numbers.append(vorgang.number)
        if dry_run:
            result.files += len(_files_of(vorgang))
        else:
            result.files += vorgang_purge(vorgang=vorgang, actor=actor)
    return result
