"""The Leistung page's cached fragments (ADR 0027): rendered once per process, yet never stale.

Every test first renders the page (so its fragments are cached), then changes what the page shows the way
the platform does (services, admin-style bumps, bulk updates of the catalogue), and expects the change on
the very next request.
"""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from amtsweg.catalog.models import Lebenslage, Leistung
from amtsweg.directory.models import Authority
from amtsweg.directory.services import reference_version_bump
from amtsweg.jurisdiction.selectors import responsible_authority
from amtsweg.jurisdiction.services import override_set
from amtsweg.web.fragments import fragment_key, fragments_clear

from .conftest import PIRNA_AGS

CONTACT_TEMPLATE = "finder/partials/authority_contact.html"
PAGE_TEMPLATE = "finder/leistung.html"


@pytest.fixture(autouse=True)
def _fresh_fragments():
    fragments_clear()
    yield
    fragments_clear()


@pytest.fixture(params=["neu", "wiederkehrend"])
def visitor(request, client):
    """A first-time visitor (whole pages kept) and a returning one with a cookie (fragments kept)."""
    if request.param == "wiederkehrend":
        client.cookies["sessionid"] = "irgendwas"
    return client


def _page(client, leistung, ort: str | None = PIRNA_AGS):
    url = reverse("finder:leistung", args=[leistung.slug]) + (f"?ort={ort}" if ort else "")
    response = client.get(url)
    assert response.status_code == 200
    return response


def _templates(response) -> set[str]:
    return {t.name for t in response.templates}


def test_second_request_reuses_the_rendered_fragments(client, hundesteuer, pirna):
    client.cookies["sessionid"] = "irgendwas"  # a returning visitor: the page is rendered, its fragments kept
    first = _page(client, hundesteuer)
    assert CONTACT_TEMPLATE in _templates(first)
    second = _page(client, hundesteuer)
    # The Zuständigkeit part came from the cache: its partial was not rendered again, the page is the same.
    assert CONTACT_TEMPLATE not in _templates(second)
    assert second.content == first.content


def test_authority_edit_shows_at_once(visitor, client, hundesteuer, pirna):
    authority = responsible_authority(leistung=hundesteuer, gemeinde=pirna).authority
    _page(client, hundesteuer)
    # An edit in place as the admin does it: save, then bump the reference version (ADR 0018).
    Authority.objects.filter(pk=authority.pk).update(name="Stadtverwaltung Pirna – Steueramt", phone="03501 999")
    reference_version_bump()
    html = _page(client, hundesteuer).content.decode()
    assert escape("Stadtverwaltung Pirna – Steueramt") in html
    assert "03501 999" in html


def test_override_to_another_authority_shows_at_once(visitor, client, hundesteuer, pirna):
    before = responsible_authority(leistung=hundesteuer, gemeinde=pirna).authority
    other = Authority.objects.filter(active=True).exclude(pk=before.pk).exclude(name="").order_by("id").first()
    _page(client, hundesteuer)
    override_set(leistung=hundesteuer, territory=pirna, authority=other, reason="delegation")
    html = _page(client, hundesteuer).content.decode()
    assert escape(other.name) in html


def test_catalogue_texts_and_names_show_at_once(visitor, client, hundesteuer, pirna):
    for ort in (PIRNA_AGS, None):
        _page(client, hundesteuer, ort)
    # Bulk updates, as an import does them: no version bump, no updated_at.
    Leistung.objects.filter(pk=hundesteuer.pk).update(name="Hundesteuer (neu)", execution_level="kreis")
    Lebenslage.objects.filter(pk=hundesteuer.ozg.lebenslage_id).update(name="Tiere halten (neu)")
    for ort in (PIRNA_AGS, None):
        html = _page(client, hundesteuer, ort).content.decode()
        assert "Hundesteuer (neu)</h1>" in html
        assert "Tiere halten (neu)</a>" in html
        assert "Zuständig: Landkreis" in html
    # Kreis level now: the Landratsamt, no longer the Stadt.
    hundesteuer.refresh_from_db()
    kreis_authority = responsible_authority(leistung=hundesteuer, gemeinde=pirna).authority
    assert escape(kreis_authority.name) in _page(client, hundesteuer).content.decode()


def test_place_errors_and_other_places_are_never_mixed_up(visitor, client, hundesteuer, pirna):
    pirna_html = _page(client, hundesteuer).content.decode()
    dresden_html = _page(client, hundesteuer, "14612000").content.decode()
    assert "Zuständige Stelle für Pirna" in pirna_html
    assert "Zuständige Stelle für Dresden" in dresden_html
    assert "Zuständige Stelle für Pirna" not in dresden_html
    error_html = _page(client, hundesteuer, "Nirgendwo").content.decode()
    assert "Zuständige Stelle für" not in error_html
    assert "Zuständige Stelle finden" in error_html


def test_fragment_keys_differ_by_language_and_content():
    with translation.override("de"):
        german = fragment_key("x", 1)
        assert fragment_key("x", 1) == german
        assert fragment_key("x", 2) != german
    with translation.override("en"):
        assert fragment_key("x", 1) != german


# --- whole pages for visitors without cookies ------------------------------------------------------------------


def test_a_cookieless_visitor_gets_the_kept_page_with_the_same_headers(client, hundesteuer, pirna):
    first = _page(client, hundesteuer)
    second = _page(client, hundesteuer)
    # The second was not rendered (only the offer box, whose look-up is part of the key, is asked each time).
    assert PAGE_TEMPLATE in _templates(first) and PAGE_TEMPLATE not in _templates(second)
    assert second.content == first.content
    for header in ("Content-Type", "Content-Security-Policy", "Cache-Control", "X-Frame-Options"):
        assert second.get(header) == first.get(header), header
    assert set(second["Vary"].split(", ")) == set(first["Vary"].split(", "))


def test_visitors_with_cookies_or_other_queries_get_a_rendered_page(client, hundesteuer, pirna):
    kept = _page(client, hundesteuer)
    client.cookies["sessionid"] = "irgendwas"
    with_cookie = _page(client, hundesteuer)
    assert PAGE_TEMPLATE in _templates(with_cookie) and with_cookie.content == kept.content
    client.cookies.clear()
    for _ in range(2):
        by_name = _page(client, hundesteuer, "Pirna")
        assert PAGE_TEMPLATE in _templates(by_name) and "Zuständige Stelle für Pirna" in by_name.content.decode()
    url = reverse("finder:leistung", args=[hundesteuer.slug]) + f"?ort={PIRNA_AGS}&x=1"
    assert all(PAGE_TEMPLATE in _templates(client.get(url)) for _ in range(2))


def test_a_page_with_a_token_or_nonce_is_never_kept(rf):
    from django.http import HttpResponse

    from amtsweg.finder.page_cache import page_get, page_key, page_store

    for mark in ("csrf", "nonce"):
        request = rf.get("/leistungen/x/")
        if mark == "csrf":
            request.META["CSRF_COOKIE"] = "geheim"
        else:
            request._csp_nonce = "abc"
        key = page_key(request, "teile")
        page_store(request, key, HttpResponse("<p>persönlich</p>"))
        assert key is not None and page_get(key) is None, mark
    request = rf.get("/leistungen/x/")
    key = page_key(request, "teile")
    page_store(request, key, HttpResponse("<p>für alle</p>"))
    assert page_get(key).content == b"<p>f\xc3\xbcr alle</p>"
    assert page_key(request, "andere Teile") != key  # e.g. another offer box: another page
    assert page_key(rf.get("/leistungen/x/", {"ort": "Pirna"}), "teile") is None
    assert page_key(rf.post("/leistungen/x/"), "teile") is None
