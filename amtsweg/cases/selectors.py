"""Reads of cases (for the hub API, the submissions pages and, later, the citizen's Postfach)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from amtsweg.accounts.models import Membership, Role
from amtsweg.cases.models import MESSAGE_KINDS, OPEN_STATUSES, CaseDocument, CaseEvent, CaseStatus, Vorgang
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


def _organisation_ids(user) -> list[int]:
    return list(Membership.objects.filter(user=user).values_list("organisation_id", flat=True))


def _visible(user) -> Q:
    """The citizen's own Vorgänge and those of the organisations they are a member of (any role reads)."""
    condition = Q(applicant=user)
    organisations = _organisation_ids(user)
    if organisations:
        condition |= Q(organisation_id__in=organisations)
    return condition


def vorgaenge_of(*, user) -> QuerySet[Vorgang]:
    """The citizen's Vorgänge ("Meine Anträge"), newest first, with what the list shows: their own and
    their organisations' (issue 10 §2)."""
    return (
        Vorgang.objects.filter(_visible(user))
        .select_related("authority", "leistung", "organisation")
        .order_by("-created", "-pk")
    )


def vorgang_of(*, user, number: str) -> Vorgang | None:
    """The citizen's Vorgang with this number, or None (also when it belongs to someone else)."""
    vorgang = vorgang_by_number(number=number)
    if vorgang is None or not user.is_authenticated:
        return None
    if vorgang.applicant_id is not None and vorgang.applicant_id == user.pk:
        return vorgang
    if vorgang.organisation_id is not None and vorgang.organisation_id in _organisation_ids(user):
        return vorgang
    return None


def vorgang_may_withdraw(*, user, vorgang: Vorgang) -> bool:
    """Only the applicant or an Inhaber of the organisation it was made for withdraws (Bearbeiter read)."""
    if vorgang.applicant_id is not None and vorgang.applicant_id == user.pk:
        return True
    if vorgang.organisation_id is None:
        return False
    return Membership.objects.filter(user=user, organisation_id=vorgang.organisation_id, role=Role.INHABER).exists()


def vorgang_withdrawable(*, vorgang: Vorgang) -> bool:
    """The Leistung allows it and the case is still open."""
    allowed = vorgang.leistung is None or vorgang.leistung.withdrawal_allowed
    return allowed and vorgang.status in OPEN_STATUSES


def nachforderung_open(*, vorgang: Vorgang) -> CaseEvent | None:
    """The latest Nachforderung while the case waits for documents (status "nachforderung"), else None."""
    if vorgang.status != CaseStatus.NACHFORDERUNG:
        return None
    return case_events_for(vorgang=vorgang).filter(kind=CaseEvent.Kind.NACHFORDERUNG).last()


def case_documents_for(*, vorgang: Vorgang) -> QuerySet[CaseDocument]:
    """Files of the citizen's Nachreichungen, in the order they came."""
    return CaseDocument.objects.filter(event__vorgang=vorgang).select_related("event").order_by("event__created", "pk")


def postfach_unread_count(*, user) -> int:
    """Unread messages from authorities across the citizen's Vorgänge (shown in "Mein Konto")."""
    vorgaenge = Vorgang.objects.filter(_visible(user)).values("pk")
    return CaseEvent.objects.filter(vorgang__in=vorgaenge, kind__in=MESSAGE_KINDS, read_at__isnull=True).count()
