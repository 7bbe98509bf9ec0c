"""The wizard end to end with the test client (no JavaScript): start, steps, review, submit."""

from __future__ import annotations

import pytest
from django.urls import reverse

from amtsweg.assistant.models import Draft
from amtsweg.assistant.tests.conftest import assert_clean_markup, text

pytestmark = pytest.mark.django_db

ALL_STEPS = ("anliegen", "halter", "hunde", "befreiung", "zahlung")


def test_start_page_shows_assistant_authority_contact_and_needs(client, start_url, authority):
    response = client.get(start_url)
    assert response.status_code == 200
    page = text(response)
    assert '<h1 class="kern-heading-large">Anmeldung zur Hundesteuer</h1>' in page
    assert authority.name in page
    assert "Steueramt Dresden" in page and "steueramt@dresden.example" in page
    assert "Das brauchen Sie" in page and "E-Mail-Adresse für die Eingangsbestätigung" in page
    assert "Wesenstest oder Negativzeugnis" in page
    assert "Antrag starten" in page
    assert not Draft.objects.exists(), "a GET must not create a draft"
    assert_clean_markup(response.content.decode())


def test_start_creates_draft_bound_to_session_and_pinned_to_version(client, start_url, version, authority, dresden):
    response = client.post(start_url)
    assert response.status_code == 302
    draft = Draft.objects.get()
    assert response["Location"].endswith(f"/{draft.token}/anliegen/")
    assert len(draft.token) >= 43
    assert draft.version == version and draft.authority == authority and draft.gemeinde == dresden
    assert draft.token in client.session["assistant_drafts"]


def test_start_refused_where_not_activated(client, version, db):
    url = reverse("assistant:start", kwargs={"key": "hundesteuer-anmeldung", "ags": "14628270"})  # Pirna
    response = client.get(url)
    assert response.status_code == 404
    assert "Online-Antrag nicht verfügbar" in text(response)
    assert client.post(url).status_code == 404
    assert not Draft.objects.exists()


def test_full_flow_to_submission(wizard, client, version, authority, dresden):
    from amtsweg.submissions.models import Submission

    for step in ALL_STEPS:
        page = wizard.get(step)
        assert page.status_code == 200, step
        assert_clean_markup(page.content.decode())
        response = wizard.post(step)
        assert response.status_code == 302, (step, text(response)[:2000])
    assert response["Location"] == wizard.url("antrag-pruefen")

    review = client.get(response["Location"])
    assert review.status_code == 200
    page = text(review)
    assert "Angaben prüfen und absenden" in page
    for expected in (
        "Erika",
        "Mustermann",
        "01.05.1980",
        "Schloßstraße 1, 01067 Dresden",
        "Bello",
        "Hund 1",
        "Aus dem Tierheim",
        "108,00 €",
    ):
        assert expected in page, expected
    assert page.count(">ändern<") >= 10
    assert_clean_markup(review.content.decode())

    done = client.post(wizard.url("antrag-pruefen"), {"wahrheit": "ja", "datenschutz": "ja"})
    assert done.status_code == 302
    submission = Submission.objects.get()
    assert done["Location"] == reverse("submissions:confirmation", kwargs={"number": submission.vorgangsnummer})
    assert submission.form_version == version
    assert submission.authority == authority and submission.gemeinde == dresden
    assert submission.email == "erika@example.org"
    assert submission.answers["hund"][0]["hund_name"] == "Bello"
    assert submission.answers["steuer_betrag"] == "108.00"
    assert client.get(done["Location"]).status_code == 200

    draft = Draft.objects.get()
    assert draft.submitted_number == submission.vorgangsnummer and draft.answers == {}
    # The draft's pages now lead to the confirmation; a second submit does not create a second application.
    again = client.post(wizard.url("antrag-pruefen"), {"wahrheit": "ja", "datenschutz": "ja"})
    assert again.status_code == 302 and again["Location"] == done["Location"]
    assert Submission.objects.count() == 1
