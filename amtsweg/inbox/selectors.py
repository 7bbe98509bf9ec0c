"""Reads of the inbox: the cases of the user's authorities, filtered, searched and sorted in SQL
(indexed columns of ``cases.Vorgang``; no per-row lookups), and one case with what belongs to it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet
from django.utils import timezone

from amtsweg.cases.models import OPEN_STATUSES, Vorgang
from amtsweg.directory.selectors import authority_ids_of, user_may_work_for

SORTS = {
    "neu": ("-created", "-pk"),
    "alt": ("created", "pk"),
    "frist": ("due_date", "-created"),
    "nummer": ("number",),
}


@dataclass(frozen=True)
class CaseFilter:
    q: str = ""
    leistung: int | None = None
    status: str = ""
    von: date | None = None
    bis: date | None = None
    # "ich" (mine), "frei" (unassigned) or a user id as text; "" for all.
    bearbeitung: str = ""
    ueberfaellig: bool = False
    sort: str = "neu"


def inbox_cases(*, user, filters: CaseFilter, today: date | None = None) -> QuerySet[Vorgang]:
    """The Vorgänge of the user's authorities matching ``filters`` (superuser: all)."""
    qs = Vorgang.objects.select_related("leistung", "assignee", "authority").only(
        "number",
        "status",
        "created",
        "due_date",
        "paused_since",
        "authority__name",
        "leistung__name",
        "assignee__username",
        "assignee__first_name",
        "assignee__last_name",
    )
    ids = authority_ids_of(user)
    if ids is not None:
        qs = qs.filter(authority_id__in=ids)
    if filters.q:
        term = filters.q.strip()
        qs = qs.filter(Q(number__icontains=term) | Q(leistung__name__icontains=term))
    if filters.leistung:
        qs = qs.filter(leistung_id=filters.leistung)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.von:
        qs = qs.filter(created__date__gte=filters.von)
    if filters.bis:
        qs = qs.filter(created__date__lte=filters.bis)
    if filters.bearbeitung == "ich":
        qs = qs.filter(assignee=user)
    elif filters.bearbeitung == "frei":
        qs = qs.filter(assignee__isnull=True)
    elif filters.bearbeitung.isdigit():
        qs = qs.filter(assignee_id=int(filters.bearbeitung))
    if filters.ueberfaellig:
        today = today or timezone.localdate()
        qs = qs.filter(status__in=OPEN_STATUSES, paused_since__isnull=True, due_date__lt=today)
    return qs.order_by(*SORTS.get(filters.sort, SORTS["neu"]))


def inbox_leistungen(*, user):
    """The Leistungen that occur in the user's cases (for the filter), by name."""
    from amtsweg.catalog.models import Leistung

    cases = Vorgang.objects.filter(leistung__isnull=False)
    ids = authority_ids_of(user)
    if ids is not None:
        cases = cases.filter(authority_id__in=ids)
    return Leistung.objects.filter(pk__in=cases.values("leistung_id").distinct()).only("pk", "name").order_by("name")


def inbox_case(*, user, number: str) -> Vorgang | None:
    """The Vorgang with this number if the user works for its authority, else None (same for unknown)."""
    vorgang = (
        Vorgang.objects.select_related("leistung", "assignee", "authority", "gemeinde").filter(number=number).first()
    )
    if vorgang is None or not user_may_work_for(user, vorgang.authority_id):
        return None
    return vorgang
