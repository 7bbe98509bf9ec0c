"""Writes for submissions: the submit itself (validation, attachments, fast, one transaction).

``submission_submit`` only validates and stores; the PDF receipt and the confirmation e-mail are
produced by the background task ``amtsweg.submissions.tasks.receipt_generate``, whose row is written
in the same transaction as the submission (see docs/adr/0006-background-tasks.md). Its steps live in
``amtsweg.submissions.worker_steps`` and are re-exported here, so callers import them from this module.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from amtsweg.cases.models import Vorgang
from amtsweg.cases.services import vorgang_create
from amtsweg.common.canonical import canonical_sha256
from amtsweg.common.hashing import sha512_hex
from amtsweg.common.storage import private_storage
from amtsweg.forms.engine import STEP_ERROR_KEY, answers_finalize, form_validate
from amtsweg.forms.fields import EMAIL_INVALID
from amtsweg.forms.formats import data_json_schema, data_xml
from amtsweg.forms.models import FormVersion, Overlay
from amtsweg.forms.paths import answer_path_parse
from amtsweg.forms.selectors import form_resolve
from amtsweg.submissions.answer_files import answer_at, answer_set, file_paths
from amtsweg.submissions.models import Submission, SubmissionAttachment
from amtsweg.submissions.worker_steps import (
    CONFIRMATION_BACKOFF,
    CONFIRMATION_CLAIM_TIMEOUT,
    confirmation_send,
    confirmations_release,
    receipt_store,
    receipts_resume,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from amtsweg.accounts.models import Organisation
    from amtsweg.catalog.models import Leistung
    from amtsweg.directory.models import Authority, Territory
    from amtsweg.forms.engine import ResolvedForm

__all__ = [
    "CONFIRMATION_BACKOFF",
    "CONFIRMATION_CLAIM_TIMEOUT",
    "CONTENT_TYPES",
    "AttachmentUpload",
    "SubmissionInvalid",
    "confirmation_send",
    "confirmations_release",
    "data_schema_hash",
    "receipt_store",
    "receipts_resume",
    "submission_submit",
]

logger = logging.getLogger(__name__)

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


_schema_hashes: dict[tuple[int, str], str] = {}


def data_schema_hash(*, version: FormVersion) -> str:
    """SHA-256 of the canonical JSON of the version's data schema (cached: published versions never change)."""
    cache_key = (version.pk, version.content_hash)
    if cache_key not in _schema_hashes:
        schema = data_json_schema(version=version)
        _schema_hashes[cache_key] = canonical_sha256(schema)
    return _schema_hashes[cache_key]


def _overlay_snapshot(overlay: Overlay | None) -> dict:
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


def _request_errors(
    *, version: FormVersion, overlay: Overlay | None, leistung: Leistung, email: str, idempotency_key: str
) -> dict[str, str]:
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
        errors["email"] = str(EMAIL_INVALID)
    return errors


def submission_submit(
    *,
    version: FormVersion,
    overlay: Overlay | None = None,
    answers: dict,
    gemeinde: Territory,
    leistung: Leistung,
    email: str,
    attachments: Iterable[AttachmentUpload] = (),
    idempotency_key: str,
    site_url: str | None = None,
    applicant: User | None = None,
    language: str = "de",
    organisation: Organisation | None = None,
    answers_finalized: bool = False,
) -> Submission:
    """Validate the answers again, resolve the authority and store the submission durably.

    Stores the finalized answers (normalised, computed, unreachable answers pruned), the data XML,
    the schema hash, the attachments and the receipt task in ONE transaction. A second call with
    the same ``idempotency_key`` returns the first submission unchanged. Raises ``SubmissionInvalid``
    (German messages by answer path) when anything is wrong; nothing is stored then.
    ``site_url`` (scheme and host the citizen used) makes the link in the confirmation e-mail.
    ``applicant``: the logged-in citizen's user (the Vorgang then shows in "Meine Anträge"), else None;
    ``organisation``: the Organisationskonto the applicant acts for (its members see the Vorgang).
    ``language``: the citizen's page language (``LANGUAGES``); the confirmation e-mail is written in it.
    ``answers_finalized``: the caller just ran ``answers_finalize`` on them for this form (the assistant's
    ``draft_submit``): not computed again, but validated like any others.
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
    final, kept = _answers_checked(
        form=form, answers=answers, uploads=uploads, request_errors=request_errors, finalized=answers_finalized
    )
    place, authority = _authority_resolve(leistung=leistung, gemeinde=gemeinde)
    columns = {
        "form_version": version,
        "overlay": overlay,
        "overlay_snapshot": _overlay_snapshot(overlay),
        **_place_columns(leistung=leistung, place=place, authority=authority),
        "answers": final,
        "data_xml": data_xml(version=version, answers=final).decode("utf-8"),
        "data_schema_sha256": data_schema_hash(version=version),
        "email": email,
        "site_url": (site_url or "")[:200] or None,
        "language": language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE,
    }
    return _submission_store(
        idempotency_key=idempotency_key, columns=columns, kept=kept, applicant=applicant, organisation=organisation
    )


def _place_columns(*, leistung: Leistung, place: Territory, authority: Authority) -> dict[str, Any]:
    """Leistung, Gemeinde and authority, each with the copies of its keys and names kept on the submission."""
    return {
        "leistung": leistung,
        "leika_key": leistung.leika_key,
        "leistung_name": leistung.name,
        "gemeinde": place,
        "gemeinde_ags": place.ags,
        "gemeinde_ars": place.ars,
        "gemeinde_name": place.name,
        "authority": authority,
        "authority_key": authority.key,
        "authority_name": authority.name,
    }


def _answers_checked(
    *,
    form: ResolvedForm,
    answers: Any,
    uploads: dict[str, tuple[AttachmentUpload, bytes]],
    request_errors: dict[str, str],
    finalized: bool = False,
) -> tuple[dict, list[tuple[str, tuple[AttachmentUpload, bytes]]]]:
    """Finalize and validate the answers with their uploads: (final answers, uploads to keep) or SubmissionInvalid."""
    answers = dict(answers) if isinstance(answers, dict) else {}
    placeholders = False
    for path, (upload, data) in uploads.items():
        if not answer_at(answers, path)[1]:
            answer_set(answers, path, {"name": upload.name, "size": len(data), "type": None})
            placeholders = True
    # Finalized by the caller: computing again gives the same (a placeholder for an upload would change them).
    final = answers if finalized and not placeholders else answers_finalize(form=form, answers=answers)
    files = {path: ContentFile(data, name=upload.name) for path, (upload, data) in uploads.items()}
    errors = {**request_errors, **form_validate(form=form, answers=final, files=files)}
    for path in file_paths(form, final):
        if path not in uploads:
            errors.setdefault(path, "Die Datei liegt nicht mehr vor. Bitte laden Sie sie erneut hoch.")
    if errors:
        raise SubmissionInvalid(errors)
    # Uploads on branches that became unreachable are dropped with their answers.
    kept = [(path, uploads[path]) for path in file_paths(form, final) if path in uploads]
    return final, kept


def _authority_resolve(*, leistung: Leistung, gemeinde: Territory) -> tuple[Territory, Authority]:
    """(place, authority) responsible for the service, or SubmissionInvalid with the explanation."""
    from amtsweg.jurisdiction.selectors import responsible_authority

    resolution = responsible_authority(leistung=leistung, gemeinde=gemeinde)
    if resolution.authority is None:
        raise SubmissionInvalid({STEP_ERROR_KEY: resolution.explanation})
    return resolution.gemeinde, resolution.authority


def _submission_store(
    *,
    idempotency_key: str,
    columns: dict[str, Any],
    kept: list[tuple[str, tuple[AttachmentUpload, bytes]]],
    applicant: User | None = None,
    organisation: Organisation | None = None,
) -> Submission:
    """The one transaction: Vorgang (its number), submission, attachments, receipt task and hub handover."""
    submitted_at = timezone.now()
    saved: list[str] = []  # stored file names, deleted again when the transaction does not commit
    try:
        with transaction.atomic():
            # cases allocates the number (retrying collisions itself); the Vorgang commits with the submission.
            vorgang = vorgang_create(
                authority=columns["authority"],
                channel=Vorgang.Channel.PORTAL,
                leistung=columns["leistung"],
                gemeinde=columns["gemeinde"],
                created=submitted_at,
                applicant=applicant,
                organisation=organisation,
            )
            submission = Submission.objects.create(
                vorgang=vorgang, idempotency_key=idempotency_key, submitted_at=submitted_at, **columns
            )
            _attachments_save(submission=submission, kept=kept, saved=saved)
            _followups_enqueue(submission=submission)
    except IntegrityError:
        for name in saved:
            private_storage().delete(name)
        existing = Submission.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing  # a concurrent double submit won the race
        raise
    except BaseException:
        for name in saved:
            private_storage().delete(name)
        raise
    logger.info("submission stored number=%s version=%s", vorgang.number, columns["form_version"].pk)
    return submission


def _attachments_save(
    *, submission: Submission, kept: list[tuple[str, tuple[AttachmentUpload, bytes]]], saved: list[str]
) -> None:
    """Store the kept uploads as the submission's attachments, appending each file name to ``saved``."""
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
        assert attachment.file.name is not None  # FieldFile.save() sets the stored name
        saved.append(attachment.file.name)
        attachment.save()


def _followups_enqueue(*, submission: Submission) -> None:
    """Receipt task and hub handover, inside the submit's transaction."""
    from amtsweg.submissions.tasks import receipt_generate

    # Same transaction: if this commit happens, the worker will find the task; if not, neither exists.
    receipt_generate.enqueue(submission.pk)
    from amtsweg.submissions.handover import submission_handover

    # The hub message, its deliveries and their tasks commit with the submission (issue 4).
    submission_handover(submission=submission)
