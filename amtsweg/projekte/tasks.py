"""Background tasks of the Projektlandkarte (``manage.py worker``): Werkstatt invitations and the digest.

Mails name the project and the Leistung (public information) but no other person's data; links only when
``AMTSWEG_PUBLIC_URL`` is set.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django_tasks import task

from amtsweg.projekte.models import Abonnement, Einladung

logger = logging.getLogger(__name__)


def _base() -> str:
    return (getattr(settings, "AMTSWEG_PUBLIC_URL", "") or "").rstrip("/")


@task()
def einladung_mail_send(einladung_id: int) -> str:
    """Invite the members of a Kommune to an OZG-Werkstatt (one mail per member address)."""
    einladung = Einladung.objects.select_related("werkstatt__projekt", "authority").filter(pk=einladung_id).first()
    if einladung is None:
        return "skipped"
    users = (
        get_user_model()
        .objects.filter(authority_memberships__authority=einladung.authority, is_active=True)
        .exclude(email="")
    )
    addresses = sorted({user.email for user in users})
    if not addresses:
        return "no-recipients"
    werkstatt = einladung.werkstatt
    body = render_to_string(
        "projekte/email/einladung.txt",
        {"werkstatt": werkstatt, "projekt": werkstatt.projekt, "authority": einladung.authority, "base": _base()},
    )
    for address in addresses:
        send_mail(
            subject=f"Einladung: {werkstatt.get_number_display()}",
            message=body,
            from_email=None,
            recipient_list=[address],
        )
    logger.info("werkstatt invitation sent einladung=%s recipients=%s", einladung_id, len(addresses))
    return "sent"


@task()
def digest_mail_send(user_id: int) -> str:
    """One digest per user: what happened to the Leistungen and projects they follow since the last one."""
    from amtsweg.projekte.digest import digest_collect, digest_mark_sent

    user = get_user_model().objects.filter(pk=user_id, is_active=True).exclude(email="").first()
    if user is None:
        return "skipped"
    sections = digest_collect(user=user)
    if not sections:
        return "nothing-new"
    send_mail(
        subject="Neuigkeiten aus der OZG-Beteiligung",
        message=render_to_string("projekte/email/digest.txt", {"sections": sections, "base": _base()}),
        from_email=None,
        recipient_list=[user.email],
    )
    digest_mark_sent(user=user)
    logger.info("beteiligung digest sent user=%s sections=%s", user_id, len(sections))
    return "sent"


def digests_enqueue() -> int:
    """Scheduler job: one digest task per follower (the task itself skips users without news)."""
    user_ids = sorted(set(Abonnement.objects.values_list("user_id", flat=True)))
    for user_id in user_ids:
        digest_mail_send.enqueue(user_id)
    return len(user_ids)
