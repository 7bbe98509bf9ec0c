"""Storage quotas for uploads (issue 8 finding 2): per draft, per client and day, and in total.

Counted from the ``Upload`` rows in the database, so every web process sees the same figures.
A client is the hashed address from ``amtsweg.web.clients.client_key`` (proxy headers only from
configured proxies). Concurrent uploads may overshoot a quota by at most one file each; the
checks are about disk filling, not about exact accounting.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext

from amtsweg.assistant.models import Draft, Upload
from amtsweg.forms.fields import de_number

MB = 1024 * 1024
CLIENT_WINDOW = timedelta(hours=24)


def _mb(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _used(queryset) -> int:
    return queryset.aggregate(total=Sum("size"))["total"] or 0


def upload_quota_problem(*, draft: Draft, client_key: str, size: int, now=None) -> str | None:
    """A German message if storing ``size`` more bytes would exceed a quota, else None."""
    now = now or timezone.now()
    per_draft = _mb("AMTSWEG_UPLOAD_QUOTA_DRAFT_MB", 50)
    if _used(Upload.objects.filter(draft=draft)) + size > per_draft * MB:
        return gettext(
            "Zu diesem Antrag können insgesamt höchstens {size} MB an Dateien hochgeladen werden. "
            "Bitte entfernen Sie eine andere Datei oder verkleinern Sie die Datei (z. B. geringere Scan-Auflösung)."
        ).format(size=de_number(per_draft))
    per_client = _mb("AMTSWEG_UPLOAD_QUOTA_CLIENT_MB", 100)
    if client_key and _used(Upload.objects.filter(client_key=client_key, created__gte=now - CLIENT_WINDOW)) + size > (
        per_client * MB
    ):
        return gettext(
            "Von Ihrem Anschluss aus wurden in den letzten 24 Stunden bereits {size} MB an Dateien "
            "hochgeladen. Bitte versuchen Sie es morgen noch einmal oder wenden Sie sich an die zuständige Behörde."
        ).format(size=de_number(per_client))
    total = _mb("AMTSWEG_UPLOAD_QUOTA_TOTAL_MB", 5120)
    if _used(Upload.objects.all()) + size > total * MB:
        return gettext(
            "Der Speicher für hochgeladene Dateien ist zurzeit ausgelastet. Ihre Angaben sind gespeichert; "
            "bitte laden Sie die Datei später noch einmal hoch."
        )
    return None


def abandoned_drafts(*, now=None):
    """Drafts whose uploads may go early: not changed for AMTSWEG_UPLOAD_ABANDONED_HOURS (default 24),
    no resume link ever requested (so only the original browser session could come back), not
    submitted, and holding at least one upload."""
    now = now or timezone.now()
    hours = _mb("AMTSWEG_UPLOAD_ABANDONED_HOURS", 24)
    return Draft.objects.filter(
        updated__lt=now - timedelta(hours=hours),
        resume_mails_sent=0,
        resume_token_hash="",
        submitted_number="",
        uploads__isnull=False,
    ).distinct()
