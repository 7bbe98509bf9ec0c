"""Writes for submissions: the submit itself (fast, one transaction) and the worker's receipt steps.

``submission_submit`` only validates and stores; the PDF receipt and the confirmation e-mail are
produced by the background task ``amtsweg.submissions.tasks.receipt_generate``, whose row is written
in the same transaction as the submission (see docs/adr/0006-background-tasks.md).
"""

from __future__ import annotations

import logging
import re
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from amtsweg.common.canonical import canonical_sha256
from amtsweg.common.hashing import sha512_hex
from amtsweg.forms.engine import STEP_ERROR_KEY, answers_finalize, form_validate
from amtsweg.forms.fields import EMAIL_INVALID
from amtsweg.forms.formats import data_json_schema, data_xml
from amtsweg.forms.models import FormVersion
from amtsweg.forms.paths import answer_path_parse
from amtsweg.forms.selectors import form_resolve
from amtsweg.submissions.models import Submission, SubmissionAttachment, private_storage
from amtsweg.submissions.numbers import number_generate

logger = logging.getLogger(__name__)

# A worker that claimed the e-mail and died is assumed gone after this long.
CONFIRMATION_CLAIM_TIMEOUT = timedelta(minutes=10)
# Delays before the 2nd, 3rd, … attempt to send the confirmation; after the last one we give up.
CONFIRMATION_BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
CONTENT_TYPES = {b"%PDF-": "application/pdf", b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


class SubmissionInvalid(ValueError):
    """The submission was refused; ``errors`` maps answer paths (or ``__all__``) to German messages."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


@dataclass(frozen=True)
class AttachmentUpload:
    """A file the wizard hands over for the file answer at ``field_path`` (e.g. ``hund[0].hund_gutachten``).

    ``content`` is bytes or a file object (Django ``File``/``UploadedFile``); ``name`` is the
    citizen's file name. The type is decided by the content, not by the name.
    """

    field_path: str
    name: str
    content: Any

    @classmethod
    def from_upload(cls, *, field_path: str, upload: Any) -> AttachmentUpload:
        return cls(field_path=field_path, name=getattr(upload, "name", "") or "datei", content=upload)


def _read(content: Any) -> bytes:
    if isinstance(content, bytes | bytearray | memoryview):
        return bytes(content)
    if hasattr(content, "seek"):
        content.seek(0)
    if hasattr(content, "chunks"):
        return b"".join(content.chunks())
    return content.read()


def _content_type(data: bytes) -> str:
    return next((t for magic, t in CONTENT_TYPES.items() if data.startswith(magic)), "application/octet-stream")


def _safe_filename(name: str) -> str:
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip("._")
    return (base or "datei")[:80]


def _answer_at(answers: dict, path: str) -> tuple[Any, bool]:
    """(value, found) at an answer path ``key`` or ``group[i].key``."""
    parsed = answer_path_parse(path)
    if parsed is None:
        return None, False
    key, index, row_key = parsed.key, parsed.index, parsed.sub
    if index is None:
        return answers.get(key), key in answers
    rows = answers.get(key)
    if not isinstance(rows, list) or index >= len(rows) or not isinstance(rows[index], dict):
        return None, False
    return rows[index].get(row_key), row_key in rows[index]


def _set_answer(answers: dict, path: str, value: Any) -> None:
    parsed = answer_path_parse(path)
    key, index, row_key = parsed.key, parsed.index, parsed.sub
    if index is None:
        answers[key] = value
        return
    rows = answers.get(key)
    if isinstance(rows, list) and index < len(rows) and isinstance(rows[index], dict):
        rows[index] = {**rows[index], row_key: value}


def _file_paths(form, answers: dict) -> list[str]:
    """Answer paths of every answered file field in ``answers``."""
    paths = []
    for key, ref in form.fields.items():
        if ref.field["type"] != "file":
            continue
        if ref.repeat_group is None:
            if answers.get(key) is not None:
                paths.append(key)
            continue
        rows = answers.get(ref.repeat_group)
        for i, row in enumerate(rows if isinstance(rows, list) else []):
            if isinstance(row, dict) and row.get(key) is not None:
                paths.append(f"{ref.repeat_group}[{i}].{key}")
    return paths


_schema_hashes: dict[tuple[int, str], str] = {}


def data_schema_hash(*, version: FormVersion) -> str:
    """SHA-256 of the canonical JSON of the version's data schema (cached: published versions never change)."""
    cache_key = (version.pk, version.content_hash)
    if cache_key not in _schema_hashes:
        schema = data_json_schema(version=version)
        _schema_hashes[cache_key] = canonical_sha256(schema)
    return _schema_hashes[cache_key]


def _overlay_snapshot(overlay) -> dict:
    if overlay is None:
        return {}
    return {
        "parameters": overlay.parameters,
        "texts": overlay.texts,
        "disabled_fields": overlay.disabled_fields,
        "contact": overlay.contact,
    }


def _prepare_attachments(attachments: Iterable[AttachmentUpload]) -> dict[str, tuple[AttachmentUpload, bytes]]:
    prepared: dict[str, tuple[AttachmentUpload, bytes]] = {}
    for upload in attachments:
        if not isinstance(upload, AttachmentUpload) or answer_path_parse(upload.field_path) is None:
            raise SubmissionInvalid(
                {STEP_ERROR_KEY: "Eine Anlage konnte nicht zugeordnet werden. Bitte laden Sie sie erneut hoch."}
            )
        prepared[upload.field_path] = (upload, _read(upload.content))
    return prepared


def _request_errors(*, version, overlay, leistung, email: str, idempotency_key: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not isinstance(idempotency_key, str) or not 8 <= len(idempotency_key) <= 100:
        raise ValueError("idempotency_key must be a string of 8 to 100 characters")
    if version.status != FormVersion.Status.PUBLISHED:
        errors[STEP_ERROR_KEY] = (
            "Dieser Antrag kann in dieser Fassung nicht mehr eingereicht werden. Bitte beginnen Sie den Antrag neu."
        )
    elif overlay is not None and overlay.definition_id != version.definition_id:
        errors[STEP_ERROR_KEY] = "Die Anpassung der Kommune passt nicht zu diesem Antrag."
    elif version.definition.leika_key and version.definition.leika_key != leistung.leika_key:
        errors[STEP_ERROR_KEY] = "Dieser Antrag gehört zu einer anderen Leistung."
    try:
        if not isinstance(email, str) or len(email) > 254:
            raise ValidationError("invalid")
        validate_email(email)
    except ValidationError:
        errors["email"] = EMAIL_INVALID
    return errors


def submission_submit(
    *,
    version: FormVersion,
    overlay=None,
    answers: dict,
    gemeinde,
    leistung,
    email: str,
    attachments: Iterable[AttachmentUpload] = (),
    idempotency_key: str,
    site_url: str | None = None,
) -> Submission:
    """Validate the answers again, resolve the authority and store the submission durably.

    Stores the finalized answers (normalised, computed, unreachable answers pruned), the data XML,
    the schema hash, the attachments and the receipt task in ONE transaction. A second call with
    the same ``idempotency_key`` returns the first submission unchanged. Raises ``SubmissionInvalid``
    (German messages by answer path) when anything is wrong; nothing is stored then.
    ``site_url`` (scheme and host the citizen used) makes the link in the confirmation e-mail.
    """
    existing = Submission.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    request_errors = _request_errors(
        version=version, overlay=overlay, leistung=leistung, email=email, idempotency_key=idempotency_key
    )
    if STEP_ERROR_KEY in request_errors:
        raise SubmissionInvalid(request_errors)
    form = form_resolve(version=version, overlay=overlay)
    uploads = _prepare_attachments(attachments)

    answers = dict(answers) if isinstance(answers, dict) else {}
    for path, (upload, data) in uploads.items():
        if not _answer_at(answers, path)[1]:
            _set_answer(answers, path, {"name": upload.name, "size": len(data), "type": None})
    final = answers_finalize(form=form, answers=answers)
    files = {path: ContentFile(data, name=upload.name) for path, (upload, data) in uploads.items()}
    errors = {**request_errors, **form_validate(form=form, answers=final, files=files)}
    for path in _file_paths(form, final):
        if path not in uploads:
            errors.setdefault(path, "Die Datei liegt nicht mehr vor. Bitte laden Sie sie erneut hoch.")
    if errors:
        raise SubmissionInvalid(errors)
    # Uploads on branches that became unreachable are dropped with their answers.
    kept = [(path, uploads[path]) for path in _file_paths(form, final) if path in uploads]

    from amtsweg.jurisdiction.selectors import responsible_authority

    resolution = responsible_authority(leistung=leistung, gemeinde=gemeinde)
    if resolution.authority is None:
        raise SubmissionInvalid({STEP_ERROR_KEY: resolution.explanation})
    place, authority = resolution.gemeinde, resolution.authority
    xml = data_xml(version=version, answers=final).decode("utf-8")
    schema_hash = data_schema_hash(version=version)

    for _attempt in range(3):
        submitted_at = timezone.now()
        saved: list[str] = []
        try:
            with transaction.atomic():
                submission = Submission.objects.create(
                    vorgangsnummer=number_generate(year=timezone.localtime(submitted_at).year),
                    idempotency_key=idempotency_key,
                    submitted_at=submitted_at,
                    form_version=version,
                    overlay=overlay,
                    overlay_snapshot=_overlay_snapshot(overlay),
                    leistung=leistung,
                    leika_key=leistung.leika_key,
                    leistung_name=leistung.name,
                    gemeinde=place,
                    gemeinde_ags=place.ags,
                    gemeinde_ars=place.ars,
                    gemeinde_name=place.name,
                    authority=authority,
                    authority_key=authority.key,
                    authority_name=authority.name,
                    answers=final,
                    data_xml=xml,
                    data_schema_sha256=schema_hash,
                    email=email,
                    site_url=(site_url or "")[:200] or None,
                )
                for position, (path, (upload, data)) in enumerate(kept, start=1):
                    attachment = SubmissionAttachment(
                        submission=submission,
                        position=position,
                        field_path=path,
                        name=upload.name[:255],
                        content_type=_content_type(data),
                        size=len(data),
                        sha512=sha512_hex(data),
                    )
                    attachment.file.save(f"{position:02d}-{_safe_filename(upload.name)}", ContentFile(data), save=False)
                    saved.append(attachment.file.name)
                    attachment.save()
                from amtsweg.submissions.tasks import receipt_generate

                # Same transaction: if this commit happens, the worker will find the task; if not, neither exists.
                receipt_generate.enqueue(submission.pk)
                from amtsweg.submissions.handover import submission_handover

                # The hub message, its deliveries and their tasks commit with the submission (issue 4).
                submission_handover(submission=submission)
        except IntegrityError:
            for name in saved:
                private_storage().delete(name)
            existing = Submission.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing  # a concurrent double submit won the race
            continue  # Vorgangsnummer collision: draw a new one
        except BaseException:
            for name in saved:
                private_storage().delete(name)
            raise
        logger.info("submission stored number=%s version=%s", submission.vorgangsnummer, version.pk)
        return submission
    raise RuntimeError("could not allocate a unique Vorgangsnummer")


# --- worker steps ---------------------------------------------------------------------------------


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
    from amtsweg.core import limits

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
