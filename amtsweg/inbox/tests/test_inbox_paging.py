"""The inbox list at scale, without timings: the count stops at a cap, every sort reads its page off an
index (no sorting of the authority's cases), and the number of queries per page is bounded."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from amtsweg.cases.models import Vorgang
from amtsweg.cases.services import vorgang_create
from amtsweg.inbox import selectors
from amtsweg.inbox.selectors import CaseFilter, inbox_cases


@pytest.fixture
def sb_a(case_a, make_staff):
    return make_staff("sb.paging.a", authority=case_a.authority)


@pytest.fixture
def many(case_a):
    for _ in range(30):
        vorgang_create(authority=case_a.authority, channel=Vorgang.Channel.API, leistung=case_a.leistung)


def test_count_is_capped_and_next_page_stays_reachable(client, sb_a, many, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 10)
    client.force_login(sb_a)
    first = client.get("/sachbearbeitung/").content.decode()
    # Page 1 needs 25 rows: counted up to 25, more exist.
    assert "Mehr als 25 Vorgänge" in first
    assert "Seite 1 von mehr als 1" in first and 'rel="next"' in first
    # Page 2 lies deeper: counted as far as needed, which is all 31.
    second = client.get("/sachbearbeitung/", {"seite": 2}).content.decode()
    status = second.split('role="status">', 1)[1].split("</p>", 1)[0]
    assert status == "31 Vorgänge" and "Seite 2 von 2" in second


def test_a_small_inbox_shows_the_exact_count(client, sb_a, case_a):
    client.force_login(sb_a)
    page = client.get("/sachbearbeitung/").content.decode()
    assert "1 Vorgang" in page and "Mehr als" not in page


@pytest.mark.parametrize(
    "filters",
    [
        CaseFilter(),
        CaseFilter(sort="alt"),
        CaseFilter(sort="frist"),
        CaseFilter(bearbeitung="ich", sort="frist"),
        CaseFilter(bearbeitung="ich"),
        CaseFilter(ueberfaellig=True),
        CaseFilter(ueberfaellig=True, sort="frist"),
    ],
    ids=["neu", "alt", "frist", "meine-frist", "meine", "ueberfaellig", "ueberfaellig-frist"],
)
def test_every_sort_reads_its_page_off_an_index(sb_a, many, filters):
    if connection.vendor != "sqlite":
        pytest.skip("query plan checked on SQLite")
    cases = inbox_cases(user=sb_a, filters=filters).values_list("pk", flat=True)[50:75]
    sql, params = cases.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " / ".join(row[-1] for row in cursor.fetchall())
    assert "USING" in plan and "INDEX" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


def test_queries_per_page_do_not_grow_with_cases_or_depth(client, sb_a, case_a, many):
    client.force_login(sb_a)
    client.get("/sachbearbeitung/")
    with CaptureQueriesContext(connection) as first:
        client.get("/sachbearbeitung/")
    for _ in range(30):
        vorgang_create(authority=case_a.authority, channel=Vorgang.Channel.API, leistung=case_a.leistung)
    with CaptureQueriesContext(connection) as deep:
        client.get("/sachbearbeitung/", {"seite": 3, "sort": "frist"})
    assert len(deep.captured_queries) == len(first.captured_queries) <= 12
