"""Worker steps of a submission, run by ``amtsweg.submissions.tasks.receipt_generate`` after the submit:
store the PDF/A receipt, send the confirmation e-mail once (claim, flood limits, retry with backoff),
give back a dead worker's claims and resume submissions whose task got lost.

``amtsweg.submissions.services`` re-exports these names, so callers keep importing them from there.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from amtsweg.common.storage import private_storage
from amtsweg.submissions.models import Submission

logger = logging.getLogger(__name__)

# A worker that claimed the e-mail and died is assumed gone after this long.
CONFIRMATION_CLAIM_TIMEOUT = timedelta(minutes=10)
# Delays before the 2nd, 3rd, … attempt to send the confirmation; after the last one we give up.
CONFIRMATION_BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))


def receipt_store(*, submission: Submission) -> Submission:
    """Render the PDF/A receipt once and store it privately (no-op when it exists already)."""
    if submission.receipt_ready_at is not None:
        return submission
    from amtsweg.submissions.receipt import receipt_pdf

    pdf = receipt_pdf(submission=submission)
    storage = private_storage()
    name = storage.save(
        Submission._meta.get_field("receipt_pdf").generate_filename(
            submission, f"Eingangsbestaetigung-{submission.vorgangsnummer}.pdf"
        ),
        ContentFile(pdf),
    )
    now = timezone.now()
    from amtsweg.submissions.handover import submission_receipt_handover

    try:
        with transaction.atomic():
            # Guarded update: if another worker was faster, keep its file and drop ours.
            updated = Submission.objects.filter(pk=submission.pk, receipt_ready_at__isnull=True).update(
                receipt_pdf=name, receipt_ready_at=now
            )
            if updated:
                # Same transaction: the hub has the receipt exactly when the submission has it.
                submission_receipt_handover(submission=submission, pdf=pdf)
    except BaseException:
        storage.delete(name)
        raise
    if not updated:
        storage.delete(name)
    submission.refresh_from_db(fields=["receipt_pdf", "receipt_ready_at"])
    return submission


def _confirmation_retry(*, submission: Submission, attempts: int, error: BaseException) -> str:
    permanent = isinstance(error, smtplib.SMTPRecipientsRefused)
    retry = not permanent and attempts <= len(CONFIRMATION_BACKOFF)
    with transaction.atomic():
        # Only the exception class is recorded: messages may contain the address.
        Submission.objects.filter(pk=submission.pk).update(
            confirmation_claimed_at=None, confirmation_error=type(error).__name__[:200]
        )
        if retry:
            from amtsweg.submissions.tasks import receipt_generate

            delay = CONFIRMATION_BACKOFF[attempts - 1]
            receipt_generate.using(run_after=timezone.now() + delay).enqueue(submission.pk)
    logger.warning(
        "confirmation e-mail failed number=%s attempt=%s error=%s retry=%s",
        submission.vorgangsnummer,
        attempts,
        type(error).__name__,
        retry,
    )
    return "retry" if retry else "failed"


def _confirmation_limited(*, submission: Submission) -> str | None:
    """Apply the mail flood limits (docs/security-limits.md) before sending; None when the mail may go.

    Over the per-address limit the mail is skipped for good (the receipt stays on the confirmation
    page); over the global per-minute limit it is only postponed.
    """
    from amtsweg.web import limits

    exceeded = limits.limits_take(
        (limits.MAILS_PER_ADDRESS, limits.address_key(submission.email)), (limits.MAILS_GLOBAL, limits.GLOBAL_KEY)
    )
    if exceeded is None:
        return None
    if exceeded is limits.MAILS_GLOBAL:
        from amtsweg.submissions.tasks import receipt_generate

        with transaction.atomic():
            Submission.objects.filter(pk=submission.pk).update(
                confirmation_claimed_at=None,
                confirmation_attempts=F("confirmation_attempts") - 1,
                confirmation_error="Sendelimit (global)",
            )
            receipt_generate.using(run_after=timezone.now() + timedelta(minutes=1)).enqueue(submission.pk)
        return "postponed"
    Submission.objects.filter(pk=submission.pk).update(
        confirmation_claimed_at=None, confirmation_skipped="address-limit"
    )
    logger.warning("confirmation e-mail skipped (address limit) number=%s", submission.vorgangsnummer)
    return "skipped"


def confirmation_send(*, submission: Submission) -> str:
    """Send the confirmation e-mail at most once (guarded claim in the database).

    Returns ``sent``, ``already-sent``, ``in-progress`` (another worker holds a fresh claim),
    ``retry`` (SMTP failed; a delayed task is enqueued), ``failed`` (given up), ``skipped`` (the
    recipient address reached its flood limit; not sent, ever) or ``postponed`` (global limit).
    """
    now = timezone.now()
    claimed = (
        Submission.objects.filter(pk=submission.pk, confirmation_sent_at__isnull=True)
        .filter(confirmation_skipped__isnull=True)
        .filter(
            Q(confirmation_claimed_at__isnull=True) | Q(confirmation_claimed_at__lt=now - CONFIRMATION_CLAIM_TIMEOUT)
        )
        .update(confirmation_claimed_at=now, confirmation_attempts=F("confirmation_attempts") + 1)
    )
    if not claimed:
        sent_at, skipped = (
            Submission.objects.filter(pk=submission.pk)
            .values_list("confirmation_sent_at", "confirmation_skipped")
            .first()
        ) or (None, None)
        return "already-sent" if sent_at is not None else "skipped" if skipped else "in-progress"
    submission.refresh_from_db()
    limited = _confirmation_limited(submission=submission)
    if limited is not None:
        return limited
    from amtsweg.submissions.receipt import confirmation_message

    try:
        confirmation_message(submission=submission).send()
    except Exception as error:  # noqa: BLE001 – any failure is retried or given up, never a crashed task
        return _confirmation_retry(submission=submission, attempts=submission.confirmation_attempts, error=error)
    Submission.objects.filter(pk=submission.pk).update(confirmation_sent_at=timezone.now(), confirmation_error="")
    logger.info("confirmation e-mail sent number=%s", submission.vorgangsnummer)
    return "sent"


def confirmations_release(*, worker_id: str, tasks: list[tuple[str, list]]) -> int:
    """Give back the confirmation-mail claims of a dead worker's ``receipt_generate`` runs (``tasks``: the
    (task path, args) of its task rows, put back to READY by the caller), so the re-run sends at once
    instead of waiting for CONFIRMATION_CLAIM_TIMEOUT. A mail the dead worker had handed to SMTP but not
    recorded goes out a second time (at least once, like every task). Returns how many were released."""
    from amtsweg.submissions.tasks import receipt_generate

    ids = [args[0] for path, args in tasks if path == receipt_generate.module_path and len(args) == 1]
    if not ids:
        return 0
    return Submission.objects.filter(
        pk__in=ids, confirmation_sent_at__isnull=True, confirmation_claimed_at__isnull=False
    ).update(confirmation_claimed_at=None)


def receipts_resume(*, older_than: timedelta = timedelta(minutes=15)) -> int:
    """Enqueue the receipt task again for submissions whose task got lost (e.g. a worker died mid-task).

    Looks at submissions older than ``older_than`` without receipt or without a sent (and not given
    up) confirmation that have no waiting task and no task running for less than ``older_than``.
    Returns how many tasks were enqueued. Safe to run any time: the task is idempotent.
    """
    from django_tasks_db.models import DBTaskResult

    from amtsweg.submissions.tasks import receipt_generate

    cutoff = timezone.now() - older_than
    open_submissions = Submission.objects.filter(submitted_at__lt=cutoff).filter(
        Q(receipt_ready_at__isnull=True)
        | (
            Q(confirmation_sent_at__isnull=True)
            & Q(confirmation_skipped__isnull=True)
            & Q(confirmation_attempts__lte=len(CONFIRMATION_BACKOFF))
        )
    )
    pending = DBTaskResult.objects.filter(task_path=receipt_generate.module_path).filter(
        Q(status="READY") | Q(status="RUNNING", started_at__gte=cutoff)
    )
    busy = {row["args"][0] for row in pending.values_list("args_kwargs", flat=True) if row.get("args")}
    count = 0
    for pk in open_submissions.values_list("pk", flat=True).iterator():
        if pk in busy:
            continue
        with transaction.atomic():
            receipt_generate.enqueue(pk)
        count += 1
    return count
