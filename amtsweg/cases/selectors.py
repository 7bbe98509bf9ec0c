"""Reads of cases (for the hub API, the submissions pages and, later, the citizen's Postfach)."""

from __future__ import annotations

from django.db.models import QuerySet

from amtsweg.cases.models import MESSAGE_KINDS, CaseEvent, Vorgang
from amtsweg.cases.numbers import number_is_valid, number_normalize


def vorgang_by_number(*, number: str) -> Vorgang | None:
    """The Vorgang with this number, or None. Exact numbers are found as they are; otherwise a
    well-formed number is found with case and confusable letters forgiven (``aw-2026-7k3qx9pm``)."""
    max_length = Vorgang._meta.get_field("number").max_length
    if not number or (max_length is not None and len(number) > max_length):
        return None
    vorgang = Vorgang.objects.filter(number=number).first()
    if vorgang is not None:
        return vorgang
    normalized = number_normalize(number)
    if normalized == number or not number_is_valid(normalized):
        return None
    return Vorgang.objects.filter(number=normalized).first()


def case_events_for(*, vorgang: Vorgang) -> QuerySet[CaseEvent]:
    """Events of a Vorgang, oldest first."""
    return CaseEvent.objects.filter(vorgang=vorgang).order_by("created", "pk")


def case_status(*, vorgang: Vorgang) -> CaseEvent | None:
    """The latest status event (the current status), or None if the back office reported none yet."""
    return case_events_for(vorgang=vorgang).filter(kind=CaseEvent.Kind.STATUS).last()


def vorgaenge_of(*, user) -> QuerySet[Vorgang]:
    """The citizen's Vorgänge ("Meine Anträge"), newest first, with what the list shows."""
    return Vorgang.objects.filter(applicant=user).select_related("authority", "leistung").order_by("-created", "-pk")


def vorgang_of(*, user, number: str) -> Vorgang | None:
    """The citizen's Vorgang with this number, or None (also when it belongs to someone else)."""
    vorgang = vorgang_by_number(number=number)
    if vorgang is None or vorgang.applicant_id is None or vorgang.applicant_id != user.pk:
        return None
    return vorgang


def postfach_unread_count(*, user) -> int:
    """Unread messages from authorities across the citizen's Vorgänge (shown in "Mein Konto")."""
    return CaseEvent.objects.filter(vorgang__applicant=user, kind__in=MESSAGE_KINDS, read_at__isnull=True).count()
