"""Citizen-facing pages against the real Saxon register and OZG catalogue."""

import re
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils.html import escape

from amtsweg.catalog.models import Lebenslage, Themenfeld
from amtsweg.jurisdiction.selectors import responsible_authority

from .conftest import DRESDEN_AGS, PIRNA_AGS, SHARED_PLZ, SHARED_PLZ_AGS

pytestmark = pytest.mark.django_db


def _search(client, **params):
    return client.get(reverse("finder:search") + "?" + urlencode(params))


def _text(response) -> str:
    return response.content.decode()


# --- start page and layout -------------------------------------------------------------------------------------


def test_start_page_has_search_form_and_legal_footer(client):
    response = client.get("/")
    html = _text(response)
    assert response.status_code == 200
    assert '<html lang="de">' in html
    assert "Was möchten Sie erledigen?" in html and "Wo wohnen Sie?" in html
    assert 'href="#inhalt"' in html and 'id="inhalt"' in html
    for url in ("/impressum/", "/datenschutz/", "/barrierefreiheit/"):
        assert f'href="{url}"' in html
    assert "Statistisches Bundesamt (Destatis), 2025" in html
    assert "OpenStreetMap-Mitwirkende (ODbL)" in html
    assert "OZG-Umsetzungskatalog (MIT)" in html


def test_pages_have_no_inline_scripts_or_styles(client, hundesteuer, pirna):
    # The CSP forbids inline code; a slip here would silently break the page in browsers.
    urls = ["/", reverse("finder:leistung", args=[hundesteuer.slug]) + f"?ort={pirna.ags}", "/themen/"]
    for url in urls:
        html = _text(client.get(url))
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert "style=" not in html and "<style" not in html, url
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), url


# --- search ------------------------------------------------------------------------------------------------------


def test_search_with_place_links_to_leistung_with_place(client, hundesteuer, pirna):
    response = _search(client, q="Hundesteuer", ort="Pirna")
    html = _text(response)
    assert response.status_code == 200
    assert "Suchergebnisse für „Hundesteuer“" in html
    assert f'href="/leistungen/{hundesteuer.slug}/?ort={PIRNA_AGS}"' in html
    assert "Pirna" in html


def test_search_compound_and_typo_find_hundesteuer(client, hundesteuer):
    for query in ("Hund", "Hundesteur"):
        html = _text(_search(client, q=query))
        assert f"/leistungen/{hundesteuer.slug}/" in html, query


def test_search_results_are_paginated(client):
    first = _text(_search(client, q="Antrag"))
    assert "Seite 1 von" in first
    second = _search(client, q="Antrag", seite="2")
    assert second.status_code == 200 and "Seite 2 von" in _text(second)
    # Nonsense page numbers fall back to a valid page instead of an error.
    assert _search(client, q="Antrag", seite="abc").status_code == 200
    assert _search(client, q="Antrag", seite="99999").status_code == 200


def test_search_without_hits_shows_empty_state(client):
    response = _search(client, q="Xylophonquadratur")
    assert response.status_code == 200
    assert "Keine Leistung gefunden" in _text(response)


def test_empty_query_gives_german_message_on_start_page(client):
    for params in ({"q": ""}, {"q": "   "}, {}):
        response = _search(client, **params)
        html = _text(response)
        assert response.status_code == 200
        assert "Bitte geben Sie ein, was Sie erledigen möchten" in html
        assert 'aria-invalid="true"' in html
        assert "<title>Fehler:" in html


def test_ten_kilobyte_query_gives_german_message(client):
    response = _search(client, q="Hund " * 2048)
    html = _text(response)
    assert response.status_code == 200
    assert "Ihre Suchanfrage ist zu lang" in html
    assert len(html) < 20_000  # the 10 kB input is not echoed back in full


def test_metacharacters_are_escaped_and_harmless(client):
    payload = "<script>alert(1)</script>' OR 1=1; DROP TABLE catalog_leistung; --"
    response = _search(client, q=payload, ort="<b>x</b>")
    html = _text(response)
    assert response.status_code == 200
    assert "<script>alert(1)" not in html and "<b>x</b>" not in html
    assert "&lt;script&gt;" in html or "&lt;b&gt;" in html
    # Nothing was dropped.
    assert _search(client, q="Hundesteuer").status_code == 200


def test_null_byte_query_gives_message(client):
    response = _search(client, q="Hund\x00steuer")
    assert response.status_code == 200
    assert 'aria-invalid="true"' in _text(response)


def test_unknown_place_keeps_query_and_explains(client):
    response = _search(client, q="Hundesteuer", ort="Atlantis")
    html = _text(response)
    assert response.status_code == 200
    assert "Wir haben keinen Ort „Atlantis“ gefunden" in html
    assert 'value="Hundesteuer"' in html


def test_unknown_postal_code_explains(client):
    html = _text(_search(client, q="Hundesteuer", ort="99999"))
    assert "Zur Postleitzahl „99999“ haben wir keine Gemeinde gefunden" in html


def test_shared_postal_code_asks_which_gemeinde(client):
    response = _search(client, q="Hundesteuer", ort=SHARED_PLZ)
    html = _text(response)
    assert response.status_code == 200
    assert "Welche Gemeinde meinen Sie?" in html
    values = set(re.findall(r'type="radio" name="ort" id="ort-\d+" value="(\d{8})"', html))
    assert values == SHARED_PLZ_AGS
    assert 'name="q" value="Hundesteuer"' in html


def test_choosing_gemeinde_after_disambiguation_shows_results_for_it(client, hundesteuer):
    html = _text(_search(client, q="Hundesteuer", ort=PIRNA_AGS))
    assert f"/leistungen/{hundesteuer.slug}/?ort={PIRNA_AGS}" in html


def test_postal_code_with_name_resolves_directly(client, hundesteuer):
    html = _text(_search(client, q="Hundesteuer", ort=f"{SHARED_PLZ} Pirna"))
    assert f"?ort={PIRNA_AGS}" in html


def test_unique_postal_code_resolves_directly(client, hundesteuer):
    html = _text(_search(client, q="Hundesteuer", ort="01067"))
    assert f"/leistungen/{hundesteuer.slug}/?ort={DRESDEN_AGS}" in html


# --- Leistung page -----------------------------------------------------------------------------------------------


def test_leistung_without_place_shows_stammtext_and_place_form(client, hundesteuer):
    response = client.get(reverse("finder:leistung", args=[hundesteuer.slug]))
    html = _text(response)
    assert response.status_code == 200
    assert f'<h1 class="kern-heading-large">{hundesteuer.name}</h1>' in html
    for heading in ("Beschreibung", "Erforderliche Unterlagen", "Kosten", "Fristen", "Bearbeitungsdauer"):
        assert f">{heading}</h2>" in html
    assert "Rechtsgrundlage" in html
    assert "Zuständig: Gemeinde" in html
    assert "Zuständige Stelle finden" in html


def test_leistung_with_place_shows_responsible_authority(client, hundesteuer, pirna):
    response = client.get(reverse("finder:leistung", args=[hundesteuer.slug]) + f"?ort={PIRNA_AGS}")
    html = _text(response)
    expected = responsible_authority(leistung=hundesteuer, gemeinde=pirna)
    assert response.status_code == 200
    assert expected.authority is not None
    assert "Zuständige Stelle für Pirna" in html
    assert expected.authority.name in html
    assert "Warum diese Stelle?" in html
    # The served territory is listed with its identifiers.
    for unit in expected.served_territories:
        assert unit["ars"] in html


def test_leistung_with_unknown_level_names_both_places_to_ask(client, hundesteuer, pirna):
    from amtsweg.catalog.models import Leistung

    Leistung.objects.filter(pk=hundesteuer.pk).update(execution_level="")
    html = _text(client.get(reverse("finder:leistung", args=[hundesteuer.slug]) + f"?ort={PIRNA_AGS}"))
    hundesteuer.refresh_from_db()
    expected = responsible_authority(leistung=hundesteuer, gemeinde=pirna)
    assert len(expected.candidates) == 2
    assert "hier können Sie nachfragen" in html
    for candidate in expected.candidates:
        assert escape(candidate.name) in html
    assert "Warum diese Stelle?" not in html


def test_leistung_place_by_name_and_kreis_level(client, kreis_leistung, pirna):
    response = client.get(reverse("finder:leistung", args=[kreis_leistung.slug]) + "?ort=Pirna")
    html = _text(response)
    expected = responsible_authority(leistung=kreis_leistung, gemeinde=pirna)
    assert response.status_code == 200
    assert expected.authority.name in html
    assert expected.authority.territory.ars in html
    # The Landkreis stands for its Gemeinden: they are not listed one by one (the API lists them on request).
    assert "für alle Gemeinden des Landkreises zuständig" in html
    others = [u for u in expected.served_territories if u["kind"] == "gemeinde" and u["ars"] != pirna.ars]
    assert others and not any(f">{u['ars']}<" in html for u in others)


def test_leistung_ambiguous_place_offers_choice(client, hundesteuer):
    html = _text(client.get(reverse("finder:leistung", args=[hundesteuer.slug]) + f"?ort={SHARED_PLZ}"))
    assert set(re.findall(r'value="(\d{8})"', html)) == SHARED_PLZ_AGS
    assert "Zuständige Stelle anzeigen" in html


def test_leistung_invalid_place_input_gives_message(client, hundesteuer):
    base = reverse("finder:leistung", args=[hundesteuer.slug])
    unknown = _text(client.get(base + "?ort=99999999"))
    assert "Zum Gemeindeschlüssel „99999999“ ist uns keine Gemeinde bekannt" in unknown
    assert "Bitte geben Sie Ihre Gemeinde oder Postleitzahl ein" in _text(client.get(base + "?ort="))
    assert "Die Ortsangabe ist zu lang" in _text(client.get(base + "?ort=" + "x" * 10_000))


def test_unknown_leistung_is_404_with_german_page(client):
    response = client.get("/leistungen/gibt-es-nicht/")
    assert response.status_code == 404
    assert "Seite nicht gefunden" in _text(response)


def test_three_clicks_from_start_to_authority(client, hundesteuer, pirna):
    # 1: submit the start page form with place; 2: open the first result; the authority is on that page.
    results = _text(_search(client, q="Hundesteuer", ort="Pirna"))
    first_link = re.search(r'<a class="kern-link" href="(/leistungen/[^"]+)"', results).group(1)
    page = _text(client.get(first_link.replace("&amp;", "&")))
    assert "Zuständige Stelle für Pirna" in page
    assert "Anschrift" in page or "Warum diese Stelle?" in page


# --- browse ------------------------------------------------------------------------------------------------------


def test_themen_lists_themenfelder_and_lebenslagen(client):
    html = _text(client.get(reverse("finder:themen")))
    assert Themenfeld.objects.count() == 14
    for themenfeld in Themenfeld.objects.all():
        assert themenfeld.name.replace("&", "&amp;") in html
    lebenslage = Lebenslage.objects.select_related("themenfeld").first()
    assert reverse("finder:lebenslage", args=[lebenslage.themenfeld.slug, lebenslage.slug]) in html


def test_lebenslage_page_lists_leistungen_with_place(client, hundesteuer):
    lebenslage = hundesteuer.ozg.lebenslage
    url = reverse("finder:lebenslage", args=[lebenslage.themenfeld.slug, lebenslage.slug])
    pages = [_text(client.get(url + f"?ort={PIRNA_AGS}&seite={n}")) for n in range(1, 6)]
    assert any(f"/leistungen/{hundesteuer.slug}/?ort={PIRNA_AGS}" in html for html in pages)
    assert client.get(url + "?seite=abc").status_code == 200


def test_lebenslage_under_wrong_themenfeld_is_404(client):
    lebenslage = Lebenslage.objects.select_related("themenfeld").first()
    other = Themenfeld.objects.exclude(pk=lebenslage.themenfeld_id).first()
    assert client.get(reverse("finder:lebenslage", args=[other.slug, lebenslage.slug])).status_code == 404


# --- autocomplete ------------------------------------------------------------------------------------------------


def test_place_suggestions_fragment(client):
    response = client.get(reverse("finder:place-suggest") + "?q=Pirn")
    html = _text(response)
    assert response.status_code == 200
    assert 'role="option"' in html and "Pirna" in html
    assert "<html" not in html


def test_place_suggestions_accept_htmx_field_name_and_bad_input(client):
    assert "Pirna" in _text(client.get(reverse("finder:place-suggest") + "?ort=Pirna"))
    assert 'role="option"' not in _text(client.get(reverse("finder:place-suggest") + "?q="))
    assert client.get(reverse("finder:place-suggest") + "?q=" + "%" * 10_000).status_code == 200


def test_error_template_renders_without_database(rf, django_assert_num_queries):
    from django.template.loader import render_to_string

    request = rf.get("/kaputt/")
    with django_assert_num_queries(0):
        html = render_to_string("web/error.html", {"title": "Ein Fehler ist aufgetreten", "code": 500}, request)
    assert "Ein Fehler ist aufgetreten" in html and "Fehlercode: 500" in html
    assert 'lang="de"' in html


def test_leistung_on_land_level_explains_why_no_local_authority(client, pirna):
    from amtsweg.catalog.models import Leistung

    leistung = Leistung.objects.filter(execution_level="land", published=True).order_by("id").first()
    assert leistung is not None
    html = _text(client.get(reverse("finder:leistung", args=[leistung.slug]) + f"?ort={PIRNA_AGS}"))
    expected = responsible_authority(leistung=leistung, gemeinde=pirna)
    assert expected.authority is None
    assert "Keine kommunale Stelle zuständig" in html
    assert escape(expected.explanation) in html


def test_leistung_text_edit_shows_at_once_despite_the_render_cache(client, hundesteuer):
    """The Stammtext part is rendered once per process, keyed by its content: an edit (even a bulk update
    that bypasses ``updated_at``) is on the very next page."""
    from amtsweg.catalog.models import Leistung

    url = reverse("finder:leistung", args=[hundesteuer.slug])
    client.get(url)
    Leistung.objects.filter(pk=hundesteuer.pk).update(fees="Neu: 7 Euro <im Jahr>", legal_basis="")
    html = _text(client.get(url))
    assert escape("Neu: 7 Euro <im Jahr>") in html
    assert "Hierzu liegen noch keine Angaben vor." in html
