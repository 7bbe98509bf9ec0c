"""Meine Anträge, the Postfach detail and the withdraw page in English (issue 11 §4): no German UI word
outside lang="de" (the authority's messages, Leistung and authority names stay German)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from amtsweg.cases.services import citizen_reply_record
from amtsweg.postfach.tests.test_postfach import NACHFORDERUNG_TEXT, _detail, _nachforderung
from amtsweg.web.tests.english import german_words, page_texts

pytestmark = pytest.mark.django_db


def _german_ui_words(page: str) -> list[str]:
    return german_words(page_texts(page))


@pytest.fixture
def english(client, erika):
    client.force_login(erika)
    client.cookies["amtsweg_language"] = "en"
    return client


def test_meine_antraege_in_english(english, own_case):
    page = english.get(reverse("postfach:list")).content.decode()
    assert 'lang="en"' in page
    assert "Submitted applications" in page or "received" in page
    assert _german_ui_words(page) == []


def test_detail_with_thread_in_english(english, own_case, erika):
    _nachforderung(own_case.vorgang, erika)
    citizen_reply_record(vorgang=own_case.vorgang, user=erika, text="The certificate is attached.")
    response = english.get(_detail(own_case.vorgangsnummer))
    page = response.content.decode()
    assert response.status_code == 200
    # The authority's message stays German, marked for screen readers; the stage and status are English.
    assert NACHFORDERUNG_TEXT in page
    assert "Submit documents" in page
    assert "further documents requested" in page
    assert _german_ui_words(page) == []


def test_withdraw_page_in_english(english, own_case):
    page = english.get(reverse("postfach:withdraw", kwargs={"number": own_case.vorgangsnummer})).content.decode()
    assert "Withdraw application" in page
    assert _german_ui_words(page) == []


def test_detail_stays_german_without_the_cookie(client, own_case, erika):
    client.force_login(erika)
    page = client.get(_detail(own_case.vorgangsnummer)).content.decode()
    assert "Verlauf" in page
    assert "Antrag eingegangen" in page
