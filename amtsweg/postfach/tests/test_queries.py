"""Meine Anträge stays within a fixed number of queries, however many Vorgänge, events and drafts the
citizen has (benchmarks/postfach.py measures the time over HTTP)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from amtsweg.accounts.models import Membership, Organisation, Role
from amtsweg.assistant.models import Draft
from amtsweg.cases.models import CaseEvent, Vorgang
from amtsweg.cases.numbers import number_generate

pytestmark = pytest.mark.django_db

MAX_QUERIES = 15


def _cases(user, organisation, authority, leistung, count: int) -> None:
    rows = [
        Vorgang(
            number=number_generate(year=2026),
            channel="portal",
            authority=authority,
            leistung=leistung,
            applicant=user,
            organisation=organisation if i % 3 == 0 else None,
        )
        for i in range(count)
    ]
    Vorgang.objects.bulk_create(rows)
    CaseEvent.objects.bulk_create(
        CaseEvent(vorgang=v, authority=authority, kind="nachforderung", payload={"text": "x"}) for v in rows
    )


def _queries(client) -> int:
    client.get(reverse("postfach:list"))  # warm caches (sessions, content types)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("postfach:list"))
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_list_queries_do_not_grow_with_cases_or_drafts(client, own_case, erika, version):
    vorgang = own_case.vorgang
    organisation = Organisation.objects.create(name="Muster GmbH")
    Membership.objects.create(organisation=organisation, user=erika, role=Role.INHABER)
    client.force_login(erika)
    few = _queries(client)
    _cases(erika, organisation, vorgang.authority, vorgang.leistung, 200)
    for i in range(5):
        Draft.objects.create(
            token=f"query-test-{i}-{'x' * 30}",
            version=version,
            authority=vorgang.authority,
            gemeinde=vorgang.gemeinde,
            expires_at=timezone.now() + timedelta(days=1),
            user=erika,
        )
    many = _queries(client)
    body = client.get(reverse("postfach:list")).content.decode()
    assert body.count("fortsetzen<span") == 5
    assert many <= few + 1  # the draft table's rows come in the one query that was empty before
    assert many <= MAX_QUERIES
