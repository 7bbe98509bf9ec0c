"""Writes for resume links: the request (in the web process) and the e-mail (in the worker).

Flow: ``resume_link_request`` checks the quota and the flood limits and writes a ``ResumeMail`` row
plus its task in one transaction, so the page answers at once and SMTP trouble never reaches the
request. The worker's ``resume_mail_send`` makes a new token, sends the link, and only then stores
the token's hash on the draft (a link that was never delivered never replaces a working one). The
token itself is never stored; the address is blanked once the mail is sent or given up.
A link is single-use: ``draft_resume`` binds the draft to the opening browser and retires the link.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
from datetime import timedelta

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from amtsweg.assistant.models import Draft, ResumeMail
from amtsweg.assistant.selectors import draft_is_expired, form_for
from amtsweg.assistant.services import DraftUnavailable, Limited, ResumeLimitReached
from amtsweg.common.hashing import token_hash
from amtsweg.web import limits

logger = logging.getLogger(__name__)

RESUME_MAILS_MAX = 5  # per draft; a mail that could not be delivered does not count
# Delays before the 2nd, 3rd, … attempt; after the last one the mail is given up (≈ 2 h 40 min in all).
RESUME_BACKOFF = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
    timedelta(hours=2),
)
# A worker that claimed the mail and did not finish is assumed gone after this long.
CLAIM_TIMEOUT = timedelta(minutes=5)


def _counted(draft: Draft):
    return draft.resume_mails.filter(status__in=[ResumeMail.Status.PENDING, ResumeMail.Status.SENT])


def resume_link_request(
    *, draft: Draft, email: str, base_url: str, session_key: str, client: str, language: str = "de"
) -> ResumeMail:
    """Queue the resume-link e-mail for ``draft`` to ``email``; returns the (pending) ``ResumeMail``.

    While an earlier request still waits for the worker (e.g. SMTP is down), that one is reused
    with the new address: repeated clicks neither send more mails nor use up the quota.
    Raises ``ResumeLimitReached`` (per-draft quota) or ``Limited`` (flood limits).
    """
    waiting = draft.resume_mails.filter(status=ResumeMail.Status.PENDING, claimed_at__isnull=True).order_by("-pk")
    pending = waiting.first()
    if pending is not None:
        if limits.address_key(pending.email) != limits.address_key(email):
            # A new recipient is counted, or swapping addresses would bypass the per-address limit.
            exceeded = limits.limits_take((limits.MAILS_PER_ADDRESS, limits.address_key(email)))
            if exceeded is not None:
                raise Limited(exceeded)
        if waiting.filter(pk=pending.pk).update(email=email, base_url=base_url[:200], language=language):
            pending.email, pending.base_url, pending.language = email, base_url[:200], language
            return pending
    if _counted(draft).count() >= RESUME_MAILS_MAX:
        raise ResumeLimitReached
    # Counted outside the transaction: on a database cache a rollback would undo the count.
    exceeded = limits.limits_take(
        (limits.MAILS_PER_SESSION, session_key),
        (limits.MAILS_PER_CLIENT, client),
        (limits.MAILS_PER_ADDRESS, limits.address_key(email)),
        (limits.MAILS_GLOBAL, limits.GLOBAL_KEY),
    )
    if exceeded is not None:
        raise Limited(exceeded)
    from amtsweg.assistant.tasks import resume_mail_send

    with transaction.atomic():
        locked = Draft.objects.select_for_update().get(pk=draft.pk)
        if _counted(locked).count() >= RESUME_MAILS_MAX:  # a parallel request got there first
            raise ResumeLimitReached
        mail = ResumeMail.objects.create(draft=locked, email=email, base_url=base_url[:200], language=language)
        # Same transaction: the worker finds the task exactly when the row exists.
        resume_mail_send.enqueue(mail.pk)
    return mail


def resume_mail_latest(*, draft: Draft) -> ResumeMail | None:
    return draft.resume_mails.order_by("-pk").first()


def _claim(mail_id: int) -> bool:
    now = timezone.now()
    return bool(
        ResumeMail.objects.filter(pk=mail_id, status=ResumeMail.Status.PENDING)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT))
        .update(claimed_at=now, attempts=F("attempts") + 1)
    )


def _give_up(mail: ResumeMail, error: str) -> str:
    ResumeMail.objects.filter(pk=mail.pk).update(
        status=ResumeMail.Status.FAILED, email="", claimed_at=None, error=error[:100]
    )
    logger.warning("resume mail given up mail=%s draft=%s error=%s", mail.pk, mail.draft_id, error)
    return "failed"


def _retry(mail: ResumeMail, error: BaseException) -> str:
    permanent = isinstance(error, smtplib.SMTPRecipientsRefused)
    if permanent or mail.attempts > len(RESUME_BACKOFF):
        return _give_up(mail, type(error).__name__)
    from amtsweg.assistant.tasks import resume_mail_send

    with transaction.atomic():
        ResumeMail.objects.filter(pk=mail.pk).update(claimed_at=None, error=type(error).__name__[:100])
        delay = RESUME_BACKOFF[mail.attempts - 1]
        resume_mail_send.using(run_after=timezone.now() + delay).enqueue(mail.pk)
    logger.warning(
        "resume mail failed mail=%s attempt=%s error=%s retry_in=%ss",
        mail.pk,
        mail.attempts,
        type(error).__name__,
        int(delay.total_seconds()),
    )
    return "retry"


def resume_mail_send(*, mail_id: int) -> str:
    """Send one queued resume-link e-mail (worker side). Never raises for SMTP trouble.

    Returns ``sent``, ``retry`` (a delayed task is enqueued), ``failed`` (given up: refused
    address, draft gone, or out of attempts), ``in-progress`` (another worker holds a fresh claim;
    checked again later) or ``done`` (nothing left to do).
    """
    if not _claim(mail_id):
        mail = ResumeMail.objects.filter(pk=mail_id).first()
        if mail is not None and mail.status == ResumeMail.Status.PENDING and mail.claimed_at is not None:
            from amtsweg.assistant.tasks import resume_mail_send as task

            # If that worker died, this delayed task takes the mail over once the claim is stale.
            task.using(run_after=mail.claimed_at + CLAIM_TIMEOUT + timedelta(seconds=5)).enqueue(mail_id)
            return "in-progress"
        return "done"
    mail = ResumeMail.objects.select_related("draft__version__definition", "draft__authority").get(pk=mail_id)
    draft = mail.draft
    if draft.submitted_number or draft_is_expired(draft=draft) or not mail.email:
        return _give_up(mail, "draft-closed")
    token = secrets.token_urlsafe(32)
    link = mail.base_url.rstrip("/") + reverse("assistant:resume", kwargs={"token": token})
    with translation.override(mail.language or "de"):
        title = form_for(version=draft.version, authority=draft.authority, language=mail.language or "de").title
        context = {"title": title, "link": link, "expires_at": draft.expires_at, "authority": draft.authority}
        subject = gettext("Ihr Antrag „{title}“: Link zum Fortsetzen").format(title=title)
        message = render_to_string("assistant/email/resume.txt", context)
    try:
        send_mail(subject=subject, message=message, from_email=None, recipient_list=[mail.email])
    except Exception as error:  # noqa: BLE001 – any failure is retried or given up, never a crash
        return _retry(mail, error)
    with transaction.atomic():
        # The new link replaces the previous one only now that it was handed to the mail server.
        Draft.objects.filter(pk=draft.pk).update(
            resume_token_hash=token_hash(token),
            resume_expires_at=draft.expires_at,
            resume_mails_sent=F("resume_mails_sent") + 1,
            updated=timezone.now(),
        )
        ResumeMail.objects.filter(pk=mail.pk).update(
            status=ResumeMail.Status.SENT, email="", claimed_at=None, error="", sent_at=timezone.now()
        )
    logger.info("resume link sent mail=%s draft=%s", mail.pk, draft.pk)
    return "sent"


def draft_resume(*, token: str) -> Draft:
    """Open a resume link: the draft it points to, with the link used up (single-use).

    Raises ``DraftUnavailable``; ``used=True`` when this link was opened before.
    """
    if not isinstance(token, str) or not 20 <= len(token) <= 64:
        raise DraftUnavailable(expired=False)
    digest = token_hash(token)
    drafts = Draft.objects.select_related("version__definition", "gemeinde", "authority")
    draft = drafts.filter(resume_token_hash=digest).first()
    if draft is None:
        used = drafts.filter(resume_used_hash=digest).first()
        if used is not None:
            raise DraftUnavailable(expired=False, draft=used, used=True)
        raise DraftUnavailable(expired=False)
    now = timezone.now()
    if draft_is_expired(draft=draft) or (draft.resume_expires_at is not None and draft.resume_expires_at <= now):
        raise DraftUnavailable(expired=True, draft=draft)
    # Guarded: of two concurrent opens only one gets the draft.
    if not Draft.objects.filter(pk=draft.pk, resume_token_hash=digest).update(
        resume_token_hash="", resume_used_hash=digest
    ):
        raise DraftUnavailable(expired=False, draft=draft, used=True)
    return draft
