"""What the digest reports: released comments and phase changes since the follow's ``since`` mark."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from amtsweg.projekte.models import Abonnement, Kommentar, PhasenEreignis
from amtsweg.projekte.phases import Phase, status_label


def digest_collect(*, user) -> list[dict]:
    sections = []
    for abo in Abonnement.objects.filter(user=user).select_related("leistung", "projekt"):
        items = []
        comments = Kommentar.objects.filter(status=Kommentar.Status.FREIGEGEBEN, moderated__gt=abo.since)
        if abo.leistung is not None:
            comments = comments.filter(leistung=abo.leistung)
            title = f"Leistung „{abo.leistung.name}“"
        elif abo.projekt is not None:
            comments = comments.filter(projekt=abo.projekt)
            title = f"Projekt „{abo.projekt.title}“"
            for event in PhasenEreignis.objects.filter(projekt=abo.projekt, recorded__gt=abo.since).order_by("id"):
                state = status_label(event.status, event.plan_year)
                items.append(f"Phase {Phase(event.phase).label}: {state} ({event.date:%d.%m.%Y})")
        else:
            continue
        for comment in comments.select_related("authority"):
            items.append(f"Kommentar von {comment.authority.name}: {comment.text}")
        if items:
            sections.append({"title": title, "items": items})
    return sections


@transaction.atomic
def digest_mark_sent(*, user) -> None:
    Abonnement.objects.filter(user=user).update(since=timezone.now())
