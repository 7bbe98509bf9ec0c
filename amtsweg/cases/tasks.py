"""Background tasks of cases (``manage.py db_worker``): the applicant's Postfach notification."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django_tasks import task

from amtsweg.cases.models import CaseEvent

logger = logging.getLogger(__name__)

# German and English in one mail: the worker knows no language of the recipient (docs/i18n.md).
SUBJECT = "Neuigkeiten zu Ihrem Antrag / News about your application"


@task()
def postfach_notify(event_id: int) -> str:
    """Tell the applicant THAT a message arrived, never what: no content, no Vorgangsnummer, no authority
    (an e-mail may be read by others; the Postfach behind the login shows the rest)."""
    event = CaseEvent.objects.select_related("vorgang__applicant").filter(pk=event_id).first()
    applicant = event.vorgang.applicant if event is not None else None
    if applicant is None or not applicant.is_active or not applicant.email:
        return "skipped"
    base = (getattr(settings, "AMTSWEG_PUBLIC_URL", "") or "").rstrip("/")
    link = f"{base}/konto/antraege/" if base else ""
    send_mail(
        subject=SUBJECT,
        message=render_to_string("cases/email/postfach_notify.txt", {"link": link}),
        from_email=None,
        recipient_list=[applicant.email],
    )
    logger.info("postfach notification sent event=%s", event_id)
    return "sent"
