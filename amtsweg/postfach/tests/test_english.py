"""Meine Anträge, the Postfach detail and the withdraw page in English (issue 11 §4): no German UI word
outside lang="de" (the authority's messages, Leistung and authority names stay German)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from lxml import html

from amtsweg.cases.services import citizen_reply_record
from amtsweg.demo.tests.test_e2e_english import GERMAN_WORDS
from amtsweg.postfach.tests.test_postfach import NACHFORDERUNG_TEXT, _detail, _nachforderung

pytestmark = pytest.mark.django_db

_SKIP = "ancestor-or-self::*[starts-with(@lang, 'de') or self::script or self::style or @hidden or @aria-hidden='true']"


def _german_ui_words(page: str) -> list[str]:
    """Texts (and accessible attributes) outside lang="de" that contain a German UI word."""
    tree = html.fromstring(page)
    texts = [tree.findtext(".//title") or ""]
    body = tree.find("body")
    for node in body.xpath(".//text()"):
        if node.strip() and not node.getparent().xpath(_SKIP):
            texts.append(node.strip())
    for element in body.xpath(".//*[@aria-label or @title or @placeholder or @alt]"):
        if not element.xpath(_SKIP):
            texts += [element.get(name) for name in ("aria-label", "title", "placeholder", "alt") if element.get(name)]
    found = []
    for text in texts:
        words = set(re.findall(r"[A-Za-zÄÖÜäöüß]+", text)) & GERMAN_WORDS
        if words:
            found.append(f"{text!r} ({', '.join(sorted(words))})")
    return found


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
