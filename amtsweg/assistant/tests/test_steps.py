"""Step pages: validation with error summary, back/forward keeping data, order, tampering, repeats."""

from __future__ import annotations

import re

import pytest

from amtsweg.assistant.tests.conftest import STEP_DATA, assert_clean_markup, text

pytestmark = pytest.mark.django_db


def test_validation_errors_are_summarised_linked_and_keep_the_input(wizard):
    wizard.through("anliegen")
    data = {**STEP_DATA["halter"], "f-vorname": "", "f-email": "keine-adresse", "f-anschrift-postal_code": "99999"}
    response = wizard.post("halter", data)
    assert response.status_code == 200
    html = response.content.decode()
    page = text(response)
    assert "<title>Fehler: " in page
    assert 'role="alert"' in html and 'id="fehler-titel"' in html and "data-aw-error-summary" in html
    assert '<a class="kern-link" href="#feld-vorname">Bitte füllen Sie das Feld „Vorname“ aus.</a>' in page
    assert 'href="#feld-email"' in html and 'href="#feld-anschrift-postal_code"' in html
    vorname = re.search(r"<input[^>]*id=\"feld-vorname\"[^>]*>", html).group(0)
    assert 'aria-invalid="true"' in vorname and 'aria-describedby="feld-vorname-fehler"' in vorname
    # What was typed stays on the page, and the draft has it too.
    assert 'value="keine-adresse"' in html and 'value="Mustermann"' in html and 'value="Schloßstraße"' in html
    assert wizard.draft.answers["nachname"] == "Mustermann"
    assert "halter" not in wizard.draft.completed_steps
    assert_clean_markup(html)


def test_back_does_not_validate_and_keeps_data(wizard):
    wizard.through("anliegen", "halter")
    partial = {"f-hund-0-hund_name": "Bello", "f-hund-0-hund_rasse": ""}
    response = wizard.post("hunde", partial, action="zurueck")
    assert response.status_code == 302 and response["Location"] == wizard.url("halter")
    halter = wizard.get("halter")
    assert 'value="Erika"' in halter.content.decode()  # earlier step still filled in
    forward = wizard.post("halter")
    assert forward["Location"] == wizard.url("hunde")
    hunde = wizard.get("hunde").content.decode()
    assert 'value="Bello"' in hunde
    assert "Bitte füllen Sie" not in hunde  # going back showed no errors


def test_back_from_first_step_leads_to_start_page(wizard, start_url):
    response = wizard.post("anliegen", {"f-anlass": "anmeldung"}, action="zurueck")
    assert response["Location"] == start_url
    assert wizard.draft.answers["anlass"] == "anmeldung"


def test_skipping_ahead_redirects_to_first_incomplete_step_and_keeps_post(wizard, client):
    wizard.through("anliegen")
    response = wizard.get("zahlung")
    assert response.status_code == 302 and response["Location"] == wizard.url("halter")
    response = wizard.post("befreiung", {"f-befreiung_beantragt": "ja"})
    assert response.status_code == 302 and response["Location"] == wizard.url("halter")
    assert wizard.draft.answers["befreiung_beantragt"] is True
    assert "befreiung" not in wizard.draft.completed_steps
    page = text(client.get(response["Location"]))
    assert "Bitte füllen Sie zuerst diesen Schritt vollständig aus." in page
    review = client.get(wizard.url("antrag-pruefen"))
    assert review["Location"] == wizard.url("halter")


def test_unknown_and_hidden_steps_redirect_with_message(wizard, client):
    response = wizard.get("gibtsnicht")
    assert response.status_code == 302 and response["Location"] == wizard.url("anliegen")
    assert "Diesen Schritt gibt es in diesem Antrag nicht." in text(client.get(response["Location"]))
    wizard.post("anliegen", {"f-anlass": "abmeldung", "f-wohnsitz_hier": "ja"})
    # With "abmeldung" the dog step is not part of the assistant: posting it is refused, nothing stored.
    response = wizard.post("hunde", {"f-hund-0-hund_name": "Eingeschleust"})
    assert response.status_code == 302
    assert "hund" not in wizard.draft.answers
    assert "nicht vorgesehen" in text(client.get(response["Location"], follow=True))


def test_tampered_hidden_fields_and_unknown_keys_are_ignored_with_message(wizard, version):
    data = {
        **STEP_DATA["anliegen"],
        "version": str(version.pk + 99),
        "schritt": "zahlung",
        "f-erfunden": "x",
        "f-steuer_betrag": "0.01",
    }
    response = wizard.post("anliegen", data)
    assert response.status_code == 200
    assert "passten nicht zu Ihrem Antrag" in text(response)
    draft = wizard.draft
    assert draft.version == version
    assert draft.answers["anlass"] == "anmeldung"  # the citizen's input is kept
    assert "erfunden" not in draft.answers and "steuer_betrag" not in draft.answers
    assert "anliegen" not in draft.completed_steps
    # Sent again from the re-rendered page (correct hidden values) it goes through.
    assert wizard.post("anliegen").status_code == 302


def test_tampered_choice_value_is_rejected_by_server_validation(wizard):
    response = wizard.post("anliegen", {"f-anlass": "<script>", "f-wohnsitz_hier": "vielleicht"})
    assert response.status_code == 200
    page = text(response)
    assert "Bitte wählen Sie eine der angebotenen Antworten aus." in page
    assert "Bitte antworten Sie mit Ja oder Nein." in page
    assert "<script>" not in response.content.decode()


def test_repeat_rows_add_and_remove_without_javascript(wizard, client):
    wizard.through("anliegen", "halter")
    data = {**STEP_DATA["hunde"]}
    response = wizard.post("hunde", data, action="hinzufuegen:hund")
    assert response.status_code == 302
    assert response["Location"] == wizard.url("hunde") + "?fokus=gruppe-hund-2#gruppe-hund-2"
    page = client.get(response["Location"]).content.decode()
    assert "Hund 2</legend>" in page and 'id="feld-hund-1-hund_name"' in page
    assert 'id="gruppe-hund-2" tabindex="-1" data-aw-focus' in page
    assert 'value="Bello"' in page  # row 1 kept what was typed before adding
    assert "Hund 1 entfernen" in page and "Hund 2 entfernen" in page
    assert_clean_markup(page)

    data.update(
        {
            "f-hund-1-hund_name": "Luna",
            "f-hund-1-hund_rasse": "Mischling",
            "f-hund-1-hund_seit-tag": "1",
            "f-hund-1-hund_seit-monat": "6",
            "f-hund-1-hund_seit-jahr": "2022",
            "f-hund-1-hund_gefaehrlich": "nein",
        }
    )
    response = wizard.post("hunde", data, action="entfernen:hund:0")
    assert response.status_code == 302
    rows = wizard.draft.answers["hund"]
    assert [r["hund_name"] for r in rows] == ["Luna"]
    page = client.get(response["Location"]).content.decode()
    assert "Hund 2" not in page and 'value="Luna"' in page
    assert "Hund 1 entfernen" not in page  # the minimum of one row stays


def test_repeat_limits_are_enforced_on_the_server(wizard):
    wizard.through("anliegen", "halter")
    wizard.post("hunde", {}, action="entfernen:hund:0")
    assert len(wizard.draft.answers["hund"]) == 1  # min 1
    for _ in range(6):
        wizard.post("hunde", {}, action="hinzufuegen:hund")
    assert len(wizard.draft.answers["hund"]) == 5  # max 5
    page = text(wizard.get("hunde"))
    assert "Hund hinzufügen" not in page and "höchstens 5 × „Hund“" in page
    response = wizard.post("hunde", {}, action="entfernen:hund:17")
    assert response.status_code == 200 and "passten nicht zu Ihrem Antrag" in text(response)
    assert len(wizard.draft.answers["hund"]) == 5


def test_revealed_field_is_shown_before_moving_on(wizard):
    wizard.through("anliegen", "halter", "hunde")
    response = wizard.post("befreiung", {"f-befreiung_beantragt": "ja"})
    assert response.status_code == 200
    page = text(response)
    assert "Wegen Ihrer Antwort brauchen wir weitere Angaben" in page
    assert 'href="#feld-befreiung_gruende-1"' in page
    assert "Bitte wählen Sie bei" not in page  # no error for a question the citizen has not seen yet
    response = wizard.post("befreiung", {"f-befreiung_beantragt": "ja"})
    assert response.status_code == 200 and "Bitte wählen Sie bei „Grund“ eine Antwort aus." in text(response)
    response = wizard.post(
        "befreiung",
        {
            "f-befreiung_beantragt": "ja",
            "f-befreiung_gruende": ["tierheim"],
            "f-befreiung_begruendung": "Aus dem Tierheim Dresden.",
        },
    )
    assert response.status_code == 302
    assert wizard.draft.answers["befreiung_gruende"] == ["tierheim"]


def test_htmx_refresh_rerenders_without_errors(wizard):
    wizard.through("anliegen", "halter", "hunde", "befreiung")
    response = wizard.post("zahlung", {"f-lastschrift": "ja"}, action="aktualisieren", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="feld-iban"' in page and 'id="schritt"' in page
    assert "data-aw-error-summary" not in page


def test_computed_values_are_read_only_and_use_the_overlay(wizard):
    wizard.through("anliegen", "halter", "hunde", "befreiung")
    page = wizard.get("zahlung").content.decode()
    assert "Die Steuer wird jährlich am 1. Juli fällig." in page  # overlay text
    assert re.search(r'<dl class="aw-computed" id="feld-steuer_betrag">.*?108,00 €', page, re.S)
    assert 'name="f-steuer_betrag"' not in page


def test_change_link_from_review_returns_to_review(wizard, client):
    wizard.through("anliegen", "halter", "hunde", "befreiung", "zahlung")
    review = client.get(wizard.url("antrag-pruefen")).content.decode()
    assert f'href="{wizard.url("halter")}?von=pruefen#feld-vorname"' in review
    page = wizard.get("halter", data={"von": "pruefen"}).content.decode()
    assert "Übernehmen und zur Übersicht" in page
    response = wizard.post("halter", {**STEP_DATA["halter"], "f-vorname": "Erika Maria"}, query="?von=pruefen")
    assert response["Location"] == wizard.url("antrag-pruefen")
    assert "Erika Maria" in client.get(response["Location"]).content.decode()


def test_review_requires_declarations(wizard, client):
    wizard.through("anliegen", "halter", "hunde", "befreiung", "zahlung")
    response = client.post(wizard.url("antrag-pruefen"), {"datenschutz": "ja"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="#erklaerung-wahrheit"' in html and 'role="alert"' in html
    assert re.search(r'id="erklaerung-datenschutz"[^>]*checked', html)  # the other box stays ticked
    assert_clean_markup(html)


def test_clarification_stop_shows_explanation(wizard, client):
    response = wizard.post("anliegen", {"f-anlass": "abmeldung", "f-wohnsitz_hier": "ja"})
    assert response.status_code == 302 and response["Location"] == wizard.url("kein-antrag-noetig")
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Dafür brauchen Sie diesen Antrag nicht" in text(page)
    assert f'href="{wizard.url("anliegen")}"' in page.content.decode()
    assert client.get(wizard.url("antrag-pruefen"))["Location"] == wizard.url("kein-antrag-noetig")
    # Changing the answer continues the assistant.
    assert wizard.post("anliegen")["Location"] == wizard.url("halter")
    assert client.get(wizard.url("kein-antrag-noetig"))["Location"] == wizard.url("halter")


def test_every_page_has_clean_markup(wizard, client):
    for step in ("anliegen", "halter", "hunde", "befreiung", "zahlung"):
        assert_clean_markup(wizard.get(step).content.decode())
        wizard.post(step)
    assert_clean_markup(client.get(wizard.url("antrag-pruefen")).content.decode())
    assert_clean_markup(client.get(wizard.url("spaeter-fortsetzen")).content.decode())
