"""Writes for the assistant runtime: activations, drafts, uploads, resume links and the final submit."""

from __future__ import annotations

import logging
import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from amtsweg.assistant import uploads as upload_files
from amtsweg.assistant.models import Activation, ActivationPeriod, Draft, ResumeMail, Upload
from amtsweg.assistant.quotas import abandoned_drafts, upload_quota_problem
from amtsweg.assistant.wizard import answer_get, file_refs
from amtsweg.common import clock
from amtsweg.common.hashing import token_hash
from amtsweg.forms.engine import STEP_ERROR_KEY, ResolvedForm, answers_finalize
from amtsweg.forms.models import FormDefinition, FormVersion
from amtsweg.web import limits

logger = logging.getLogger(__name__)

RESUME_ADDRESS_MAX_AGE = timedelta(days=1)
EXPIRY_SLACK = timedelta(hours=1)  # an unchanged draft's expiry is moved forward at most this late


class DraftUnavailable(Exception):
    """A draft (or resume link) is unknown (``expired`` False) or has expired (``expired`` True);
    ``used`` is True for a single-use resume link that was opened before."""

    def __init__(self, *, expired: bool, draft: Draft | None = None, used: bool = False):
        self.expired = expired
        self.draft = draft
        self.used = used
        super().__init__("abgelaufen" if expired else "benutzt" if used else "unbekannt")


class ResumeLimitReached(Exception):
    """Too many resume links were requested for one draft (protects the mail relay)."""


class Limited(Exception):
    """A flood limit (``limit``, see amtsweg.web.limits and docs/security-limits.md) refuses this."""

    def __init__(self, limit):
        self.limit = limit
        super().__init__(limit.scope)


def _client_limit(limit, client: str | None) -> None:
    if client is not None:
        exceeded = limits.limits_take((limit, client))
        if exceeded is not None:
            raise Limited(exceeded)


def _ttl() -> timedelta:
    return timedelta(days=int(getattr(settings, "AMTSWEG_DRAFT_TTL_DAYS", 30)))


# --- activations --------------------------------------------------------------------------------


def activation_route_problems(*, definition: FormDefinition, authority) -> list[str]:
    """Why ``definition`` may not go live for ``authority`` (German; empty = it may): the hub must have a
    valid route for the authority and the assistant's Leistung, or applications would go nowhere."""
    from amtsweg.hub.selectors import route_problems  # downward: assistant → submissions → hub

    return route_problems(authority=authority, leistung=definition.leistung)


def activation_set(*, definition: FormDefinition, authority, live: bool = True, at=None) -> Activation:
    """Offer (or withdraw, ``live=False``) ``definition`` online for ``authority``. Idempotent.

    Going live needs a valid route in the Integrationsdienst; otherwise ``ValidationError`` (German).
    Every change of ``live`` is recorded as an ``ActivationPeriod`` (``at``, default now) — the roll-out
    monitor's adoption data.
    """
    if live:
        problems = activation_route_problems(definition=definition, authority=authority)
        if problems:
            raise ValidationError(
                [f"„{definition.title}“ kann für {authority.name} nicht freigeschaltet werden."] + problems
            )
    with transaction.atomic():
        activation, _ = Activation.objects.select_for_update().update_or_create(
            definition=definition, authority=authority, defaults={"live": live}
        )
        _period_record(activation=activation, live=live, at=at or clock.now())
    return activation


def _period_record(*, activation: Activation, live: bool, at) -> None:
    """Open a period on go-live, close the open one on withdrawal; repeating either changes nothing."""
    open_period = activation.periods.filter(until__isnull=True).first()
    if live and open_period is None:
        ActivationPeriod.objects.create(activation=activation, since=at)
    elif not live and open_period is not None:
        open_period.until = max(at, open_period.since)
        open_period.save(update_fields=["until"])


# --- drafts -------------------------------------------------------------------------------------


def draft_create(
    *,
    version: FormVersion,
    authority,
    gemeinde,
    first_step: str = "",
    client: str | None = None,
    user=None,
    organisation=None,
) -> Draft:
    """A new empty draft pinned to ``version``. The caller binds its token to the session.

    With ``client`` (the requester's address) the drafts-per-client limit applies (raises ``Limited``).
    ``user``: the logged-in citizen (the draft shows in "Meine Anträge"); ``organisation``: applying for
    it (the caller checked the membership).
    """
    if version.status != FormVersion.Status.PUBLISHED:
        raise ValueError("Nur veröffentlichte Versionen können ausgefüllt werden.")
    _client_limit(limits.DRAFTS_PER_CLIENT, client)
    return Draft.objects.create(
        token=secrets.token_urlsafe(32),
        version=version,
        authority=authority,
        gemeinde=gemeinde,
        answers={},
        current_step=first_step,
        expires_at=timezone.now() + _ttl(),
        user=user if user is not None and user.is_authenticated else None,
        organisation=organisation,
    )


def draft_save(
    *,
    draft: Draft,
    answers: dict,
    current_step: str | None = None,
    completed_steps: list[str] | None = None,
    user=None,
) -> Draft:
    """Store answers (unvalidated, as entered) and move the expiry forward (skipped when nothing
    changed and the expiry was moved less than ``EXPIRY_SLACK`` ago).

    Uploads that no answer refers to any more (a removed row, a replaced file) are deleted. ``user``: the
    logged-in citizen saving it; an owner-less draft becomes theirs ("Meine Anträge").
    """
    claim = user is not None and user.is_authenticated and draft.user_id is None
    previous_refs = file_refs(draft.answers if isinstance(draft.answers, dict) else {})
    completed = list(dict.fromkeys(completed_steps)) if completed_steps is not None else draft.completed_steps
    expires_at = timezone.now() + _ttl()
    # A page posted again unchanged (e.g. "Weiter" on a step revisited from the review) needs no
    # write while the expiry is still recent: the write lock is the scarce resource on SQLite.
    if (
        not claim
        and draft.pk is not None
        and answers == draft.answers
        and (current_step is None or current_step == draft.current_step)
        and completed == draft.completed_steps
        and draft.expires_at is not None
        and expires_at - draft.expires_at < EXPIRY_SLACK
    ):
        return draft
    draft.answers = answers
    if current_step is not None:
        draft.current_step = current_step
    draft.completed_steps = completed
    draft.expires_at = expires_at
    fields = ["answers", "current_step", "completed_steps", "expires_at", "updated"]
    if claim:
        draft.user = user
        fields.append("user")
    draft.save(update_fields=fields)
    if previous_refs - file_refs(answers):  # only then can an upload have lost its answer
        _uploads_prune(draft=draft)
    return draft


def _uploads_prune(*, draft: Draft) -> None:
    referenced = file_refs(draft.answers)
    stale = [u for u in draft.uploads.all() if u.ref not in referenced]
    for upload in stale:
        upload_files.file_delete(upload.path)
        upload.delete()


def draft_delete(*, draft: Draft) -> None:
    for upload in draft.uploads.all():
        upload_files.file_delete(upload.path)
    draft.delete()


def drafts_expire(*, now=None) -> int:
    """Delete expired drafts and their stored files; returns how many drafts were deleted.

    Also gives up resume mails still waiting after ``RESUME_ADDRESS_MAX_AGE`` (their retries end
    after a few hours, so their task was lost): their address is not kept longer.
    """
    now = now or timezone.now()
    ResumeMail.objects.filter(status=ResumeMail.Status.PENDING, created__lt=now - RESUME_ADDRESS_MAX_AGE).update(
        status=ResumeMail.Status.FAILED, email="", claimed_at=None, error="stale"
    )
    count = 0
    for draft in Draft.objects.filter(expires_at__lte=now).prefetch_related("uploads").iterator(chunk_size=200):
        draft_delete(draft=draft)
        count += 1
    return count


class UploadQuotaExceeded(Exception):
    """Storing the file would exceed a quota (``amtsweg.assistant.quotas``); the message is German."""


def upload_store(*, draft: Draft, field_key: str, checked: upload_files.CheckedFile, client_key: str = "") -> dict:
    """Store a checked file for ``draft``; returns the answer for the file field.

    Raises UploadQuotaExceeded when the draft, the client (per 24 hours) or the platform is full.
    """
    problem = upload_quota_problem(draft=draft, client_key=client_key, size=checked.size)
    if problem:
        raise UploadQuotaExceeded(problem)
    ref = uuid.uuid4().hex
    relative = f"{draft.pk}/{ref}{upload_files.FILE_TYPES[checked.kind][1][0]}"
    upload_files.file_write(relative=relative, data=checked.data)
    Upload.objects.create(
        draft=draft,
        ref=ref,
        field_key=field_key,
        name=checked.name,
        content_type=checked.content_type,
        kind=checked.kind,
        size=checked.size,
        sha512=checked.sha512,
        path=relative,
        client_key=client_key,
    )
    return {"name": checked.name, "size": checked.size, "type": checked.kind, "ref": ref}


def _without_refs(value, refs: set[str]):
    """``value`` with every file answer whose ref is in ``refs`` replaced by None."""
    if isinstance(value, dict):
        if value.get("ref") in refs and "size" in value and "type" in value:
            return None
        return {k: _without_refs(v, refs) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_refs(v, refs) for v in value]
    return value


def uploads_prune_abandoned(*, now=None) -> int:
    """Delete the uploads of abandoned drafts (``quotas.abandoned_drafts``) long before the drafts
    expire; the file answers are cleared, so a returning citizen is asked for the file again.
    Run by the scheduler (hourly is enough). Returns the number of files removed."""
    removed = 0
    for draft in abandoned_drafts(now=now).prefetch_related("uploads").iterator(chunk_size=200):
        with transaction.atomic():
            uploads = list(draft.uploads.all())
            refs = {u.ref for u in uploads}
            # .update(): neither ``updated`` nor the expiry move, the draft stays as abandoned as it was.
            Draft.objects.filter(pk=draft.pk).update(answers=_without_refs(draft.answers, refs))
            Upload.objects.filter(pk__in=[u.pk for u in uploads]).delete()
        for upload in uploads:
            upload_files.file_delete(upload.path)
        removed += len(uploads)
    return removed


# --- resume links: see amtsweg.assistant.resume (request in the web process, e-mail in the worker) ---


# --- submit -------------------------------------------------------------------------------------


def confirmation_email_key(*, form: ResolvedForm) -> str | None:
    """The first top-level e-mail field: its answer receives the confirmation."""
    for key, ref in form.fields.items():
        if ref.field["type"] == "email" and ref.repeat_group is None:
            return key
    return None


def _attachments(*, draft: Draft, form: ResolvedForm, answers: dict):
    from amtsweg.submissions.services import AttachmentUpload

    by_ref = {u.ref: u for u in draft.uploads.all()}
    result = []
    for key, ref in form.fields.items():
        if ref.field["type"] != "file":
            continue
        if ref.repeat_group is None:
            paths = [key]
        else:
            rows = answers.get(ref.repeat_group)
            paths = [f"{ref.repeat_group}[{i}].{key}" for i in range(len(rows) if isinstance(rows, list) else 0)]
        for path in paths:
            value = answer_get(answers, path)
            upload = by_ref.get(value.get("ref")) if isinstance(value, dict) else None
            if upload is None:
                continue
            data = upload_files.file_path(upload.path).read_bytes()
            result.append(AttachmentUpload(field_path=path, name=upload.name, content=data))
    return result


def draft_submit(
    *,
    draft: Draft,
    form: ResolvedForm,
    email: str | None = None,
    site_url: str | None = None,
    client: str | None = None,
    applicant=None,
    language: str = "de",
):
    """Hand the draft to ``submission_submit``; on success the draft keeps only the Vorgangsnummer.

    Raises ``amtsweg.submissions.services.SubmissionInvalid`` (German messages by answer path), or
    ``Limited`` when ``client`` (the requester's address) reached the submissions-per-client limit.
    ``applicant``: the logged-in citizen's user, linked to the Vorgang ("Meine Anträge").
    ``language``: the citizen's page language; the confirmation e-mail is written in it.
    """
    _client_limit(limits.SUBMISSIONS_PER_CLIENT, client)
    from amtsweg.submissions.services import SubmissionInvalid, submission_submit

    # Fresh from the database: the status (published/retired) decides whether it may still be submitted.
    version = FormVersion.objects.select_related("definition__leistung").get(pk=draft.version_id)
    definition = version.definition
    answers = answers_finalize(form=form, answers=draft.answers)
    email = _confirmation_address(form=form, answers=answers, given=email)
    try:
        attachments = _attachments(draft=draft, form=form, answers=answers)
    except (OSError, ValueError) as exc:
        raise SubmissionInvalid(
            {STEP_ERROR_KEY: gettext("Eine hochgeladene Datei liegt nicht mehr vor. Bitte laden Sie sie erneut hoch.")}
        ) from exc
    submission = submission_submit(
        version=version,
        overlay=form.overlay,
        answers=answers,
        gemeinde=draft.gemeinde,
        leistung=definition.leistung,
        email=email,
        attachments=attachments,
        idempotency_key=f"draft-{token_hash(draft.token)[:40]}",
        site_url=site_url,
        applicant=applicant,
        language=language,
        # Only with the applicant's account: an organisation's application needs a member behind it.
        organisation=draft.organisation if applicant is not None else None,
        answers_finalized=True,  # finalized above, once per submit
    )
    _draft_emptied(draft=draft, number=submission.vorgangsnummer)
    return submission


def _confirmation_address(*, form: ResolvedForm, answers: dict, given: str | None) -> str:
    """The address the receipt goes to: the one given, else the form's confirmation e-mail field."""
    from amtsweg.submissions.services import SubmissionInvalid

    email = given
    if email is None:
        key = confirmation_email_key(form=form)
        email = answers.get(key) if key else None
    if not email:
        raise SubmissionInvalid(
            {"email": gettext("Bitte geben Sie eine E-Mail-Adresse für die Eingangsbestätigung an.")}
        )
    return email


def _draft_emptied(*, draft: Draft, number: str) -> None:
    """The submission holds its own copies now: keep no personal data in the draft, only its number."""
    with transaction.atomic():
        for upload in draft.uploads.all():
            upload_files.file_delete(upload.path)
            upload.delete()
        draft.answers = {}
        draft.submitted_number = number
        draft.resume_token_hash = ""
        draft.save(update_fields=["answers", "submitted_number", "resume_token_hash", "updated"])
