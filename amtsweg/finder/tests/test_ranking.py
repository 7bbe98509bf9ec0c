"""Issue 11 on the real catalogue and register: results ranked by what the citizen can do at their place,
honest counts, "Online beantragen" on results, and how to reach the authority without an online offer."""

from pathlib import Path

import pytest
from django.urls import reverse

from amtsweg.catalog.models import Leistung
from amtsweg.directory.models import Territory
from amtsweg.finder import search
from amtsweg.finder.selectors import leistung_results

from .conftest import HUNDESTEUER_KEY, PIRNA_AGS

pytestmark = pytest.mark.django_db

FREIBERG_AGS = "14522180"
HUNDESTEUER_DEFINITION = Path(__file__).resolve().parents[2] / "forms" / "definitions" / "hundesteuer.yaml"


@pytest.fixture(autouse=True)
def _fresh_caches():
    from amtsweg.assistant.selectors import caches_clear

    search.reset_indexes()
    caches_clear()
    yield
    search.reset_indexes()
    caches_clear()


@pytest.fixture
def freiberg(db):
    return Territory.objects.get(ags=FREIBERG_AGS, kind=Territory.Kind.GEMEINDE, valid_until__isnull=True)


@pytest.fixture
def pirna_gemeinde(db):
    return Territory.objects.get(ags=PIRNA_AGS, kind=Territory.Kind.GEMEINDE, valid_until__isnull=True)


@pytest.fixture
def hundesteuer_online_in_freiberg(freiberg, tmp_path):
    """The real demo assistant "hundesteuer", live at Freiberg's responsible authority (with a file-drop route)."""
    from amtsweg.assistant.services import activation_set
    from amtsweg.forms.services import definition_load_file
    from amtsweg.hub.routing import routing_create
    from amtsweg.hub.targets import target_create
    from amtsweg.jurisdiction.selectors import responsible_authority

    version = definition_load_file(path=HUNDESTEUER_DEFINITION, publish=True)
    authority = responsible_authority(leistung=version.definition.leistung, gemeinde=freiberg).authority
    target = target_create(
        authority=authority,
        key="ablage",
        name="Dateiablage (Test)",
        type_key="filedrop",
        config={"directory": str(tmp_path / "ablage")},
    )
    routing_create(authority=authority, target=target)
    activation_set(definition=version.definition, authority=authority)
    search.reset_indexes()
    return reverse("assistant:start", kwargs={"key": version.definition.key, "ags": FREIBERG_AGS})


def test_hund_anmelden_in_freiberg_gives_the_hundesteuer_assistant_first(freiberg, hundesteuer_online_in_freiberg):
    results = leistung_results(query="Hund anmelden", gemeinde=freiberg)
    first = results.items[0]
    assert first.hit.leika_key == HUNDESTEUER_KEY
    assert first.online_url == hundesteuer_online_in_freiberg
    assert first.online_local is True
    assert all(not item.online_url for item in results.items[1:])


def test_the_online_offer_counts_only_where_it_exists(pirna_gemeinde, hundesteuer_online_in_freiberg):
    results = leistung_results(query="Hund anmelden", gemeinde=pirna_gemeinde)
    assert results.items
    assert all(not item.online_url for item in results.items)


def test_wohnsitz_anmelden_lists_neither_hundesteuer_nor_kita(freiberg, hundesteuer_online_in_freiberg):
    results = leistung_results(query="Wohnsitz anmelden", gemeinde=freiberg)
    top = [item.hit for item in results.items[:10]]
    assert top[0].name == "Wohnsitz Anmeldung"
    assert not any(hit.leika_key.startswith("99102013") for hit in top)  # Hundesteuer
    assert not any("Kita" in hit.name or "Kindertages" in hit.name for hit in top)


@pytest.mark.parametrize("query", ["Hund anmelden", "Wohnsitz anmelden", "Gewerbe anmelden"])
def test_two_word_queries_report_real_matches_not_a_hundred(query):
    results = leistung_results(query=query, gemeinde=None)
    assert 1 <= results.total < 30
    assert results.capped is False


def test_a_soft_word_does_not_widen_the_results():
    # "beantragen" is what citizens add; the count is that of the passports, each of them a real match.
    results = leistung_results(query="Reisepass beantragen", gemeinde=None)
    assert results.capped is False
    assert all(("pass" in name or "pässe" in name) for name in (i.hit.name.lower() for i in results.items))


def test_results_page_shows_online_beantragen_and_an_honest_count(client, hundesteuer_online_in_freiberg):
    response = client.get(reverse("finder:search"), {"q": "Hund anmelden", "ort": FREIBERG_AGS})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="{hundesteuer_online_in_freiberg}"' in html
    assert "Online beantragen" in html
    assert "100 Leistungen gefunden" not in html
    total = leistung_results(query="Hund anmelden", gemeinde=None).total
    assert f"{total} Leistungen gefunden" in html


def test_api_search_with_place_ranks_and_links_the_online_offer(client, hundesteuer_online_in_freiberg):
    response = client.get("/api/v1/leistungen/", {"q": "Hund anmelden", "ort": FREIBERG_AGS})
    body = response.json()
    assert response.status_code == 200
    assert body["ort"] == FREIBERG_AGS
    assert body["results"][0]["leika_key"] == HUNDESTEUER_KEY
    assert body["results"][0]["online_url"] == hundesteuer_online_in_freiberg
    assert body["count"] == len(body["results"])


def test_api_search_refuses_an_unknown_place(client):
    assert client.get("/api/v1/leistungen/", {"q": "Hund", "ort": "99999999"}).status_code == 404
    assert client.get("/api/v1/leistungen/", {"q": "Hund", "ort": "Freiberg"}).status_code == 400


def _leistung_page(client, leistung, ags):
    response = client.get(reverse("finder:leistung", args=[leistung.slug]), {"ort": ags})
    assert response.status_code == 200
    return response.content.decode()


def test_without_online_offer_the_page_says_how_to_reach_the_authority(client, hundesteuer):
    html = _leistung_page(client, hundesteuer, PIRNA_AGS)
    assert "noch nicht online beantragen" in html
    assert "So erreichen Sie die zuständige Stelle" in html
    # The generated directory entries have no opening hours, phone or e-mail yet: the page says so.
    assert "Noch nicht hinterlegt:" in html
    assert "Ein Formular zum Herunterladen liegt uns für diese Leistung nicht vor" in html


def test_a_catalogue_form_is_offered_for_download(client, hundesteuer):
    Leistung.objects.filter(pk=hundesteuer.pk).update(form_url="https://www.pirna.example/formulare/hundesteuer.pdf")
    html = _leistung_page(client, hundesteuer, PIRNA_AGS)
    assert 'href="https://www.pirna.example/formulare/hundesteuer.pdf"' in html
    assert "Antragsformular herunterladen" in html


def test_complete_contact_data_is_shown_without_a_missing_note(client, hundesteuer, pirna_gemeinde):
    from amtsweg.jurisdiction.selectors import responsible_authority

    authority = responsible_authority(leistung=hundesteuer, gemeinde=pirna_gemeinde).authority
    authority.street, authority.postal_code, authority.city = "Am Markt 1", "01796", "Pirna"
    authority.phone, authority.email = "03501 556-0", "buergerbuero@pirna.example"
    authority.opening_hours = "Mo–Fr 9–12 Uhr"
    authority.save()
    html = _leistung_page(client, hundesteuer, PIRNA_AGS)
    for text in ("Am Markt 1", "03501 556-0", "buergerbuero@pirna.example", "Mo–Fr 9–12 Uhr"):
        assert text in html
    assert "Noch nicht hinterlegt" not in html


def test_with_online_offer_the_page_does_not_claim_there_is_none(client, hundesteuer_online_in_freiberg):
    definition_leistung = Leistung.objects.filter(leika_key=HUNDESTEUER_KEY).order_by("id").first()
    html = _leistung_page(client, definition_leistung, FREIBERG_AGS)
    assert "noch nicht online beantragen" not in html
    assert hundesteuer_online_in_freiberg in html


def test_contact_names_exactly_what_is_missing(hundesteuer, pirna_gemeinde):
    from amtsweg.finder.selectors import authority_contact
    from amtsweg.jurisdiction.selectors import responsible_authority

    authority = responsible_authority(leistung=hundesteuer, gemeinde=pirna_gemeinde).authority
    authority.street, authority.city = "", "Pirna"
    authority.phone = authority.email = authority.opening_hours = ""
    missing = authority_contact(authority=authority).missing
    assert missing == ["Straße und Hausnummer", "Öffnungszeiten", "Telefon", "E-Mail"]
    authority.city = ""
    authority.phone = "03501 556-0"
    assert authority_contact(authority=authority).missing == ["Anschrift", "Öffnungszeiten", "E-Mail"]
    assert authority_contact(authority=None) is None
