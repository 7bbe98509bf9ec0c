"""The language switcher (issue 11 §4, ADR 0025): German by default, English after choosing it."""

from __future__ import annotations

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_german_by_default_even_for_an_english_browser(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    assert '<html lang="de">' in html
    assert "Zum Inhalt springen" in html
    # The switcher offers English, marked as English for screen readers.
    assert 'name="language" value="en" lang="en"' in html
    assert response["Content-Language"] == "de"


def test_switching_to_english_and_back(client):
    response = client.post("/sprache/", {"language": "en", "next": "/themen/"})
    assert response.status_code == 302
    assert response["Location"] == "/themen/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    html = client.get("/themen/").content.decode()
    assert '<html lang="en">' in html
    assert "Skip to content" in html
    assert "Zum Inhalt springen" not in html
    assert 'name="language" value="de" lang="de"' in html

    client.post("/sprache/", {"language": "de", "next": "/"})
    assert '<html lang="de">' in client.get("/").content.decode()


def test_unknown_language_in_the_cookie_falls_back_to_german(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert '<html lang="de">' in client.get("/").content.decode()


def test_switcher_returns_to_the_page_it_was_on_and_never_elsewhere(client):
    # The form has no "next" field: Django's set_language goes back to the (same-origin) Referer.
    response = client.post("/sprache/", {"language": "en"}, HTTP_REFERER="http://testserver/suche/?q=Hund&ort=Pirna")
    assert response["Location"] == "http://testserver/suche/?q=Hund&ort=Pirna"
    response = client.post("/sprache/", {"language": "en"}, HTTP_REFERER="https://example.org/")
    assert response["Location"] == "/"
    response = client.post("/sprache/", {"language": "en", "next": "https://example.org/"})
    assert response["Location"] == "/"


def test_switcher_echoes_no_query_string(client):
    html = client.get("/suche/?q=Hund&ort=https://boese.example/").content.decode()
    form = html[html.index('class="aw-language-switch"') :]
    form = form[: form.index("</form>")]
    assert "boese.example" not in form
