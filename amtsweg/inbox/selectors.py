"""Reads of the inbox: the cases of the user's authorities, filtered, searched and sorted in SQL
(indexed columns of ``cases.Vorgang``; no per-row lookups), and one case with what belongs to it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import CharField, DateField, F, Func, Q, QuerySet
from django.utils import timezone
from django.utils.functional import cached_property

from amtsweg.cases.models import CaseStatus, Vorgang
from amtsweg.directory.selectors import authority_ids_of, user_may_work_for

# A Vorgangsnummer fragment: letters, digits and dashes with at least one digit (numbers carry the year).
NUMBER_FRAGMENT = re.compile(r"(?=.*\d)[A-Za-z0-9-]+")
RUNNING_STATUSES = (CaseStatus.EINGEGANGEN, CaseStatus.IN_BEARBEITUNG)

SORTS = {
    "neu": ("-created", "-pk"),
    "alt": ("created", "pk"),
    "frist": ("due_date", "-created"),
    "nummer": ("number",),
}


PAGE_SIZE = 25
LIST_FIELDS = (
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
    qs = Vorgang.objects.all()
    ids = authority_ids_of(user)
    if ids is not None:
        qs = qs.filter(authority_id__in=ids)
    if filters.q:
        qs = qs.filter(_search(filters.q.strip()))
    if filters.leistung:
        qs = qs.filter(leistung_id=filters.leistung)
    if filters.status:
        qs = qs.filter(status=filters.status)
    # Day bounds as datetimes in local time, so the index on ``created`` is used (no date() on the column).
    if filters.von:
        qs = qs.filter(created__gte=_day_start(filters.von))
    if filters.bis:
        qs = qs.filter(created__lt=_day_start(filters.bis + timedelta(days=1)))
    if filters.bearbeitung == "ich":
        qs = qs.filter(assignee=user)
    elif filters.bearbeitung == "frei":
        qs = qs.filter(assignee__isnull=True)
    elif filters.bearbeitung.isdigit():
        qs = qs.filter(assignee_id=int(filters.bearbeitung))
    if filters.ueberfaellig:
        today = today or timezone.localdate()
        # A running clock means: open and not waiting for documents (a Nachforderung is the only pause),
        # so the condition stays on the index (authority, status, due_date).
        if connection.vendor == "sqlite":
            # Without table statistics SQLite takes the (authority, status, due_date) index and then sorts every
            # overdue case; a unary plus keeps these terms off the indexes, so the page is read in the list's
            # order off its sort index (10-20 x faster at 100,000 cases). PostgreSQL plans by its statistics.
            qs = qs.alias(_status=_unindexed("status", CharField()), _due=_unindexed("due_date", DateField()))
            qs = qs.filter(_status__in=RUNNING_STATUSES, _due__lt=today)
        else:
            qs = qs.filter(status__in=RUNNING_STATUSES, due_date__lt=today)
    return qs.order_by(*SORTS.get(filters.sort, SORTS["neu"]))


def _unindexed(field: str, output_field) -> Func:
    """``+column`` (SQLite): the same value, but the planner does not use an index for the term."""
    return Func(F(field), template="+%(expressions)s", output_field=output_field)


def _search(term: str) -> Q:
    """Vorgangsnummer (a fragment of at least 3 characters) or Leistung name. The Leistungen are looked up
    in the catalogue first, so the cases are filtered by id (indexed) instead of a join with LIKE."""
    from amtsweg.catalog.models import Leistung

    leistung_ids = list(Leistung.objects.filter(name__icontains=term).values_list("pk", flat=True)[:500])
    condition = Q(leistung_id__in=leistung_ids)
    if len(term) >= 3 and NUMBER_FRAGMENT.fullmatch(term):
        condition |= Q(number__icontains=term)
    return condition


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


# The Leistungen of an authority's cases change rarely; finding them scans all its cases, so the
# answer is cached for a few minutes (a new Leistung shows up in the filter at the latest then).
LEISTUNGEN_CACHE_SECONDS = 300


# Counting all of an authority's 100,000 cases on every page costs more than the page itself; the list
# counts only as far as it needs: up to COUNT_CAP rows, or to the requested page when that lies deeper.
COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """A Paginator whose count stops at ``max(COUNT_CAP, rows up to the requested page)``. When it stops,
    ``capped`` is True, ``count_floor`` is the number counted ("mehr als …") and one more page is assumed,
    so "Nächste Seite" stays available."""

    def __init__(self, object_list, per_page, *, needed: int):
        super().__init__(object_list, per_page)
        self.limit = max(COUNT_CAP, needed)
        self.capped = False
        self.count_floor = 0

    @cached_property
    def count(self) -> int:
        # Without the list's ORDER BY: counting needs no sort, only the filter's index.
        counted = self.object_list.order_by()[: self.limit + 1].count()
        if counted <= self.limit:
            return counted
        self.capped, self.count_floor = True, self.limit
        return self.limit + self.per_page  # one page more than counted


def _page_number(raw) -> int:
    text = str(raw or "1")
    return max(1, int(text)) if text.isdigit() and len(text) < 7 else 1


def inbox_page_rows(*, cases: QuerySet[Vorgang], page_number) -> tuple[Page, list[Vorgang]]:
    """One page of ``cases``: the page's ids are found on the index alone (each sort has its index, see
    ``cases.Vorgang.Meta.indexes``), then only those rows are loaded with their Leistung and assignee. Three
    queries: the capped count, the ids, the rows."""
    number = _page_number(page_number)
    paginator = CappedPaginator(cases.values_list("pk", flat=True), PAGE_SIZE, needed=number * PAGE_SIZE)
    page = paginator.get_page(number)
    ids = list(page.object_list)
    rows = {
        vorgang.pk: vorgang
        for vorgang in cases.model.objects.select_related("leistung", "assignee", "authority")
        .only(*LIST_FIELDS)
        .filter(pk__in=ids)
    }
    return page, [rows[pk] for pk in ids if pk in rows]


def inbox_leistungen(*, user) -> list[tuple[int, str]]:
    """(id, name) of the Leistungen that occur in the user's cases (for the filter), by name."""
    from amtsweg.catalog.models import Leistung

    ids = authority_ids_of(user)
    key = "inbox:leistungen:" + ("all" if ids is None else ",".join(map(str, sorted(ids))))
    cached = cache.get(key)
    if cached is not None:
        return cached
    cases = Vorgang.objects.filter(leistung__isnull=False)
    if ids is not None:
        cases = cases.filter(authority_id__in=ids)
    leistung_ids = cases.values("leistung_id").distinct()
    result = list(Leistung.objects.filter(pk__in=leistung_ids).order_by("name").values_list("pk", "name"))
    cache.set(key, result, LEISTUNGEN_CACHE_SECONDS)
    return result


def inbox_case(*, user, number: str) -> Vorgang | None:
    """The Vorgang with this number if the user works for its authority, else None (same for unknown)."""
    vorgang = (
        Vorgang.objects.select_related("leistung", "assignee", "authority", "gemeinde").filter(number=number).first()
    )
    if vorgang is None or not user_may_work_for(user, vorgang.authority_id):
        return None
    return vorgang


# --- Saved views and Nachforderung templates -----------------------------------------------------------

# The list's query parameters a saved view keeps (the page number is not part of a view).
VIEW_KEYS = ("q", "leistung", "status", "von", "bis", "bearbeitung", "ueberfaellig", "sort")


def view_query_clean(params) -> str:
    """The filter and sort of a query (a QueryDict or dict) as a query string, without the page and foreign keys."""
    from urllib.parse import urlencode

    pairs = [(key, str(params.get(key, "")).strip()[:100]) for key in VIEW_KEYS]
    return urlencode([(key, value) for key, value in pairs if value])


def saved_views_for(*, user):
    """The user's saved views, by name."""
    from amtsweg.inbox.models import SavedView

    return SavedView.objects.filter(user=user).order_by("name")


def saved_view_get(*, user, view_id: int):
    """The user's own saved view, or None (also for another user's view)."""
    from amtsweg.inbox.models import SavedView

    return SavedView.objects.filter(user=user, pk=view_id).first()


def nachforderung_vorlagen_for(*, vorgang: Vorgang):
    """Templates of the case's authority for all Leistungen or the case's Leistung (specific ones first)."""
    from amtsweg.inbox.models import NachforderungVorlage

    return (
        NachforderungVorlage.objects.filter(authority_id=vorgang.authority_id)
        .filter(Q(leistung__isnull=True) | Q(leistung_id=vorgang.leistung_id))
        .order_by("leistung_id", "title")
    )
